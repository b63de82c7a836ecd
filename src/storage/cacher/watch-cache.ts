/**
 * @module storage/cacher/watch-cache
 * One resource's watch cache (Kubernetes' Cacher + watchCache): a single list+watch of the resource's
 * prefix keeps its current state and a ring of recent events in memory, and serves LIST, GET and any
 * number of WATCHes from there, so 1,000 watchers cost one storage watch and one decode per change.
 */
import { StorageError, type KeyValue, type Storage, type WatchEvent } from '../interface.js';
import { CacheWatcherImpl } from './cache-watcher.js';
import { Reflector, type ReflectorSink } from './reflector.js';
import { EventRing } from './ring.js';
import { KeyStore, type Entry } from './store.js';
import { WatcherIndex } from './watcher-index.js';
import {
  TooLargeResourceVersionError, WatcherTerminated, type CacheEvent, type CacheListOptions, type CacheListResult,
  type CacheWatchOptions, type CacheWatcher, type WatchCacheOptions,
} from './types.js';

interface Waiter { rev: number; resolve(): void; reject(e: Error): void; timer: NodeJS.Timeout }

export class WatchCache<T = unknown> {
  private readonly ring: EventRing<T>;
  private readonly store = new KeyStore<T>();
  private readonly watchers = new WatcherIndex<T>();
  private readonly decode?: (kv: KeyValue) => T;
  private readonly freshnessTimeoutMs: number;
  private readonly bufferSize: number;
  private readonly reflector: Reflector;
  private rev = 0;
  private isReady = false;
  private readyPromise!: Promise<void>;
  private markReady!: () => void;
  private bookmarkTimer: NodeJS.Timeout | null = null;
  private waiters: Waiter[] = [];
  private stopped = false;

  private readonly afterDispatch?: (events: CacheEvent<T>[]) => void;
  constructor(storage: Storage, readonly prefix: string, opts: WatchCacheOptions<T> = {}) {
    this.ring = new EventRing<T>(opts.capacity ?? 10_000);
    this.decode = opts.decode;
    this.afterDispatch = opts.afterDispatch;
    this.freshnessTimeoutMs = opts.freshnessTimeoutMs ?? 3000;
    this.bufferSize = opts.watcherBufferSize ?? 1024;
    this.resetReady();
    const interval = opts.bookmarkIntervalMs ?? 60_000;
    this.bookmarkTimer = setInterval(() => this.sendBookmarks(), interval);
    this.bookmarkTimer.unref();
    this.reflector = new Reflector(storage, prefix, this.sink(), opts.retryMinMs, opts.retryMaxMs);
    this.reflector.start();
  }

  /** Resolves once the initial list has loaded (and again after a re-list). */
  ready(): Promise<void> { return this.readyPromise; }

  /** The revision the cache reflects: every change up to it has been applied. */
  get currentRevision(): number { return this.rev; }

  /** The lowest revision a watch can resume after (older ones get 'Compacted'). */
  get oldestResumableRevision(): number { return this.ring.oldestResumableRevision; }

  /** Number of keys held (for apiserver_storage_objects). */
  get size(): number { return this.store.size; }

  get(key: string): Entry<T> | undefined { return this.store.get(key); }

