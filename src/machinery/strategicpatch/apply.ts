/**
 * @module machinery/strategicpatch/apply
 * Applying a strategic merge patch (Kubernetes' mergeMap / mergeSlice): maps merge, `null`
 * deletes, lists merge by merge key or as sets when the schema says `merge`, and the directives
 * `$patch`, `$retainKeys`, `$deleteFromPrimitiveList/`, `$setElementOrder/` are honoured.
 * Works in place on values the caller has already copied.
 */
import type { Schema } from '../../api/schema/types.js';
import {
  type JMap, isMap, own, setKey, goType, lookupPatchMeta, splitStrategies, sliceElementKind, dedupeScalars, same,
  errNoMergeKey, errBadArgType, errBadPatchType, DIRECTIVE, DELETE_PREFIX, ORDER_PREFIX, RETAIN_KEYS,
  ERR_BAD_PRIMITIVE_LIST, ERR_BAD_RETAIN_KEYS, ERR_BAD_SET_ORDER, MAP_T, SLICE_T,
} from './meta.js';
import { normalizeElementOrder, partition, findByKey } from './order.js';
import { jsonEqual } from '../jsonpatch.js';

export interface MergeOptions {
  /** Server side: use the parallel deletion / order lists. False when merging two patches (three-way). */
  mergeParallelList: boolean;
  /** Drop nulls that delete nothing (server side); keep them when merging two patches. */
  ignoreUnmatchedNulls: boolean;
}

/** Depth guard so hostile patches cannot exhaust the stack. */
const MAX_DEPTH = 200;

function extractKey(s: string, prefix: string): string {
  const i = s.indexOf('/');
  if (i < 0 || s.slice(0, i) !== prefix) {
    if (prefix === DELETE_PREFIX) throw new Error(ERR_BAD_PRIMITIVE_LIST);
    throw new Error(ERR_BAD_SET_ORDER);
  }
  return s.slice(i + 1);
}

export function mergeMap(original: JMap | null | undefined, patch: JMap, schema: Schema | undefined, opts: MergeOptions, depth = 0): JMap {
  if (depth > MAX_DEPTH) throw new Error('strategic merge patch is nested too deeply');
  if (own(patch, DIRECTIVE)) {
    const d = patch[DIRECTIVE];
    if (d === 'replace') { delete patch[DIRECTIVE]; return patch; }
    if (d === 'delete') return {};
    throw errBadPatchType(d, patch);
  }
  const orig: JMap = original ?? {};
  applyRetainKeys(orig, patch, opts);
  mergeOrderedLists(orig, patch, schema, opts, depth);

  for (const key of Object.keys(patch)) {
    const patchV = patch[key];
    let k = key;
    let isDeleteList = false;
    if (k.startsWith(DELETE_PREFIX)) {
      if (!opts.mergeParallelList) { setKey(orig, k, patchV); continue; }
      k = extractKey(k, DELETE_PREFIX);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete orig[k];
      if (opts.ignoreUnmatchedNulls) continue;
    }
    if (!own(orig, k)) {
      // Kubernetes would store the deletion list itself here; deleting from nothing is a no-op.
      if (!isDeleteList) setKey(orig, k, patchV);
      continue;
    }
    const ov = orig[k];
    if (goType(ov) !== goType(patchV)) { setKey(orig, k, patchV); continue; }
    const meta = lookupPatchMeta(schema, k);
    const [, strategy] = splitStrategies(meta.strategies);
    if (isMap(ov)) {
      setKey(orig, k, strategy !== 'replace' ? mergeMap(ov, patchV, meta.schema, opts, depth + 1) : patchV);
    } else if (Array.isArray(ov)) {
      setKey(orig, k, strategy === 'merge' ? mergeSlice(ov, patchV, meta.items, meta.mergeKey, opts, isDeleteList, depth + 1) : patchV);
    } else {
      setKey(orig, k, patchV);
    }
  }
  return orig;
}

