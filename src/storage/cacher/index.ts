/**
 * @module storage/cacher
 * The apiserver's watch cache: one storage list+watch per resource, serving LIST/GET/WATCH from memory.
 */
export { WatchCache } from './watch-cache.js';
export type { Entry as CacheEntry } from './store.js';
export {
  TooLargeResourceVersionError, WatcherTerminated, isTooOld,
  type CacheEvent, type CacheEventType, type CacheListOptions, type CacheListResult, type CacheWatchOptions,
  type CacheWatcher, type WatchCacheOptions,
} from './types.js';
