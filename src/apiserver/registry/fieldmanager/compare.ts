/**
 * @module apiserver/registry/fieldmanager/compare
 * What an Update changed, field by field (structured-merge-diff's Compare): one walk of the new
 * object beside the old one along the schema, giving the new object's field set and the paths
 * whose value is new or different. It replaces two full field-set walks plus a lookup and a JSON
 * comparison per path (`getAt` from the root, stringifying whole list items for their `.` path),
 * which made a pod's first status write cost four times a create (docs/benchmarks.md, issue 4).
 */
import type { Schema } from '../../../api/schema/types.js';
import { resolve } from '../../../api/schema/registry.js';
import { childSchema, isObj, itemKey, listKeys, UNTRACKED_META, type FieldSet } from './fieldset.js';

const SEP = '\u0000';
/** No value at this path in the old object. */
const NONE: unique symbol = Symbol('none');
type Old = unknown | typeof NONE;

export interface Comparison {
  /** Every path the new object sets (fieldSetOf(newObj)). */
  set: FieldSet;
  /** The paths of `set` that the old object lacks or holds a different value at. */
  changed: FieldSet;
}

const field = (o: Old, k: string): Old => (isObj(o) && o[k] !== undefined ? o[k] : NONE);

function expandable(v: unknown, r: Schema | undefined): boolean {
  return isObj(v) && !!r && r['x-kubernetes-map-type'] !== 'atomic' && !!(r.properties || r.additionalProperties || r['x-kubernetes-preserve-unknown-fields'] || r.type === 'object');
}

/** Whether the field-set walk records `v` as one path (a leaf) rather than as paths below it. */
function isLeaf(v: unknown, r: Schema | undefined): boolean {
  if (Array.isArray(v)) {
    const lk = listKeys(r);
    return (lk.type === 'map' && lk.keys.length) || lk.type === 'set' ? v.length === 0 : true;
  }
  if (expandable(v, r)) return !Object.values(v as object).some((x) => x !== undefined);
  return true;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

const definedKeys = (o: Record<string, unknown>) => { let n = 0; for (const k in o) if (o[k] !== undefined) n++; return n; };

/** Walk `v` beside `o`; returns whether the two are equal (so a list item knows whether its `.` changed). */
function walk(v: unknown, o: Old, s: Schema | undefined, path: string, out: Comparison): boolean {
  const r = resolve(s);
  if (isLeaf(v, r)) {
    out.set.add(path);
    const same = o !== NONE && isLeaf(o, r) && sameValue(v, o);
    if (!same) out.changed.add(path);
    return same;
  }
  const arr = v as unknown[];
  if (Array.isArray(v)) {
    const lk = listKeys(r);
    const olds = Array.isArray(o) ? o : [];
    if (lk.type === 'set') {
      const had = new Set(olds.map((x) => JSON.stringify(x)));
      for (const item of arr) {
        const json = JSON.stringify(item);
        out.set.add(`${path}${SEP}v:${json}`);
        if (!had.has(json)) out.changed.add(`${path}${SEP}v:${json}`);
      }
      return Array.isArray(o) && o.length === arr.length && arr.every((x, i) => sameValue(x, o[i]));
    }
    // A map list: items by key, each with its `.` path and its fields.
    const byKey = new Map<string, unknown>();
    for (const x of olds) { const k = itemKey(x, lk.keys); if (!byKey.has(k)) byKey.set(k, x); }
    let equal = Array.isArray(o) && o.length === arr.length;
    arr.forEach((item, i) => {
      const k = itemKey(item, lk.keys);
      const ip = `${path}${SEP}${k}`;
      const oi: Old = byKey.has(k) ? byKey.get(k) : NONE;
      let same = oi !== NONE;
      if (isObj(item)) {
        for (const f in item) if (item[f] !== undefined && !walk(item[f], field(oi, f), childSchema(r?.items, f), `${ip}${SEP}f:${f}`, out)) same = false;
        if (same && !(isObj(oi) && definedKeys(oi) === definedKeys(item))) same = false;
      } else if (same && !sameValue(item, oi)) same = false;
      out.set.add(`${ip}${SEP}.`);
      if (!same) out.changed.add(`${ip}${SEP}.`);
      if (!same || olds[i] !== oi) equal = false;
    });
    return equal;
  }
  // An object walked field by field.
  const obj = v as Record<string, unknown>;
  let equal = isObj(o);
  for (const k in obj) if (obj[k] !== undefined && !walk(obj[k], field(o, k), childSchema(r, k), `${path}${SEP}f:${k}`, out)) equal = false;
  return equal && definedKeys(o as Record<string, unknown>) === definedKeys(obj);
}

/**
 * Compare `newObj` with `oldObj` (null: a create) as the field manager sees them: the paths
 * fieldSetOf(newObj) gives, and which of them are added or modified. `skipRoots` as fieldSetOf.
 */
export function compareFieldSets(oldObj: any | null, newObj: any, schema: Schema, opts: { skipRoots?: string[] } = {}): Comparison {
  const out: Comparison = { set: new Set(), changed: new Set() };
  if (!isObj(newObj)) return out;
  const old: Old = oldObj ?? NONE;
  for (const k in newObj) {
    const v = newObj[k];
    if (k === 'apiVersion' || k === 'kind' || opts.skipRoots?.includes(k) || v === undefined) continue;
    const s = childSchema(schema, k);
    if (k === 'metadata' && isObj(v)) {
      const om = field(old, 'metadata');
      for (const mk in v) {
        if (UNTRACKED_META.has(mk) || v[mk] === undefined) continue;
        walk(v[mk], field(om, mk), childSchema(s, mk), `f:metadata${SEP}f:${mk}`, out);
      }
      continue;
    }
    walk(v, field(old, k), s, `f:${k}`, out);
  }
  return out;
}
