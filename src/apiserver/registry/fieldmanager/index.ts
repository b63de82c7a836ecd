/**
 * @module apiserver/registry/fieldmanager
 * Server-side apply and managedFields bookkeeping (Kubernetes' fieldmanager, simplified): who owns
 * which field, applied configurations merged by the schema's list types, fields a manager stops
 * applying removed when nobody else owns them, and conflicts with other managers reported.
 */
import type { Schema } from '../../../api/schema/types.js';
import { resolve } from '../../../api/schema/registry.js';
import { fieldSetOf, fieldsV1Of, toFieldsV1, fromFieldsV1, listKeys, itemKey, pathParts, describePath, type FieldSet } from './fieldset.js';
import { getAt, removeAt, MISSING } from './paths.js';
import { compareFieldSets } from './compare.js';
import { deepCopy } from '../../../machinery/deep-copy.js';

interface Entry { manager: string; operation: 'Apply' | 'Update'; apiVersion: string; time: string; fieldsType: 'FieldsV1'; fieldsV1: any; subresource?: string }
/** One manager's entry and its field set; `dirty` once the set changed (an untouched entry keeps its fieldsV1 as stored). */
interface Owned { entry: Entry; set: FieldSet; dirty?: boolean }

export interface Conflict { manager: string; field: string; apiVersion?: string }

function readEntries(obj: any): Owned[] {
  const mf: Entry[] = Array.isArray(obj?.metadata?.managedFields) ? obj.metadata.managedFields : [];
  return mf.filter((e) => e && e.manager !== undefined).map((e) => ({ entry: { ...e }, set: fromFieldsV1(e.fieldsV1 ?? {}) }));
}

function writeEntries(obj: any, owned: Owned[]): void {
  const out = owned.filter((o) => o.set.size > 0).map((o) => ({ ...o.entry, fieldsType: 'FieldsV1' as const, fieldsV1: o.dirty === false ? o.entry.fieldsV1 : toFieldsV1(o.set) }));
  if (out.length) obj.metadata.managedFields = out; else delete obj.metadata.managedFields;
}

const sameEntry = (e: Entry, manager: string, op: string, sub?: string) => e.manager === manager && e.operation === op && (e.subresource ?? '') === (sub ?? '');

function skipRootsFor(sub?: string): string[] { return sub === 'status' ? [] : ['status']; }

/** Record an Update by `manager`: the fields it changed become its own and leave other managers. */
export function updateManagedFields(oldObj: any | null, newObj: any, manager: string, schema: Schema,
                                    opts: { operation: 'Update'; apiVersion: string; subresource?: string; now: string }): any {
  const roots = skipRootsFor(opts.subresource);
  if (!oldObj && !newObj.metadata?.managedFields) {
    // Create: the creator owns everything it set; build the tree directly (the hot path of a create).
    const fieldsV1 = fieldsV1Of(newObj, schema, { skipRoots: roots });
    if (Object.keys(fieldsV1).length) {
      newObj.metadata.managedFields = [{ manager, operation: 'Update', apiVersion: opts.apiVersion, time: opts.now, fieldsType: 'FieldsV1', fieldsV1,
        ...(opts.subresource ? { subresource: opts.subresource } : {}) }];
    }
    return newObj;
  }
  const fast = sameManagerFastPath(oldObj, newObj, manager, schema, roots, opts);
  if (fast) return fast;
  const { set: newSet, changed } = compareFieldSets(oldObj, newObj, schema, { skipRoots: roots });
  const owned = readEntries(oldObj ?? newObj);
  for (const o of owned) o.dirty = false;
  const drop = (o: Owned, p: string) => { if (o.set.delete(p)) o.dirty = true; };
  for (const o of owned) for (const p of [...o.set]) if (!newSet.has(p) && !(roots.includes('status') && p.startsWith('f:status'))) drop(o, p);
  if (changed.size) {
    for (const o of owned) if (!sameEntry(o.entry, manager, 'Update', opts.subresource)) for (const p of changed) drop(o, p);
    let mine = owned.find((o) => sameEntry(o.entry, manager, 'Update', opts.subresource));
    if (!mine) { mine = { entry: { manager, operation: 'Update', apiVersion: opts.apiVersion, time: opts.now, fieldsType: 'FieldsV1', fieldsV1: {}, ...(opts.subresource ? { subresource: opts.subresource } : {}) }, set: new Set() }; owned.push(mine); }
    for (const p of changed) mine.set.add(p);
    mine.dirty = true;
    mine.entry.time = opts.now;
    mine.entry.apiVersion = opts.apiVersion;
  }
  writeEntries(newObj, owned);
  return newObj;
}

/**
 * The common case of a controller or kubelet updating an object only it has ever written (a
 * Lease renewal, a status write by the one writer): when the old object has a single entry, this
 * manager's Update, and the new object has exactly the fields that entry records, ownership
 * cannot move, so the entry stays as it is (its time moves on when a value changed). One walk of
 * the object instead of two plus a comparison per field; anything else takes the general path.
 */
function sameManagerFastPath(oldObj: any | null, newObj: any, manager: string, schema: Schema, roots: string[],
                             opts: { apiVersion: string; subresource?: string; now: string }): any | null {
  const mf = oldObj?.metadata?.managedFields;
  if (!Array.isArray(mf) || mf.length !== 1 || !sameEntry(mf[0], manager, 'Update', opts.subresource) || mf[0].apiVersion !== opts.apiVersion) return null;
  const fieldsV1 = fieldsV1Of(newObj, schema, { skipRoots: roots });
  if (JSON.stringify(fieldsV1) !== JSON.stringify(mf[0].fieldsV1)) return null;
  const changed = !sameContent(oldObj, newObj, roots);
  newObj.metadata.managedFields = [{ ...mf[0], ...(changed ? { time: opts.now } : {}) }];
  return newObj;
}

