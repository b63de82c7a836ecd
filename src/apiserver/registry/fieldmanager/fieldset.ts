/**
 * @module apiserver/registry/fieldmanager/fieldset
 * Field sets as managedFields record them: paths of `f:<field>`, `k:<json key>` (items of map
 * lists), `v:<json value>` (items of set lists) and `.` (the item itself), read from an object
 * along its schema's list types; serialised in the fieldsV1 shape.
 */
import type { Schema } from '../../../api/schema/types.js';
import { resolve } from '../../../api/schema/registry.js';

export type FieldSet = Set<string>;
const SEP = '\u0000';

/** Metadata fields the server owns; never tracked (as Kubernetes strips them). */
export const UNTRACKED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

export function isObj(v: unknown): v is Record<string, unknown> { return v !== null && typeof v === 'object' && !Array.isArray(v); }

export function childSchema(s: Schema | undefined, key: string): Schema | undefined {
  const r = resolve(s);
  if (!r) return undefined;
  if (r.properties?.[key]) return r.properties[key];
  if (r.additionalProperties && typeof r.additionalProperties === 'object') return r.additionalProperties;
  return undefined;
}

/** Canonical `k:` token of a map-list item: its key fields in key order, as JSON. */
export function itemKey(item: any, keys: string[]): string {
  const o: Record<string, unknown> = {};
  for (const k of [...keys].sort()) if (item?.[k] !== undefined) o[k] = item[k];
  return 'k:' + JSON.stringify(o);
}

export function listKeys(s: Schema | undefined): { type: 'map' | 'set' | 'atomic'; keys: string[] } {
  const r = resolve(s);
  const t = r?.['x-kubernetes-list-type'];
  if (t === 'map') return { type: 'map', keys: r!['x-kubernetes-list-map-keys'] ?? (r!['x-kubernetes-patch-merge-key'] ? [r!['x-kubernetes-patch-merge-key']] : []) };
  if (t === 'set') return { type: 'set', keys: [] };
  if (!t && r?.['x-kubernetes-patch-merge-key']) return { type: 'map', keys: [r['x-kubernetes-patch-merge-key']] };
  return { type: 'atomic', keys: [] };
}

/** The leaf and item paths an object sets. `top` skips apiVersion/kind/status-like roots as asked. */
export function fieldSetOf(obj: any, schema: Schema, opts: { skipRoots?: string[] } = {}): FieldSet {
  const out: FieldSet = new Set();
  if (!isObj(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || opts.skipRoots?.includes(k) || v === undefined) continue;
    const s = childSchema(schema, k);
    if (k === 'metadata' && isObj(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (UNTRACKED_META.has(mk) || mv === undefined) continue;
        walk(mv, childSchema(s, mk), `f:metadata${SEP}f:${mk}`, out);
      }
      continue;
    }
    walk(v, s, `f:${k}`, out);
  }
  return out;
}

function walk(v: unknown, s: Schema | undefined, path: string, out: FieldSet): void {
  const r = resolve(s);
  if (Array.isArray(v)) {
    const lk = listKeys(r);
    if (lk.type === 'map' && lk.keys.length) {
      if (!v.length) { out.add(path); return; }
      for (const item of v) {
        const ip = `${path}${SEP}${itemKey(item, lk.keys)}`;
        out.add(`${ip}${SEP}.`);
        if (isObj(item)) for (const [k, x] of Object.entries(item)) if (x !== undefined) walk(x, childSchema(r?.items, k), `${ip}${SEP}f:${k}`, out);
      }
      return;
    }
    if (lk.type === 'set') { if (!v.length) out.add(path); for (const item of v) out.add(`${path}${SEP}v:${JSON.stringify(item)}`); return; }
    out.add(path);
    return;
  }
  if (isObj(v) && r && r['x-kubernetes-map-type'] !== 'atomic' && (r.properties || r.additionalProperties || r['x-kubernetes-preserve-unknown-fields'] || r.type === 'object')) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (!entries.length) { out.add(path); return; }
    for (const [k, x] of entries) walk(x, childSchema(r, k), `${path}${SEP}f:${k}`, out);
    return;
  }
  out.add(path);
}

