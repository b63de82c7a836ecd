/**
 * @module storage/cacher/cache-watcher
 * One watcher of the watch cache (Kubernetes' cacheWatcher): its filter, its replay, and a bounded queue.
 * Delivery is synchronous while the consumer keeps up; when it returns false the watcher pauses and
 * queues; when the queue overflows the watcher is terminated so it never holds up the others.
 */
import type { StorageError } from '../interface.js';
import { WatcherTerminated, type CacheEvent, type CacheWatchOptions, type CacheWatcher } from './types.js';

/** Largest batch handed to onEvents when draining a queue or a replay (keeps each write bounded). */
const CHUNK = 500;

export class CacheWatcherImpl<T> implements CacheWatcher {
  readonly prefix: string;
  /** Events at or below this revision were part of the replay snapshot: live dispatch skips them. */
  startRevision = Number.MAX_SAFE_INTEGER;
  stopped = false;
  private pausedFlag = false;
  /** Queued events (replay first, then live) and how many of them are live (only those count to the bound). */
  private queue: CacheEvent<T>[] = [];
  private queueHead = 0;
  private liveQueued = 0;
  private replayLeft = 0;
  /** Revision of the initial state, reported via onInitialEventsEnd once the replay drained. */
  private initialEndAt = -1;
  private initialEndIndex = -1;
  /** Live events collected for the batch being dispatched. */
  pending: CacheEvent<T>[] | null = null;

  constructor(private readonly opts: CacheWatchOptions<T>, cachePrefix: string, private readonly bufferSize: number,
              private readonly onStop: (w: CacheWatcherImpl<T>) => void) {
    this.prefix = opts.prefix ?? cachePrefix;
  }

  get paused(): boolean { return this.pausedFlag; }
  get wantsBookmarks(): boolean { return !!this.opts.onBookmark; }

  matches(ev: CacheEvent<T>): boolean {
    if (ev.revision <= this.startRevision || this.stopped) return false;
    if (!this.covers(ev.key)) return false;
    return !this.opts.filter || this.opts.filter(ev);
  }

  /** A prefix ending in '/' covers the keys under it; any other prefix is one exact key. */
  covers(key: string): boolean {
    return this.prefix.endsWith('/') ? key.startsWith(this.prefix) : key === this.prefix;
  }

  /** The replay, filtered; `initialRevision` >= 0 when it is an initial state taken at that revision. */
  startWith(replay: CacheEvent<T>[], initialRevision: number): void {
    const f = this.opts.filter;
    const evs = replay.filter((e) => this.covers(e.key) && (!f || f(e)));
    for (const e of evs) this.queue.push(e);
    this.replayLeft = evs.length;
    if (initialRevision >= 0) {
      this.initialEndAt = initialRevision;
      this.initialEndIndex = this.queue.length;
    }
    // Deliver after watch() returned, so callers hold the handle before any callback.
    queueMicrotask(() => this.drain());
  }

  /** Live events of one dispatched batch. */
  deliver(events: CacheEvent<T>[]): void {
    if (this.stopped) return;
    if (this.queue.length === this.queueHead && !this.pausedFlag && this.initialEndIndex < 0) {
      this.call(events);
      return;
    }
    for (const e of events) this.queue.push(e);
    this.liveQueued += events.length;
    if (this.liveQueued > this.bufferSize) {
      this.terminate(new WatcherTerminated('TooSlow', `watcher fell behind by more than ${this.bufferSize} events; closing it`));
    }
  }

  bookmark(revision: number): void {
    if (this.stopped || !this.opts.onBookmark || this.pausedFlag || this.queue.length > this.queueHead) return;
    if (this.initialEndIndex >= 0) return; // not before the initial state is complete
    try { this.opts.onBookmark(revision); } catch (e) { this.fail(e); }
  }

  resume(): void {
    if (!this.pausedFlag || this.stopped) return;
    this.pausedFlag = false;
    this.drain();
  }

  private drain(): void {
    while (!this.stopped && !this.pausedFlag) {
      if (this.initialEndIndex >= 0 && this.queueHead >= this.initialEndIndex) {
        this.initialEndIndex = -1;
        if (this.opts.onInitialEventsEnd) {
          try { this.opts.onInitialEventsEnd(this.initialEndAt); } catch (e) { this.fail(e); return; }
        }
        continue;
      }
      if (this.queueHead >= this.queue.length) { this.queue = []; this.queueHead = 0; break; }
      let end = Math.min(this.queue.length, this.queueHead + CHUNK);
      if (this.initialEndIndex >= 0) end = Math.min(end, this.initialEndIndex);
      const batch = this.queue.slice(this.queueHead, end);
      this.queueHead = end;
      // Replay events come first in the queue; only live ones count against the bound.
      const fromReplay = Math.min(batch.length, this.replayLeft);
      this.replayLeft -= fromReplay;
      this.liveQueued -= batch.length - fromReplay;
      this.call(batch);
    }
  }

  private call(events: CacheEvent<T>[]): void {
    if (events.length === 0) return;
    let more: boolean | void;
    try { more = this.opts.onEvents(events); } catch (e) { this.fail(e); return; }
    if (more === false) this.pausedFlag = true;
  }

  private fail(e: unknown): void {
    this.terminate(new WatcherTerminated('HandlerFailed', `watch handler threw: ${(e as Error)?.message ?? e}`));
  }

  /** Close with an error (cache side). */
  terminate(err: StorageError): void {
    if (this.stopped) return;
    this.stop();
    try { this.opts.onError(err); } catch { /* the watcher is gone either way */ }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue = [];
    this.queueHead = 0;
    this.onStop(this);
  }
}
