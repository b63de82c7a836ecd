/**
 * @module api/builtin/common
 * Shared pieces of the built-in kinds: definition names, a free-form object (for status blocks
 * that only controllers write), and the registration helper every group file uses.
 */
import { define, registerResource } from '../schema/registry.js';
import { kindDef } from '../meta/kind.js';
import type { ResourceInfo, Schema } from '../schema/types.js';

export const CORE = 'io.k8s.api.core.v1';
export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** An object whose fields are not (yet) described: accepted and kept as given. */
export const free = (description?: string): Schema => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...(description ? { description } : {}) });

export interface KindSpec {
  group: string; version: string; kind: string; plural: string; namespaced: boolean;
  shortNames?: string[]; categories?: string[]; subresources?: ResourceInfo['subresources'];
  storagePrefix?: string; props: Record<string, Schema>; description?: string; defaulter?: (o: any) => void;
  definition?: string; required?: string[];
  verbs?: string[]; virtual?: boolean; extraSubresources?: ResourceInfo['extraSubresources'];
}

/** Define a kind's schema under Kubernetes' definition name and serve it. */
export function kind(k: KindSpec): void {
  const pkg = k.group === '' ? 'core' : k.group.replace(/\.k8s\.io$/, '').replace(/\./g, '');
  const defName = k.definition ?? `io.k8s.api.${pkg}.${k.version}.${k.kind}`;
  define(defName, kindDef(k.group, k.version, k.kind, k.props, { description: k.description, required: k.required }));
  registerResource({
    group: k.group, version: k.version, kind: k.kind, plural: k.plural, singular: k.kind.toLowerCase(), namespaced: k.namespaced,
    shortNames: k.shortNames, categories: k.categories, definition: defName, subresources: k.subresources,
    storagePrefix: k.storagePrefix, defaulter: k.defaulter, verbs: k.verbs, virtual: k.virtual, extraSubresources: k.extraSubresources,
  });
}
