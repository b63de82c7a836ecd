/**
 * @module api/schema/defaults
 * Defaulting on decode: schema `default`s are applied where the parent object exists (structural
 * defaulting as apiextensions does it, also used for built-in kinds whose schemas carry defaults), then
 * the kind's own SetDefaults_* function (`ResourceInfo.defaulter`).
 */
import type { ResourceInfo, Schema } from './types.js';
import { definition, resolve } from './registry.js';

const clone = (v: unknown): unknown => (v === null || typeof v !== 'object' ? v : structuredClone(v));

/** Apply the schema's `default`s to `obj` in place. Returns `obj`. */
export function applyDefaults<T>(obj: T, schema: Schema): T {
  walk(obj, schema, 0);
  return obj;
}

/** Per schema object: whether a `default` sits in it or anywhere under it. */
const holdsDefaults = new WeakMap<Schema, boolean>();

/**
 * Whether walking under `s0` can apply any default. Built-in kinds' schemas carry none (their
 * defaulting is the kind's defaulter), so a pod is not walked field by field for nothing; CRD
 * schemas with defaults are. A cycle through $refs counts as holding defaults (walking is always safe).
 */
export function hasDefaults(s0: Schema | undefined, visiting = new Set<Schema>()): boolean {
  const s = resolve(s0);
  if (!s) return false;
  const known = holdsDefaults.get(s);
  if (known !== undefined) return known;
  if (visiting.has(s)) return true;
  visiting.add(s);
  let r = s.default !== undefined;
  if (!r && s.properties) for (const k in s.properties) if (s.properties[k].default !== undefined || hasDefaults(s.properties[k], visiting)) { r = true; break; }
  if (!r && s.items) r = hasDefaults(s.items, visiting);
  if (!r && s.additionalProperties && typeof s.additionalProperties === 'object') r = hasDefaults(s.additionalProperties, visiting);
  if (!r && s.allOf) r = s.allOf.some((x) => hasDefaults(x, visiting));
  visiting.delete(s);
  holdsDefaults.set(s, r);
  return r;
}

function walk(v: unknown, s0: Schema | undefined, depth: number): void {
  if (v === null || typeof v !== 'object' || depth > 64) return;
  const s = resolve(s0);
  if (!s || !hasDefaults(s)) return;
  if (Array.isArray(v)) {
    if (s.items) for (const x of v) walk(x, s.items, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  if (s.properties) {
    for (const k in s.properties) {
      const ps = s.properties[k];
      const pr = ps.$ref ? resolve(ps) : ps;
      // A default applies to an absent field, or to null where null is not allowed (apiextensions).
      const dflt = ps.default !== undefined ? ps.default : pr?.default;
      if (dflt !== undefined && (o[k] === undefined || (o[k] === null && !pr?.nullable))) o[k] = clone(dflt);
      if (o[k] !== undefined) walk(o[k], ps, depth + 1);
    }
  }
  const ap = s.additionalProperties;
  if (ap && typeof ap === 'object') {
    for (const k in o) if (!s.properties?.[k]) walk(o[k], ap, depth + 1);
  }
  if (s.allOf) for (const sub of s.allOf) walk(v, sub, depth + 1);
}

/** Schema defaults, then the kind's defaulter: what decoding a write does for `info`'s kind. */
export function defaultObject(obj: any, info: ResourceInfo): void {
  const s = definition(info.definition);
  if (s) applyDefaults(obj, s);
  info.defaulter?.(obj);
}