/**
 * The fieldsV1 tree of everything an object sets, built directly (the same tree as
 * toFieldsV1(fieldSetOf(obj)), without the intermediate path set): the create path uses it.
 */
export function fieldsV1Of(obj: any, schema: Schema, opts: { skipRoots?: string[] } = {}): any {
  const root: any = {};
  if (!isObj(obj)) return root;
  for (const k of Object.keys(obj).sort()) {
    const v = obj[k];
    if (k === 'apiVersion' || k === 'kind' || opts.skipRoots?.includes(k) || v === undefined) continue;
    const s = childSchema(schema, k);
    if (k === 'metadata' && isObj(v)) {
      const meta: any = {};
      for (const mk of Object.keys(v).sort()) {
        if (UNTRACKED_META.has(mk) || v[mk] === undefined) continue;
        meta[`f:${mk}`] = tree(v[mk], childSchema(s, mk));
      }
      if (Object.keys(meta).length) root['f:metadata'] = meta;
      continue;
    }
    root[`f:${k}`] = tree(v, s);
  }
  return root;
}

function tree(v: unknown, s: Schema | undefined): any {
  const r = resolve(s);
  if (Array.isArray(v)) {
    const lk = listKeys(r);
    if (lk.type === 'map' && lk.keys.length && v.length) {
      const items: [string, any][] = v.map((item) => {
        const t: any = { '.': {} };
        if (isObj(item)) for (const k of Object.keys(item)) if (item[k] !== undefined) t[`f:${k}`] = tree(item[k], childSchema(r?.items, k));
        return [itemKey(item, lk.keys), sortKeys(t)];
      });
      return Object.fromEntries(items.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
    }
    if (lk.type === 'set' && v.length) return Object.fromEntries(v.map((item) => `v:${JSON.stringify(item)}`).sort().map((k) => [k, {}]));
    return {};
  }
  if (isObj(v) && r && r['x-kubernetes-map-type'] !== 'atomic' && (r.properties || r.additionalProperties || r['x-kubernetes-preserve-unknown-fields'] || r.type === 'object')) {
    const out: any = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[`f:${k}`] = tree(v[k], childSchema(r, k));
    return out;
  }
  return {};
}

function sortKeys(o: any): any {
  const out: any = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/** fieldsV1 JSON from a set. */
export function toFieldsV1(set: FieldSet): any {
  const root: any = {};
  for (const p of [...set].sort()) {
    let cur = root;
    const parts = p.split(SEP);
    for (const part of parts) cur = (cur[part] ??= {});
  }
  // Items carry "." (the element itself) alongside their fields, as Kubernetes writes them.
  return root;
}

/** A set from fieldsV1 JSON. */
export function fromFieldsV1(f: any, prefix = '', out: FieldSet = new Set()): FieldSet {
  if (!isObj(f)) return out;
  for (const [k, v] of Object.entries(f)) {
    const p = prefix ? `${prefix}${SEP}${k}` : k;
    if (k === '.') { out.add(p); continue; }
    if (isObj(v) && Object.keys(v).length) fromFieldsV1(v, p, out);
    else out.add(p);
  }
  return out;
}

export function pathParts(p: string): string[] { return p.split(SEP); }
export function joinPath(parts: string[]): string { return parts.join(SEP); }
/** Render a path the way conflict messages show it: `.spec.replicas`, `.spec.containers[name="x"].image`. */
export function describePath(p: string): string {
  let s = '';
  for (const part of p.split(SEP)) {
    if (part.startsWith('f:')) s += '.' + part.slice(2);
    else if (part.startsWith('k:')) { const o = JSON.parse(part.slice(2)); s += '[' + Object.entries(o).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',') + ']'; }
    else if (part.startsWith('v:')) s += '[' + part.slice(2) + ']';
  }
  return s;
}