  /** Wait (bounded) until the cache reflects at least `rev`; rejects with TooLargeResourceVersionError. */
  async waitUntilFresh(rev: number, timeoutMs = this.freshnessTimeoutMs): Promise<void> {
    await this.readyPromise;
    this.checkRunning();
    if (this.rev >= rev) return;
    await new Promise<void>((resolve, reject) => {
      const w: Waiter = { rev, resolve, reject, timer: setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new TooLargeResourceVersionError(rev, this.rev));
      }, timeoutMs) };
      this.waiters.push(w);
    });
  }

  /** LIST from memory, sorted by key, once the cache reflects `minRevision` (waits up to freshnessTimeoutMs). */
  async list(opts: CacheListOptions = {}): Promise<CacheListResult<T>> {
    await this.readyPromise;
    this.checkRunning();
    if (opts.minRevision && this.rev < opts.minRevision) await this.waitUntilFresh(opts.minRevision);
    return this.listNow(opts);
  }

  /**
   * LIST from memory at whatever revision the cache is at now (ignores minRevision; call after ready()).
   * A binary search plus an O(k) copy of sorted views that are reused until the next change.
   */
  listNow(opts: Omit<CacheListOptions, 'minRevision'> = {}): CacheListResult<T> {
    const prefix = opts.prefix ?? this.prefix;
    let [lo, hi] = this.store.range(prefix, opts.startAfter);
    const total = hi - lo;
    const more = !!opts.limit && opts.limit > 0 && total > opts.limit;
    if (more) hi = lo + opts.limit!;
    const res: CacheListResult<T> = { items: this.store.items().slice(lo, hi), revision: this.rev, more };
    if (this.decode) res.objects = this.store.objects().slice(lo, hi);
    if (more) res.remaining = total - (hi - lo);
    return res;
  }

  /**
   * WATCH from the cache. afterRevision 0: from now (with sendInitialState: current state first). R >= the
   * oldest resumable revision: replay of the ring after R, then live. Older: onError('Compacted'). Newer
   * than the cache: waits up to freshnessTimeoutMs, then onError(TooLargeResourceVersionError).
   */
  watch(afterRevision: number, opts: CacheWatchOptions<T>): CacheWatcher {
    const w = new CacheWatcherImpl<T>(opts, this.prefix, opts.bufferSize ?? this.bufferSize, (x) => this.watchers.remove(x));
    if (this.stopped) {
      queueMicrotask(() => w.terminate(new WatcherTerminated('Stopped', 'watch cache stopped')));
    } else if (this.isReady && this.rev >= afterRevision) {
      this.register(w, afterRevision, !!opts.sendInitialState);
    } else {
      this.waitUntilFresh(afterRevision).then(
        () => { if (!w.stopped) this.register(w, afterRevision, !!opts.sendInitialState); },
        (e) => w.terminate(e instanceof StorageError ? e : new StorageError('Internal', String(e))));
    }
    return w;
  }

  /** Stop the storage watch, close every watcher, release timers. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reflector.stop();
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    for (const w of this.waiters) { clearTimeout(w.timer); w.reject(new StorageError('Unavailable', 'watch cache stopped')); }
    this.waiters = [];
    this.watchers.terminateAll(new WatcherTerminated('Stopped', 'watch cache stopped'));
    this.markReady(); // release anyone awaiting ready(); they then see `stopped`
  }

  private checkRunning(): void {
    if (this.stopped) throw new StorageError('Unavailable', 'watch cache stopped');
  }

  /** Snapshot the replay and join live dispatch in one synchronous step: no gap, no duplicate. */
  private register(w: CacheWatcherImpl<T>, afterRevision: number, initial: boolean): void {
    if (initial) {
      let state: CacheEvent<T>[];
      if (w.prefix.endsWith('/')) {
        const [lo, hi] = this.store.range(w.prefix);
        state = this.store.addedEvents().slice(lo, hi);
      } else {
        const e = this.store.get(w.prefix);
        state = e ? [{ type: 'ADDED', key: w.prefix, kv: e.kv, object: e.object, revision: e.kv.modRevision }] : [];
      }
      w.startRevision = this.rev;
      this.watchers.add(w);
      w.startWith(state, this.rev);
      return;
    }
    const replay = afterRevision === 0 ? [] : this.ring.since(afterRevision);
    if (replay === null) {
      const oldest = this.ring.oldestResumableRevision;
      queueMicrotask(() => w.terminate(new StorageError('Compacted',
        `too old resource version: ${afterRevision} (${oldest})`, undefined, undefined, oldest)));
      return;
    }
    w.startRevision = this.rev;
    this.watchers.add(w);
    w.startWith(replay, -1);
  }

  private resetReady(): void {
    this.isReady = false;
    this.readyPromise = new Promise<void>((resolve) => { this.markReady = resolve; });
  }

  /** The reflector's view of the cache. */
  private sink(): ReflectorSink {
    return {
      replace: (items, revision) => {
        this.store.replace(items.map((kv) => this.entry(kv)));
        this.ring.reset(revision);
        this.rev = revision;
        this.isReady = true;
        this.markReady();
        this.wakeWaiters();
      },
      events: (evs) => this.apply(evs),
      progress: (r) => this.progress(r),
      reinitializing: () => {
        this.resetReady();
        this.watchers.terminateAll(new WatcherTerminated('Reinitializing', 'watch cache is re-initialising; re-watch'));
      },
      revision: () => this.rev,
    };
  }

  private entry(kv: KeyValue): Entry<T> {
    return this.decode ? { kv, object: this.decodeOnce(kv) } : { kv };
  }

  /** A value that cannot be decoded must not take the whole resource's cache down: keep it undecoded. */
  private decodeOnce(kv: KeyValue): T | undefined {
    try {
      return this.decode!(kv);
    } catch (e) {
      console.warn(`watch cache ${this.prefix}: cannot decode ${kv.key}@${kv.modRevision}: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Apply one storage batch to the state and the ring, then fan it out once. */
  private apply(evs: WatchEvent[]): void {
    const out: CacheEvent<T>[] = [];
    for (const ev of evs) {
      if (ev.revision <= this.rev) continue; // already applied (e.g. overlap after a re-watch)
      let ce: CacheEvent<T>;
      if (ev.type === 'delete') {
        const prev = this.store.delete(ev.kv.key);
        ce = { type: 'DELETED', key: ev.kv.key, kv: ev.kv, prevKv: prev?.kv ?? ev.prevKv, revision: ev.revision };
        if (this.decode) { ce.object = this.decodeOnce(ev.kv); ce.prevObject = prev?.object; }
      } else {
        const e = this.entry(ev.kv);
        const prev = this.store.set(e);
        ce = { type: prev ? 'MODIFIED' : 'ADDED', key: ev.kv.key, kv: ev.kv, revision: ev.revision };
        if (prev) ce.prevKv = prev.kv;
        if (this.decode) { ce.object = e.object; if (prev) ce.prevObject = prev.object; }
      }
      this.ring.push(ce);
      this.rev = ev.revision;
      out.push(ce);
    }
    if (out.length) {
      this.watchers.dispatch(out);
      this.afterDispatch?.(out);
      this.wakeWaiters();
    }
  }

  private progress(revision: number): void {
    if (revision <= this.rev) return;
    this.rev = revision;
    this.wakeWaiters();
    this.sendBookmarks();
  }

  private sendBookmarks(): void {
    if (this.isReady) this.watchers.bookmark(this.rev);
  }

  private wakeWaiters(): void {
    if (!this.waiters.length) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.rev >= w.rev) { clearTimeout(w.timer); w.resolve(); } else keep.push(w);
    }
    this.waiters = keep;
  }
}