/** Equal apart from the bookkeeping metadata and the roots this manager does not own. */
function sameContent(a: any, b: any, skipRoots: string[]): boolean {
  const strip = (o: any) => {
    const { metadata, ...rest } = o;
    const { managedFields, resourceVersion, generation, ...meta } = metadata ?? {};
    for (const r of skipRoots) delete (rest as any)[r];
    return { ...rest, metadata: meta };
  };
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

/** Merge `applied` into `live` following the schema: maps field by field, map lists by key, sets by value. */
function merge(live: any, applied: any, s: Schema | undefined): any {
  const r = resolve(s);
  if (Array.isArray(applied) && Array.isArray(live)) {
    const lk = listKeys(r);
    if (lk.type === 'map' && lk.keys.length) {
      const out = live.map((x) => x);
      for (const item of applied) {
        const k = itemKey(item, lk.keys);
        const i = out.findIndex((x) => itemKey(x, lk.keys) === k);
        if (i >= 0) out[i] = merge(out[i], item, r?.items); else out.push(item);
      }
      return out;
    }
    if (lk.type === 'set') {
      const out = [...live];
      for (const v of applied) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
      return out;
    }
    return applied;
  }
  if (applied && typeof applied === 'object' && !Array.isArray(applied) && live && typeof live === 'object' && !Array.isArray(live)
      && r?.['x-kubernetes-map-type'] !== 'atomic') {
    const out: any = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      const cs = r?.properties?.[k] ?? (typeof r?.additionalProperties === 'object' ? r.additionalProperties : undefined);
      out[k] = k in live ? merge(live[k], v, cs) : v;
    }
    return out;
  }
  return applied;
}

/** Server-side apply. Returns the merged object with managedFields, or the conflicts. */
export function apply(live: any | null, applied: any, manager: string, schema: Schema,
                      opts: { force: boolean; apiVersion: string; now: string; subresource?: string }): { object: any; conflicts?: Conflict[] } {
  const roots = skipRootsFor(opts.subresource);
  const cfg = deepCopy(applied);
  const appliedSet = fieldSetOf(cfg, schema, { skipRoots: roots });
  const owned = live ? readEntries(live) : [];
  const mineIdx = owned.findIndex((o) => sameEntry(o.entry, manager, 'Apply', opts.subresource));
  const prev: FieldSet = mineIdx >= 0 ? owned[mineIdx].set : new Set();
  const conflicts: Conflict[] = [];
  if (live) {
    for (const o of owned) {
      if (o === owned[mineIdx]) continue;
      for (const p of o.set) {
        if (!appliedSet.has(p)) continue;
        const parts = pathParts(p);
        const a = getAt(cfg, parts), b = getAt(live, parts);
        if (b !== MISSING && JSON.stringify(a) !== JSON.stringify(b)) conflicts.push({ manager: o.entry.manager, field: p, apiVersion: o.entry.apiVersion });
      }
    }
    if (conflicts.length && !opts.force) {
      return { object: live, conflicts: conflicts.map((c) => ({ ...c, field: describePath(c.field) })) };
    }
  }
  const base = live ? deepCopy(live) : {};
  if (base.metadata) delete base.metadata.managedFields;
  const { metadata: cfgMeta, ...cfgRest } = cfg;
  let merged = merge(base, cfgRest, schema);
  if (cfgMeta) merged.metadata = merge(base.metadata ?? {}, cfgMeta, resolve(schema)?.properties?.metadata);
  merged.metadata ??= {};
  // Fields this manager applied before and no longer applies go, unless another manager owns them.
  for (const p of prev) {
    if (appliedSet.has(p)) continue;
    if (owned.some((o, i) => i !== mineIdx && o.set.has(p))) continue;
    const parts = pathParts(p);
    removeAt(merged, parts);
    // A map emptied by the removal goes too, as structured-merge-diff leaves no empty parents behind.
    for (let n = parts.length - 1; n > 0; n--) {
      const parent = getAt(merged, parts.slice(0, n));
      if (parent && typeof parent === 'object' && !Array.isArray(parent) && Object.keys(parent).length === 0 && parts[n - 1].startsWith('f:')) removeAt(merged, parts.slice(0, n));
      else break;
    }
  }
  // Ownership: the applier owns what it applied; on force, conflicting fields leave their owners.
  const conflicted = new Set(conflicts.map((c) => c.field));
  for (const o of owned) for (const p of [...o.set]) if (conflicted.has(p)) o.set.delete(p);
  const mine: Owned = mineIdx >= 0 ? owned[mineIdx] : { entry: { manager, operation: 'Apply', apiVersion: opts.apiVersion, time: opts.now, fieldsType: 'FieldsV1', fieldsV1: {}, ...(opts.subresource ? { subresource: opts.subresource } : {}) }, set: new Set() };
  mine.set = appliedSet;
  mine.entry.time = opts.now;
  mine.entry.apiVersion = opts.apiVersion;
  if (mineIdx < 0) owned.push(mine);
  writeEntries(merged, owned);
  return { object: merged };
}
