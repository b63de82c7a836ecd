/**
 * @module api/meta/kind
 * The shape every top-level kind shares: apiVersion, kind, metadata, then its own fields, tagged with
 * `x-kubernetes-group-version-kind` so OpenAPI consumers (kubectl explain, apply) find it by GVK.
 */
import type { Schema } from '../schema/types.js';
import { str, ref, arr } from '../schema/builders.js';
import { OBJECT_META, LIST_META } from './v1.js'; // also registers the meta/v1 definitions

export { OBJECT_META, LIST_META };

const API_VERSION_DOC = 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC = 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** A top-level kind: `kindDef('apps', 'v1', 'Deployment', { spec: ref(...), status: ref(...) })`. */
export function kindDef(group: string, version: string, kind: string, props: Record<string, Schema>,
                        opts: { required?: string[]; description?: string } = {}): Schema {
  const s: Schema = {
    type: 'object',
    properties: {
      apiVersion: str(API_VERSION_DOC),
      kind: str(KIND_DOC),
      metadata: ref(OBJECT_META, "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"),
      ...props,
    },
    'x-kubernetes-group-version-kind': [{ group, version, kind }],
  };
  if (opts.required?.length) s.required = opts.required;
  if (opts.description) s.description = opts.description;
  return s;
}

/** The `<Kind>List` kind for a kind whose item definition is `itemDef`. */
export function listDef(group: string, version: string, kind: string, itemDef: string, description?: string): Schema {
  const s: Schema = {
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: str(API_VERSION_DOC),
      items: arr(ref(itemDef), { description: `List of ${kind.toLowerCase()}s.` }),
      kind: str(KIND_DOC),
      metadata: ref(LIST_META, 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
    },
    'x-kubernetes-group-version-kind': [{ group, version, kind: `${kind}List` }],
  };
  if (description) s.description = description;
  return s;
}
