/**
 * @module apiserver/registry/cache
 * What the list and watch endpoints need from a resource's watch cache: objects decoded once and
 * serialised once, sorted by key, and a fan-out of change events. Implemented over
 * storage/cacher's WatchCache so that many watchers cost one storage watch.
 */
import { serialize } from './codec.js';

/** One object as the cache holds it: decoded once, serialised lazily once. */
export interface CachedObject {
  key: string;
  rv: number;
  obj: any;
  /** JSON of `obj` (with resourceVersion), computed on first use and shared by every reader. */
  json(): string;
}

export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  cur: CachedObject;
  /** The previous state (for MODIFIED/DELETED): needed to turn selector transitions into ADDED/DELETED. */
  prev?: CachedObject;
  rv: number;
}

export interface CacheWatchHandlers {
  onEvents(events: CacheEvent[]): void;
  onError(err: Error): void;
  onBookmark?(rv: number): void;
}

export interface ResourceCache {
  /** Resolves once the initial list is loaded. */
  ready(): Promise<void>;
  /** The revision the cache reflects. */
  revision(): number;
  /** Wait (bounded) until the cache reflects at least `rv`. */
  waitFor(rv: number): Promise<void>;
  /** Like waitFor, but resolves false instead of failing when `rv` is not reached within `ms`. */
  tryWaitFor(rv: number, ms: number): Promise<boolean>;
  /** Items under `prefix` (after `startAfter`), sorted by key, and the revision they reflect. */
  list(prefix: string, startAfter?: string): Promise<{ items: CachedObject[]; revision: number }>;
  /** Items under `prefix` right now, without waiting (for allocators and metrics). */
  snapshot(prefix: string): CachedObject[];
  /** One object by key as the cache holds it now (undefined if absent or not loaded yet). */
  get(key: string): CachedObject | undefined;
  /** Number of keys held. */
  size(): number;
  /**
   * Events after `afterRv` under `prefix`. afterRv = 0 with `initial` sends the current state
   * as ADDED first. A too-old afterRv fails with a StatusError 410.
   */
  watch(afterRv: number, prefix: string, initial: boolean, h: CacheWatchHandlers): { stop(): void };
  stop(): void;
}

/** A CachedObject whose JSON is made on first use. */
export function cachedObject(key: string, rv: number, obj: any): CachedObject {
  let s: string | undefined;
  return { key, rv, obj, json: () => (s ??= serialize(obj)) };
}
