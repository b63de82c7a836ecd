/**
 * @module machinery/strategicpatch/order
 * List element ordering for strategic merge patch: patch items and server-only items keep their
 * relative orders, interleaved by the live list's order (Kubernetes' normalizeElementOrder).
 */
import { type JMap, isMap, own, same, errNoMergeKey, errBadArgType, MAP_T, DIRECTIVE } from './meta.js';

/** The merge key value of a map element, or the element itself for scalars. */
function keyOf(item: unknown, mergeKey: string, kind: string): unknown {
  if (kind !== 'map') return item;
  return isMap(item) ? item[mergeKey] : undefined;
}

/** index(): position of `item` in `list` by merge key (maps) or value (scalars), or -1. */
export function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: string): number {
  const want = keyOf(item, mergeKey, kind);
  for (let i = 0; i < list.length; i++) if (same(keyOf(list[i], mergeKey, kind), want)) return i;
  return -1;
}

/** validateMergeKeyInLists: every element is a map holding the merge key. */
export function validateMergeKeys(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) for (const item of list) {
    if (!isMap(item)) throw errBadArgType(MAP_T, item);
    if (!own(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
  }
}

/** extractToDeleteItems: items with `$patch: delete` go last. */
function splitDeletes(list: unknown[]): [unknown[], unknown[]] {
  const keep: unknown[] = [], del: unknown[] = [];
  for (const v of list) {
    if (!isMap(v)) throw errBadArgType(MAP_T, v);
    (v[DIRECTIVE] === 'delete' ? del : keep).push(v);
  }
  return [keep, del];
}

/** normalizeSliceOrder: sort `toSort` by the positions of its items in `order` (stable). */
export function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: string): unknown[] {
  let del: unknown[] = [];
  let items = toSort.slice();
  if (kind === 'map') {
    validateMergeKeys(mergeKey, toSort, order);
    [items, del] = splitDeletes(items);
  }
  const idx = items.map((v) => indexIn(order, v, mergeKey, kind));
  const pairs = items.map((v, i) => ({ v, i: idx[i] }));
  if (idx.every((i) => i >= 0)) {
    pairs.sort((a, b) => a.i - b.i);
  } else {
    // Kubernetes' comparator says "less" whenever either side is missing from `order`;
    // insertion sort reproduces what Go's stable sort does with it.
    const less = (a: { i: number }, b: { i: number }): boolean => (a.i >= 0 && b.i >= 0 ? a.i < b.i : true);
    for (let i = 1; i < pairs.length; i++) {
      for (let j = i; j > 0 && less(pairs[j], pairs[j - 1]); j--) [pairs[j], pairs[j - 1]] = [pairs[j - 1], pairs[j]];
    }
  }
  return [...pairs.map((p) => p.v), ...del];
}

/** mergeSortedSlice: insert `left` (server-only) items among `right` (patch) items by `serverOrder`. */
function mergeSorted(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: string): unknown[] {
  const out: unknown[] = [];
  let i = 0, j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind), ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

export function normalizeElementOrder(patch: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: string): unknown[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSorted(s, p, serverOrder, mergeKey, kind);
}

/** findMapInSliceBasedOnKeyValue. */
export function findByKey(list: unknown[], key: string, value: unknown): [JMap, number] | undefined {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isMap(v)) throw new Error(`value for key ${i} is not a map.`);
    if (own(v, key) && same(v[key], value)) return [v, i];
  }
  return undefined;
}

/** Split merged items into those present in `by` and the server-only rest. */
export function partition(merged: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [], serverOnly: unknown[] = [];
  if (!mergeKey) {
    const set = new Set(by);
    for (const v of merged) (set.has(v) ? inPatch : serverOnly).push(v);
    return [inPatch, serverOnly];
  }
  for (const v of merged) {
    if (!isMap(v)) throw errBadArgType(MAP_T, v);
    if (!own(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findByKey(by, mergeKey, v[mergeKey]) ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}