/** applyRetainKeysDirective: clear the original's keys missing from `$retainKeys`. */
function applyRetainKeys(original: JMap, patch: JMap, opts: MergeOptions): void {
  if (!own(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!opts.mergeParallelList) {
    if (own(original, RETAIN_KEYS)) {
      if (!jsonEqual(original[RETAIN_KEYS], retain)) throw new Error('retainKeys directives are not deep equal: this may happen when calculating the 3-way diff patch');
    } else setKey(original, RETAIN_KEYS, retain);
    return;
  }
  if (!Array.isArray(retain)) throw new Error(ERR_BAD_RETAIN_KEYS);
  const keep = new Set<unknown>(retain);
  for (const k of Object.keys(patch)) {
    if (patch[k] === null || k.startsWith(DELETE_PREFIX) || k.startsWith(ORDER_PREFIX)) continue;
    if (!keep.has(k)) throw new Error(ERR_BAD_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/** validatePatchWithSetOrderList: patch items appear in the `$setElementOrder` list, in its order. */
function validateOrder(patchList: unknown, order: unknown, mergeKey: string): void {
  if (!Array.isArray(order) || !Array.isArray(patchList)) throw new Error(ERR_BAD_SET_ORDER);
  if (!order.length || !patchList.length) return;
  const items = mergeKey ? patchList.filter((v) => { if (!isMap(v)) throw errBadArgType(MAP_T, v); return v[DIRECTIVE] !== 'delete'; }) : patchList;
  let p = 0, o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p];
    if (isMap(item) && own(item, DIRECTIVE)) { p++; continue; }
    if (keyEqual(item, order[o], mergeKey)) p++;
    o++;
  }
  if (p < items.length) throw new Error(`The order in patch list:\n${fmtList(patchList)}\n doesn't match ${ORDER_PREFIX} list:\n${fmtList(order)}\n`);
}
const fmtList = (l: unknown[]): string => JSON.stringify(l);

function keyEqual(a: unknown, b: unknown, mergeKey: string): boolean {
  if (!mergeKey) return same(a, b);
  if (!isMap(a)) throw errBadArgType(MAP_T, a);
  if (!isMap(b)) throw errBadArgType(MAP_T, b);
  if (!own(a, mergeKey)) throw errNoMergeKey(a, mergeKey);
  if (!own(b, mergeKey)) throw errNoMergeKey(b, mergeKey);
  return same(a[mergeKey], b[mergeKey]);
}

/** mergePatchIntoOriginal: lists that come with a `$setElementOrder/<field>` are merged and ordered here. */
function mergeOrderedLists(original: JMap, patch: JMap, schema: Schema | undefined, opts: MergeOptions, depth: number): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(ORDER_PREFIX)) continue;
    const order = patch[key];
    if (!opts.mergeParallelList) {
      if (own(original, key)) { if (!jsonEqual(original[key], order)) throw new Error(ERR_BAD_SET_ORDER); } else setKey(original, key, order);
    }
    delete patch[key];
    if (!Array.isArray(order)) throw errBadArgType(SLICE_T, order);
    const field = extractKey(key, ORDER_PREFIX);
    const foundOriginal = own(original, field), foundPatch = own(patch, field);
    const origList = original[field], patchList = patch[field];
    if (foundOriginal && !Array.isArray(origList)) throw errBadArgType(SLICE_T, origList);
    if (foundPatch && !Array.isArray(patchList)) throw errBadArgType(SLICE_T, patchList);
    const meta = lookupPatchMeta(schema, field);
    const [, strategy] = splitStrategies(meta.strategies);
    validateOrder(foundPatch ? patchList : [], order, meta.mergeKey);
    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = origList;
    else if (!foundOriginal && foundPatch) merged = patchList;
    else if (foundOriginal && foundPatch) {
      merged = strategy === 'merge' ? mergeSlice(origList, patchList, meta.items, meta.mergeKey, opts, false, depth + 1) : patchList;
    } else continue;
    const [inOrder, serverOnly] = partition(merged, order, meta.mergeKey);
    const kind = sliceElementKind(foundOriginal ? origList : [], foundPatch ? patchList : []);
    setKey(original, field, normalizeElementOrder(inOrder, serverOnly, order, foundOriginal ? origList : [], meta.mergeKey, kind));
    delete patch[field];
  }
}

export function mergeSlice(original: unknown[], patch: unknown[], elem: Schema | undefined, mergeKey: string, opts: MergeOptions, isDeleteList: boolean, depth: number): unknown[] {
  if (!original.length && !patch.length) return original;
  const kind = sliceElementKind(original, patch);
  let merged: unknown[];
  if (kind !== 'map') {
    if (opts.mergeParallelList && isDeleteList) return original.filter((v) => !patch.some((d) => same(d, v)));
    merged = dedupeScalars([...original, ...patch]);
  } else {
    if (!mergeKey) throw new Error('cannot merge lists without merge key for type struct');
    [original, patch] = withoutSpecialElements(original, patch, mergeKey);
    merged = original.slice();
    for (const v of patch as JMap[]) {
      if (!own(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      const hit = findByKey(merged, mergeKey, v[mergeKey]);
      if (hit) merged[hit[1]] = mergeMap(hit[0], v, elem, opts, depth + 1);
      else merged.push(v);
    }
  }
  const [inPatch, serverOnly] = partition(merged, patch, mergeKey);
  return normalizeElementOrder(inPatch, serverOnly, patch, original, mergeKey, kind);
}

/** mergeSliceWithSpecialElements: apply `$patch: delete` items, honour `$patch: replace`. */
function withoutSpecialElements(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch as JMap[]) {
    if (!own(v, DIRECTIVE)) { plain.push(v); continue; }
    const d = v[DIRECTIVE];
    if (d === 'delete') {
      if (!own(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      const value = v[mergeKey];
      for (let hit = findByKey(original, mergeKey, value); hit; hit = findByKey(original, mergeKey, value)) {
        original = [...original.slice(0, hit[1]), ...original.slice(hit[1] + 1)];
      }
    } else if (d === 'replace') replace = true;
    else if (d === 'merge') throw new Error('merging lists cannot yet be specified in the patch');
    else throw errBadPatchType(d, v);
  }
  return replace ? [plain, []] : [original, plain];
}
