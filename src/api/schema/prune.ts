/**
 * @module api/schema/prune
 * Dropping fields the schema does not know: what decoding into a Go struct does for built-in kinds,
 * and what apiextensions' pruning does for custom resources (except under
 * `x-kubernetes-preserve-unknown-fields`). Embedded resources keep apiVersion, kind and metadata.
 */
import type { Schema } from './types.js';
import { resolve } from './registry.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Remove unknown fields from `obj` in place; returns the removed paths (`spec.foo`). */
export function pruneUnknownFields(obj: unknown, schema: Schema, opts: { path?: string; custom?: boolean } = {}): string[] {
  const removed: string[] = [];
  walk(obj, schema, opts.path ?? '', removed, 0, !!opts.custom);
  return removed;
}

function walk(v: unknown, s0: Schema | undefined, path: string, removed: string[], depth: number, custom: boolean): void {
  if (v === null || typeof v !== 'object' || depth > 64) return;
  const s = resolve(s0);
  if (!s) return;
  if (Array.isArray(v)) {
    if (s.items) for (let i = 0; i < v.length; i++) walk(v[i], s.items, `${path}[${i}]`, removed, depth + 1, custom);
    return;
  }
  if (s['x-kubernetes-int-or-string']) return;
  const props = s.properties ?? {};
  const ap = s.additionalProperties;
  const keepAll = ap === true || s['x-kubernetes-preserve-unknown-fields'] === true;
  // Schemas with no structure at all (no type, no properties) accept anything.
  // Built-in kinds: an object with neither properties nor additionalProperties is opaque (RawExtension).
  const structureless = (!s.type || !custom) && !s.properties && ap === undefined && !s.items;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const p = path ? `${path}.${k}` : k;
    if (props[k]) { walk(o[k], props[k], p, removed, depth + 1, custom); continue; }
    if (ap && typeof ap === 'object') { walk(o[k], ap, p, removed, depth + 1, custom); continue; }
    if (embedded && (k === 'apiVersion' || k === 'kind')) continue;
    if (embedded && k === 'metadata') { walk(o[k], { $ref: OBJECT_META }, p, removed, depth + 1, custom); continue; }
    if (keepAll || structureless) continue;
    delete o[k];
    removed.push(p);
  }
}
