/**
 * @module storage/cacher/watcher-index
 * Finds the watchers an event concerns without scanning all of them (Kubernetes indexes its cacher's
 * watchers by trigger, e.g. namespace). Watchers are keyed by their prefix; an event's candidates are the
 * watchers on each '/'-terminated prefix of its key and on the exact key (a prefix that does not end in
 * '/' means one key, as a Kubernetes watch with a metadata.name field selector does). So 1,000 kubelets
 * each watching their own Node cost one map lookup per event, not 1,000 checks.
 */
import type { StorageError } from '../interface.js';
import type { CacheWatcherImpl } from './cache-watcher.js';
import type { CacheEvent } from './types.js';

export class WatcherIndex<T> {
  private readonly byPrefix = new Map<string, Set<CacheWatcherImpl<T>>>();
  private count = 0;

  get size(): number { return this.count; }

  add(w: CacheWatcherImpl<T>): void {
    let set = this.byPrefix.get(w.prefix);
    if (!set) this.byPrefix.set(w.prefix, (set = new Set()));
    set.add(w);
    this.count++;
  }

  remove(w: CacheWatcherImpl<T>): void {
    const set = this.byPrefix.get(w.prefix);
    if (!set || !set.delete(w)) return;
    if (set.size === 0) this.byPrefix.delete(w.prefix);
    this.count--;
  }

  /**
   * Fan a batch out: each watcher gets one array of the events it wants, in order. The event objects
   * are shared, never copied.
   */
  dispatch(events: CacheEvent<T>[]): void {
    if (this.count === 0) return;
    const touched: CacheWatcherImpl<T>[] = [];
    const collect = (w: CacheWatcherImpl<T>, ev: CacheEvent<T>) => {
      if (!w.matches(ev)) return;
      if (w.pending === null) { w.pending = []; touched.push(w); }
      w.pending.push(ev);
    };
    for (const ev of events) {
      const key = ev.key;
      for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
        const set = this.byPrefix.get(key.slice(0, i + 1));
        if (set) for (const w of set) collect(w, ev);
      }
      const exact = this.byPrefix.get(key);
      if (exact) for (const w of exact) collect(w, ev);
    }
    // Deliver after collecting, so a handler that stops or adds watchers cannot disturb this batch.
    for (const w of touched) {
      const batch = w.pending!;
      w.pending = null;
      w.deliver(batch);
    }
  }

  bookmark(revision: number): void {
    for (const set of this.byPrefix.values()) for (const w of [...set]) if (w.wantsBookmarks) w.bookmark(revision);
  }

  terminateAll(err: StorageError): void {
    const all: CacheWatcherImpl<T>[] = [];
    for (const set of this.byPrefix.values()) for (const w of set) all.push(w);
    for (const w of all) w.terminate(err);
  }
}
