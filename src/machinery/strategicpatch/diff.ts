/**
 * @module machinery/strategicpatch/diff
 * Computing strategic merge patches (Kubernetes' diffMaps / diffLists): what kubectl sends, and
 * what the two-way and three-way helpers here produce.
 */
import type { Schema } from '../../api/schema/types.js';
import {
  type JMap, isMap, own, setKey, goType, goFmt, lookupPatchMeta, splitStrategies, sliceElementKind, sortScalars, dedupeScalars,
  errNoMergeKey, errBadArgType, DIRECTIVE, DELETE_PREFIX, ORDER_PREFIX, RETAIN_KEYS, MAP_T,
} from './meta.js';
import { normalizeSliceOrder } from './order.js';
import { jsonEqual } from '../jsonpatch.js';

export interface DiffOptions {
  setElementOrder: boolean;
  ignoreChangesAndAdditions: boolean;
  ignoreDeletions: boolean;
  buildRetainKeysDirective: boolean;
}

const MAX_DEPTH = 200;

export function diffMaps(original: JMap, modified: JMap, schema: Schema | undefined, o: DiffOptions, depth = 0): JMap {
  if (depth > MAX_DEPTH) throw new Error('document is nested too deeply');
  const patch: JMap = {};
  const retainKeys: string[] = [];
  for (const key of Object.keys(modified)) {
    const mv = modified[key];
    if (o.buildRetainKeysDirective && mv !== null) retainKeys.push(key);
    if (!own(original, key)) {
      if (!o.ignoreChangesAndAdditions) setKey(patch, key, mv);
      continue;
    }
    const ov = original[key];
    if (key === DIRECTIVE) {
      if (typeof ov !== 'string' || typeof mv !== 'string') throw new Error(`invalid value for special key: ${DIRECTIVE}`);
      if (ov !== mv) patch[DIRECTIVE] = mv;
      continue;
    }
    if (goType(ov) !== goType(mv)) {
      if (!o.ignoreChangesAndAdditions) setKey(patch, key, mv);
      continue;
    }
    if (isMap(ov)) diffMapField(key, ov, mv, patch, schema, o, depth);
    else if (Array.isArray(ov)) diffSliceField(key, ov, mv, patch, schema, o, depth);
    else if (!o.ignoreChangesAndAdditions && !jsonEqual(ov, mv)) setKey(patch, key, mv);
  }
  if (!o.ignoreDeletions) for (const key of Object.keys(original)) if (!own(modified, key)) setKey(patch, key, null);
  const extraInOriginal = Object.keys(original).some((k) => original[k] !== null && !own(modified, k));
  if (retainKeys.length && (Object.keys(patch).length || extraInOriginal)) patch[RETAIN_KEYS] = sortScalars(retainKeys);
  return patch;
}

function diffMapField(key: string, ov: JMap, mv: JMap, patch: JMap, schema: Schema | undefined, o: DiffOptions, depth: number): void {
  const meta = lookupPatchMeta(schema, key);
  const [retain, strategy] = splitStrategies(meta.strategies);
  if (strategy === 'replace') {
    if (!o.ignoreChangesAndAdditions) setKey(patch, key, mv);
    return;
  }
  const sub = diffMaps(ov, mv, meta.schema, { ...o, buildRetainKeysDirective: retain }, depth + 1);
  if (Object.keys(sub).length) setKey(patch, key, sub);
}

function diffSliceField(key: string, ov: unknown[], mv: unknown[], patch: JMap, schema: Schema | undefined, o: DiffOptions, depth: number): void {
  const meta = lookupPatchMeta(schema, key);
  const [retain, strategy] = splitStrategies(meta.strategies);
  if (strategy !== 'merge') {
    if (!o.ignoreChangesAndAdditions && !jsonEqual(ov, mv)) setKey(patch, key, mv);
    return;
  }
  const [add, del, order] = diffLists(ov, mv, meta.items, meta.mergeKey, { ...o, buildRetainKeysDirective: retain }, depth);
  if (add.length) setKey(patch, key, add);
  if (del.length) patch[`${DELETE_PREFIX}/${key}`] = del;
  if (order.length) patch[`${ORDER_PREFIX}/${key}`] = order;
}

