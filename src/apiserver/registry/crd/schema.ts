/**
 * @module apiserver/registry/crd/schema
 * A CRD version's `openAPIV3Schema` becomes a schema definition like any built-in kind's: the
 * JSONSchemaProps shape is already the OpenAPI v3 shape skiff's schemas use, so apiVersion, kind and
 * metadata are added (metadata is always ObjectMeta, as the apiextensions server does).
 */
import type { ResourceInfo, Schema } from '../../../api/schema/types.js';
import { OBJECT_META } from '../../../api/meta/kind.js';

export function crdDefinitionName(group: string, version: string, kind: string): string {
  // Kubernetes publishes CRD kinds under their reversed group: com.example.stable.v1.CronTab
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

function clean(s: any): Schema {
  if (!s || typeof s !== 'object') return {};
  const out: any = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions' || k === 'dependencies') {
      out[k] = Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, clean(pv)]));
    } else if (k === 'items') {
      out.items = Array.isArray(v) ? clean(v[0]) : clean(v);
    } else if (k === 'additionalProperties') {
      out.additionalProperties = typeof v === 'boolean' ? v : clean(v);
    } else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') {
      out[k] = (v as any[]).map(clean);
    } else if (k === 'not') {
      out.not = clean(v);
    } else out[k] = v;
  }
  return out;
}

/** The schema of one served version, with apiVersion/kind/metadata and the GVK extension. */
export function crdVersionSchema(group: string, version: string, kind: string, openAPIV3Schema: any): Schema {
  const s = clean(openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  s.type = 'object';
  s.properties = { ...(s.properties ?? {}), apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: OBJECT_META } };
  s['x-kubernetes-group-version-kind'] = [{ group, version, kind }];
  return s;
}

/** The ResourceInfo of one served version of a CRD. */
export function crdResourceInfo(crd: any, v: any): ResourceInfo {
  const spec = crd.spec;
  const names = spec.names;
  const sub = v.subresources ?? spec.subresources ?? {};
  return {
    group: spec.group, version: v.name, kind: names.kind, plural: names.plural, singular: names.singular ?? names.kind.toLowerCase(),
    namespaced: spec.scope === 'Namespaced', shortNames: names.shortNames, categories: names.categories,
    definition: crdDefinitionName(spec.group, v.name, names.kind), custom: true,
    subresources: { status: !!sub.status, ...(sub.scale ? { scale: sub.scale } : {}) },
    storagePrefix: `${spec.group}/${names.plural}`,
  };
}
