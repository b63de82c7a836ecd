/**
 * @module api/schema/builders
 * Small constructors that keep the kind definitions short and readable.
 * `obj({...})`, `arr(ref('...'), { mergeKey: 'name' })`, `mapOf(str())`, ...
 */
import type { Schema } from './types.js';

type Props = Record<string, Schema>;

/** An object with the given properties. `required` lists required property names. */
export function obj(properties: Props, opts: { required?: string[]; description?: string; mapType?: 'atomic' | 'granular' } = {}): Schema {
  const s: Schema = { type: 'object', properties };
  if (opts.required?.length) s.required = opts.required;
  if (opts.description) s.description = opts.description;
  if (opts.mapType) s['x-kubernetes-map-type'] = opts.mapType;
  return s;
}
/** A map with string keys. */
export function mapOf(value: Schema, opts: { description?: string } = {}): Schema {
  return { type: 'object', additionalProperties: value, ...(opts.description ? { description: opts.description } : {}) };
}
export const str = (description?: string): Schema => ({ type: 'string', ...(description ? { description } : {}) });
export const enumStr = (values: string[], description?: string): Schema => ({ type: 'string', enum: values, ...(description ? { description } : {}) });
export const bool = (description?: string): Schema => ({ type: 'boolean', ...(description ? { description } : {}) });
export const int32 = (description?: string): Schema => ({ type: 'integer', format: 'int32', ...(description ? { description } : {}) });
export const int64 = (description?: string): Schema => ({ type: 'integer', format: 'int64', ...(description ? { description } : {}) });
export const num = (description?: string): Schema => ({ type: 'number', format: 'double', ...(description ? { description } : {}) });
export const bytes = (description?: string): Schema => ({ type: 'string', format: 'byte', ...(description ? { description } : {}) });
export const ref = (name: string, description?: string): Schema => ({ $ref: name, ...(description ? { description } : {}) });
/** metav1.Time / MicroTime: RFC 3339 strings. */
export const time = (description?: string): Schema => ref('io.k8s.apimachinery.pkg.apis.meta.v1.Time', description);
export const quantity = (description?: string): Schema => ref('io.k8s.apimachinery.pkg.api.resource.Quantity', description);
export const intOrString = (description?: string): Schema => ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString', description);
export const anyObject = (description?: string): Schema => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, ...(description ? { description } : {}) });

export interface ListOpts {
  /** Strategic merge patch: merge list elements by this key (`x-kubernetes-patch-merge-key`). */
  mergeKey?: string;
  /** Patch strategy (`merge`, `retainKeys`, `merge,retainKeys`, `replace`). Defaults to `merge` when mergeKey is set. */
  patchStrategy?: string;
  /** Server-side apply list type. Defaults: `map` with [mergeKey] when mergeKey is set, else `atomic`. */
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  description?: string;
}
/** A list; patch and apply metadata as Kubernetes' tags give them. */
export function arr(items: Schema, opts: ListOpts = {}): Schema {
  const s: Schema = { type: 'array', items };
  if (opts.description) s.description = opts.description;
  if (opts.mergeKey) {
    s['x-kubernetes-patch-merge-key'] = opts.mergeKey;
    s['x-kubernetes-patch-strategy'] = opts.patchStrategy ?? 'merge';
  } else if (opts.patchStrategy) {
    s['x-kubernetes-patch-strategy'] = opts.patchStrategy;
  }
  if (opts.listType) s['x-kubernetes-list-type'] = opts.listType;
  else if (opts.mergeKey) s['x-kubernetes-list-type'] = 'map';
  else s['x-kubernetes-list-type'] = 'atomic';
  if (opts.listMapKeys) s['x-kubernetes-list-map-keys'] = opts.listMapKeys;
  else if (s['x-kubernetes-list-type'] === 'map' && opts.mergeKey) s['x-kubernetes-list-map-keys'] = [opts.mergeKey];
  return s;
}
/** A `set` list of scalars (e.g. finalizers: merge as a set under SMP and SSA). */
export const setOf = (items: Schema, description?: string): Schema => arr(items, { listType: 'set', patchStrategy: 'merge', description });
/** Mark a schema with a default value. */
export function withDefault(s: Schema, value: unknown): Schema { return { ...s, default: value }; }
/** Mark a property as having a patch strategy (e.g. `retainKeys` on a union struct). */
export function withPatchStrategy(s: Schema, strategy: string): Schema { return { ...s, 'x-kubernetes-patch-strategy': strategy }; }
