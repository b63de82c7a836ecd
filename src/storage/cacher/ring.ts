/**
 * @module storage/cacher/ring
 * The watch cache's fixed-size ring of recent events (Kubernetes' watchCache.cache), and the rule for how
 * far back a watch can resume.
 */
import type { CacheEvent } from './types.js';

export class EventRing<T> {
  private readonly buf: (CacheEvent<T> | undefined)[];
  private head = 0;
  private size = 0;
  /**
   * The lowest `afterRevision` a watch can resume from: every event after it is still in the ring.
   * After a (re)list that is the list's revision; once events are evicted it is the revision of the
   * last evicted event. (Revisions are global, so nothing of ours lies between that and the oldest kept.)
   */
  private servableFrom = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be >= 1, got ${capacity}`);
    this.buf = new Array(capacity);
  }

  /** Forget all events: the state was just (re)listed at `listRevision`. */
  reset(listRevision: number): void {
    this.buf.fill(undefined);
    this.head = 0;
    this.size = 0;
    this.servableFrom = listRevision;
  }

  get length(): number { return this.size; }

  get oldestResumableRevision(): number { return this.servableFrom; }

  push(ev: CacheEvent<T>): void {
    const cap = this.capacity;
    if (this.size === cap) {
      this.servableFrom = this.buf[this.head]!.revision;
      this.buf[this.head] = ev;
      this.head = (this.head + 1) % cap;
    } else {
      this.buf[(this.head + this.size) % cap] = ev;
      this.size++;
    }
  }

  private at(i: number): CacheEvent<T> { return this.buf[(this.head + i) % this.capacity]!; }

  /**
   * Events with revision > `afterRevision`, oldest first, or null when some of them were evicted
   * (the caller answers 'Compacted').
   */
  since(afterRevision: number): CacheEvent<T>[] | null {
    if (afterRevision < this.servableFrom) return null;
    // Binary search for the first event newer than afterRevision; revisions in the ring ascend.
    let lo = 0, hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= afterRevision) lo = mid + 1; else hi = mid;
    }
    const out = new Array<CacheEvent<T>>(this.size - lo);
    for (let i = lo; i < this.size; i++) out[i - lo] = this.at(i);
    return out;
  }
}
