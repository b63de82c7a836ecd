/**
 * @module storage/drivers/sqlite/list-at
 * LIST at an older revision R (paginated lists keep reading at their first page's revision). The state
 * at R is the live table with the writes after R undone: for every key written after R, the first such
 * write tells what the key was at R (absent if it was a create; otherwise its previous value). The cost is
 * the live keys in range plus the writes since R — never the whole history.
 */
import type { KeyValue, ListResult } from '../../interface.js';
import { CREATE, prefixRange, type Statements } from './schema.js';

export function listAtRevision(st: Statements, prefix: string, at: number, current: number, limit: number, after: string): ListResult {
  const [lo, hi] = prefixRange(prefix);
  // Key -> its state at `at` (null: absent at `at`), for every key in range written after `at`.
  const changed = new Map<string, KeyValue | null>();
  for (const r of st.logAfter.iterate(at, current, lo, hi, -1)) {
    if (r.key <= after || changed.has(r.key)) continue;
    changed.set(r.key, r.type === CREATE ? null
      : { key: r.key, value: r.prev_value!, createRevision: r.create_rev, modRevision: r.prev_rev! });
  }
  const restored = [...changed.values()].filter((kv): kv is KeyValue => kv !== null).sort((a, b) => cmp(a.key, b.key));

  const items: KeyValue[] = [];
  const want = limit > 0 ? limit + 1 : Infinity;
  let i = 0;
  // Merge the live rows that did not change since `at` with the restored rows, both sorted by key.
  for (const r of st.iterateRange.iterate(lo, hi, after)) {
    if (items.length >= want) break;
    while (i < restored.length && cmp(restored[i].key, r.key) < 0 && items.length < want) items.push(restored[i++]);
    if (items.length >= want) break;
    if (changed.has(r.key)) continue;
    items.push({ key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.mod_rev });
  }
  while (i < restored.length && items.length < want) items.push(restored[i++]);

  const more = items.length > limit && limit > 0;
  if (more) items.length = limit;
  const result: ListResult = { items, revision: at, more };
  if (more) {
    // Live keys after the page, corrected by the keys that appeared or vanished since `at`.
    const last = items[items.length - 1].key;
    let remaining = st.countRange.get(lo, hi, last)!.n;
    for (const [key, kv] of changed) {
      if (key <= last) continue;
      const liveNow = st.get.get(key) !== undefined;
      if (kv && !liveNow) remaining++;
      if (!kv && liveNow) remaining--;
    }
    result.remaining = remaining;
  }
  return result;
}

/** SQLite's BINARY collation orders UTF-8 bytes; for the ASCII keys Kubernetes uses this is the same order. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
