/**
 * @module storage/cacher/types
 * The watch cache's public types: cache events (shared by every watcher), watch and list options, and
 * the errors the cache raises beyond the storage ones.
 */
import { StorageError, type KeyValue } from '../interface.js';

/** Kubernetes' watch event types; the cache derives them from its own state, not from storage's. */
export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * One change, built once by the cache and handed (the same object) to every watcher that wants it, so the
 * apiserver can serialise it once and share the bytes. Treat it as immutable.
 */
export interface CacheEvent<T = unknown> {
  type: CacheEventType;
  key: string;
  /** The new state; for DELETED the last state with modRevision = the delete's revision (as etcd reports). */
  kv: KeyValue;
  /** The state before this event (absent for ADDED). */
  prevKv?: KeyValue;
  /** `decode(kv)`, decoded once; undefined when the cache has no decoder. */
  object?: T;
  /** The previous state's decoded object (the cache's own copy: no re-decoding). */
  prevObject?: T;
  /** The event's revision. For synthetic ADDED events of an initial state: the object's modRevision. */
  revision: number;
}

export interface WatchCacheOptions<T> {
  /** Event ring size: how far back (in events) a watch can resume. Default 10,000. */
  capacity?: number;
  /** Decodes a stored value once; the result is shared by every reader. A value it throws on is kept undecoded (object undefined) and logged. */
  decode?: (kv: KeyValue) => T;
  /** Interval of periodic bookmarks to watchers that ask for them. Default 60 s (Kubernetes' bookmark timer). */
  bookmarkIntervalMs?: number;
  /** How long a request for a revision newer than the cache waits for it. Default 3 s (Kubernetes' blockTimeout). */
  freshnessTimeoutMs?: number;
  /** Default per-watcher buffer (events queued while the consumer is paused). Default 1024. */
  watcherBufferSize?: number;
  /** Backoff bounds for re-watching / re-listing after a storage watch failure. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Told of each batch once it has been handed to the watchers (the API server's watch.fanout spans). */
  afterDispatch?: (events: CacheEvent<T>[]) => void;
}

export interface CacheWatchOptions<T> {
  /**
   * Narrower than the cache's prefix: ending in '/' (one namespace, `/registry/pods/default/`) it covers
   * the keys under it; otherwise it is one exact key (a watch with a metadata.name field selector).
   */
  prefix?: string;
  /** Extra per-event predicate (e.g. label/field selectors). Called with the shared event: do not mutate. */
  filter?: (ev: CacheEvent<T>) => boolean;
  /**
   * Send the current state (once the cache is at least at `afterRevision`) as synthetic ADDED events, then
   * changes. Kubernetes does this for watches with resourceVersion "" / "0" and for sendInitialEvents=true.
   */
  sendInitialState?: boolean;
  /** Overrides the cache's watcherBufferSize for this watcher. */
  bufferSize?: number;
  /**
   * Events in revision order, each at most once. Backpressure: return `false` when the consumer is backed
   * up (like `stream.write()`); the watcher pauses and queues up to `bufferSize` events until `resume()`
   * is called (e.g. on the socket's 'drain'). A watcher whose queue overflows is terminated (onError).
   */
  onEvents(events: CacheEvent<T>[]): boolean | void;
  /** Terminal: no more events follow. See `isTooOld`, `TooLargeResourceVersionError`, `WatcherTerminated`. */
  onError(err: StorageError): void;
  /** Every event up to `revision` has been delivered: periodic bookmarks and storage progress. */
  onBookmark?(revision: number): void;
  /** With sendInitialState: the initial state (taken at `revision`) has been delivered in full. */
  onInitialEventsEnd?(revision: number): void;
}

/** A live watch on the cache. */
export interface CacheWatcher {
  /** Stop delivering events. Idempotent. */
  stop(): void;
  /** Deliver queued events after the consumer signalled backpressure by returning false. */
  resume(): void;
  readonly paused: boolean;
}

export interface CacheListOptions {
  /** Narrower prefix (a namespace). Defaults to the cache's prefix. */
  prefix?: string;
  /** Serve only once the cache reflects at least this revision (waits up to freshnessTimeoutMs). */
  minRevision?: number;
  limit?: number;
  startAfter?: string;
}

export interface CacheListResult<T> {
  /** Sorted by key. */
  items: KeyValue[];
  /** Decoded objects, aligned with `items`; present when the cache has a decoder. */
  objects?: T[];
  /** The cache's revision the list reflects. */
  revision: number;
  more: boolean;
  /** Keys left after this page when `more` (exact). */
  remaining?: number;
}

/**
 * The requested revision is newer than the cache reached within the timeout. The apiserver answers
 * 504 Timeout "Too large resource version" with cause ResourceVersionTooLarge (and Retry-After: 1).
 */
export class TooLargeResourceVersionError extends StorageError {
  constructor(public readonly requestedRevision: number, public readonly currentRevision: number) {
    super('Unavailable', `Too large resource version: ${requestedRevision}, current: ${currentRevision}`);
    this.name = 'TooLargeResourceVersionError';
  }
}

/**
 * The watch was closed by the cache: the consumer was too slow, or the cache is re-initialising after
 * losing its storage watch. Kubernetes just closes such a watch; the client re-watches from its last
 * resourceVersion (and gets 410 if that is now too old). The apiserver should end the stream without an
 * ERROR event.
 */
export class WatcherTerminated extends StorageError {
  constructor(public readonly reason: 'TooSlow' | 'Reinitializing' | 'Stopped' | 'HandlerFailed', message: string) {
    super('Unavailable', message);
    this.name = 'WatcherTerminated';
  }
}

/** A 'Compacted' error: the requested revision is older than the cache's history (410 Gone). */
export function isTooOld(err: unknown): err is StorageError {
  return err instanceof StorageError && err.code === 'Compacted';
}
