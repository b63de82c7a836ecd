/**
 * @module storage/cacher/store
 * The watch cache's in-memory state: key -> (KeyValue, decoded object), with the keys kept sorted so a
 * LIST is a binary search plus an O(k) copy. Sorted views (items, objects, synthetic ADDED events) are
 * built lazily once and reused until the next change.
 */
import type { KeyValue } from '../interface.js';
import type { CacheEvent } from './types.js';

export interface Entry<T> { kv: KeyValue; object?: T }

/** Smallest string greater than every string starting with `prefix` (prefix '' has no bound). */
function prefixEnd(prefix: string): string | null {
  if (prefix === '') return null;
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export class KeyStore<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Sorted keys; updated in place on create/delete (a memmove), untouched by updates. */
  private keys: string[] = [];
  /** Lazily built views aligned with `keys`; dropped on any change. */
  private itemsView: KeyValue[] | null = null;
  private objectsView: T[] | null = null;
  private addedView: CacheEvent<T>[] | null = null;

  get size(): number { return this.keys.length; }

  get(key: string): Entry<T> | undefined { return this.entries.get(key); }

  /** Replace everything with a (sorted) list result. */
  replace(list: Entry<T>[]): void {
    this.entries.clear();
    const keys = new Array<string>(list.length);
    for (let i = 0; i < list.length; i++) {
      keys[i] = list[i].kv.key;
      this.entries.set(keys[i], list[i]);
    }
    // Storage returns keys sorted, but by bytes; re-sort only if our (UTF-16) order disagrees.
    for (let i = 1; i < keys.length; i++) if (keys[i - 1] >= keys[i]) { keys.sort(); break; }
    this.keys = keys;
    this.invalidate();
  }

  /** Returns the previous entry, if any. */
  set(e: Entry<T>): Entry<T> | undefined {
    const key = e.kv.key;
    const prev = this.entries.get(key);
    this.entries.set(key, e);
    if (!prev) this.keys.splice(this.lowerBound(key), 0, key);
    this.invalidate();
    return prev;
  }

  delete(key: string): Entry<T> | undefined {
    const prev = this.entries.get(key);
    if (!prev) return undefined;
    this.entries.delete(key);
    this.keys.splice(this.lowerBound(key), 1);
    this.invalidate();
    return prev;
  }

  /** [lo, hi) indexes of the keys under `prefix`, optionally strictly after `startAfter`. */
  range(prefix: string, startAfter?: string): [number, number] {
    let lo = this.lowerBound(prefix);
    if (startAfter !== undefined && startAfter >= prefix) {
      lo = this.lowerBound(startAfter);
      if (lo < this.keys.length && this.keys[lo] === startAfter) lo++;
    }
    const end = prefixEnd(prefix);
    const hi = end === null ? this.keys.length : this.lowerBound(end);
    return [lo, Math.max(lo, hi)];
  }

  items(): KeyValue[] {
    return (this.itemsView ??= this.keys.map((k) => this.entries.get(k)!.kv));
  }

  objects(): T[] {
    return (this.objectsView ??= this.keys.map((k) => this.entries.get(k)!.object as T));
  }

  /** The current state as synthetic ADDED events (shared by every watcher that asks for initial state). */
  addedEvents(): CacheEvent<T>[] {
    return (this.addedView ??= this.keys.map((k) => {
      const e = this.entries.get(k)!;
      return { type: 'ADDED', key: k, kv: e.kv, object: e.object, revision: e.kv.modRevision };
    }));
  }

  private invalidate(): void {
    this.itemsView = null;
    this.objectsView = null;
    this.addedView = null;
  }

  private lowerBound(key: string): number {
    const keys = this.keys;
    let lo = 0, hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < key) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
}