/** diffLists: [patch list, parallel deletion list (scalars), $setElementOrder list]. */
function diffLists(original: unknown[], modified: unknown[], elem: Schema | undefined, mergeKey: string, o: DiffOptions, depth: number): [unknown[], unknown[], unknown[]] {
  if (!original.length) {
    if (!modified.length || o.ignoreChangesAndAdditions) return [[], [], []];
    return [modified, [], []];
  }
  const kind = sliceElementKind(original, modified);
  if (kind === 'map') {
    const [changes, deletions] = diffListsOfMaps(original, modified, elem, mergeKey, o, depth);
    const patchList = [...normalizeSliceOrder(changes, modified, mergeKey, kind), ...deletions];
    const orderSame = original.length === modified.length && modified.every((m, i) => keyValue(original[i], mergeKey) === keyValue(m, mergeKey));
    let order: unknown[] = [];
    if (o.setElementOrder && ((!o.ignoreChangesAndAdditions && (patchList.length || !orderSame)) || (!o.ignoreDeletions && patchList.length))) {
      order = modified.map((m) => ({ [mergeKey]: (m as JMap)[mergeKey] }));
    }
    return [patchList, [], order];
  }
  const [add, del] = diffListsOfScalars(original, modified, o);
  const patchList = normalizeSliceOrder(add, modified, mergeKey, kind);
  const order = o.setElementOrder && ((!o.ignoreDeletions && del.length) || (!o.ignoreChangesAndAdditions && !jsonEqual(original, modified))) ? modified : [];
  return [patchList, del, order];
}

function keyValue(item: unknown, mergeKey: string): unknown {
  if (!isMap(item)) throw errBadArgType(MAP_T, item);
  if (!own(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
  return item[mergeKey];
}

/** Both lists sorted by `%v` text, walked together. */
function diffListsOfScalars(original: unknown[], modified: unknown[], o: DiffOptions): [unknown[], unknown[]] {
  const a = sortScalars(original), b = sortScalars(modified);
  const add: unknown[] = [], del: unknown[] = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    const as = i < a.length ? goFmt(a[i]) : undefined, bs = j < b.length ? goFmt(b[j]) : undefined;
    if (as !== undefined && bs !== undefined && as === bs) { i++; j++; }
    else if (as === undefined || (bs !== undefined && as > bs)) { if (!o.ignoreChangesAndAdditions) add.push(b[j]); j++; }
    else { if (!o.ignoreDeletions) del.push(a[i]); i++; }
  }
  return [add, dedupeScalars(del)];
}

function sortByMergeKey(list: unknown[], mergeKey: string): JMap[] {
  if (list.length && sliceElementKind(list) !== 'map') {
    throw errBadArgType(MAP_T, dedupeScalars(list).sort()[0]);
  }
  const keyed = (list as JMap[]).map((m) => [goFmt(m[mergeKey]), m] as const);
  return keyed.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map((x) => x[1]);
}

function diffListsOfMaps(original: unknown[], modified: unknown[], elem: Schema | undefined, mergeKey: string, o: DiffOptions, depth: number): [JMap[], JMap[]] {
  const a = sortByMergeKey(original, mergeKey), b = sortByMergeKey(modified, mergeKey);
  const patch: JMap[] = [], deletions: JMap[] = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    const av = i < a.length ? keyValue(a[i], mergeKey) : undefined, bv = j < b.length ? keyValue(b[j], mergeKey) : undefined;
    const as = i < a.length ? goFmt(av) : undefined, bs = j < b.length ? goFmt(bv) : undefined;
    if (as !== undefined && bs !== undefined && as === bs) {
      const sub = diffMaps(a[i], b[j], elem, o, depth + 1);
      if (Object.keys(sub).length) { sub[mergeKey] = bv; patch.push(sub); }
      i++; j++;
    } else if (as === undefined || (bs !== undefined && as > bs)) {
      if (!o.ignoreChangesAndAdditions) patch.push(b[j]);
      j++;
    } else {
      if (!o.ignoreDeletions) deletions.push({ [DIRECTIVE]: 'delete', [mergeKey]: av });
      i++;
    }
  }
  return [patch, deletions];
}
