/**
 * @module storage/cacher/testing/helpers
 * Test helpers for the watch cache: waiting on conditions with deadlines, and a recording watcher.
 */
import type { StorageError } from '../../interface.js';
import type { CacheEvent, CacheWatchOptions } from '../types.js';

/** Poll `cond` until true; fail after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export interface Recorder<T> {
  events: CacheEvent<T>[];
  errors: StorageError[];
  bookmarks: number[];
  initialEnd: number[];
  opts: CacheWatchOptions<T>;
}

/** Handlers that record everything; extra options are merged in. */
export function recorder<T = unknown>(extra: Partial<CacheWatchOptions<T>> = {}): Recorder<T> {
  const r: Recorder<T> = {
    events: [], errors: [], bookmarks: [], initialEnd: [],
    opts: {
      onEvents: (evs) => { r.events.push(...evs); },
      onError: (e) => { r.errors.push(e); },
      onBookmark: (rev) => { r.bookmarks.push(rev); },
      onInitialEventsEnd: (rev) => { r.initialEnd.push(rev); },
      ...extra,
    },
  };
  return r;
}

/** `type key@revision` lines, compact for assertions. */
export function brief(evs: CacheEvent<unknown>[]): string[] {
  return evs.map((e) => `${e.type} ${e.key}@${e.revision}`);
}
