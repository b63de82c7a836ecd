/**
 * @module client/workqueue
 * client-go's rate-limiting work queue, the heart of every controller: a key added many times
 * before it is processed is processed once; a key is never handed to two workers at once (one
 * added while being processed is queued again when the worker calls done); failures are retried
 * with per-item exponential backoff bounded by an overall token bucket
 * (DefaultControllerRateLimiter: 5 ms doubling to 1000 s, and 10 qps with a burst of 100).
 * A named queue reports upstream's workqueue_* metrics (depth, adds, queue and work durations,
 * retries, in-flight work), keeping one timestamp per key; an unnamed one reports nothing.
 */
import { newQueueMetrics, trackInFlight, untrackInFlight, type QueueMetrics } from './workqueue-metrics.js';

export interface RateLimiter {
  /** How long to wait before the item may be retried. */
  when(key: string): number;
  forget(key: string): void;
  retries(key: string): number;
}

export class ExponentialFailureRateLimiter implements RateLimiter {
  private failures = new Map<string, number>();
  constructor(private readonly baseMs = 5, private readonly maxMs = 1_000_000) {}
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }
  forget(key: string): void { this.failures.delete(key); }
  retries(key: string): number { return this.failures.get(key) ?? 0; }
}

/** A token bucket: `qps` tokens a second, at most `burst` saved up. */
export class BucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly qps = 10, private readonly burst = 100) { this.tokens = burst; }
  when(): number {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }
  forget(): void {}
  retries(): number { return 0; }
}

/** The longest wait any of the limiters asks for. */
export class MaxOfRateLimiter implements RateLimiter {
  constructor(private readonly limiters: RateLimiter[]) {}
  when(key: string): number { return Math.max(...this.limiters.map((l) => l.when(key))); }
  forget(key: string): void { for (const l of this.limiters) l.forget(key); }
  retries(key: string): number { return Math.max(...this.limiters.map((l) => l.retries(key))); }
}

export const defaultControllerRateLimiter = (): RateLimiter => new MaxOfRateLimiter([new ExponentialFailureRateLimiter(5, 1_000_000), new BucketRateLimiter(10, 100)]);

export class WorkQueue {
  private queue: string[] = [];
  private dirty = new Set<string>();
  private processing = new Set<string>();
  private waiters: ((k: string | undefined) => void)[] = [];
  private timers = new Map<string, { t: NodeJS.Timeout; at: number }>();
  private shuttingDown = false;
  private readonly metrics: QueueMetrics | undefined;
  /** performance.now() of each key's first add since it was last taken (named queues only). */
  private readonly addTimes: Map<string, number> | undefined;
  /** performance.now() of each key's get() until done() (named queues only; read when scraped). */
  readonly processingSince = new Map<string, number>();

  /** `name` labels the queue's metrics (client-go's RateLimitingQueueConfig.Name); '' reports none. */
  constructor(readonly limiter: RateLimiter = defaultControllerRateLimiter(), readonly name = '') {
    if (name) {
      this.metrics = newQueueMetrics(name);
      this.addTimes = new Map();
      trackInFlight(this);
    }
  }

  get length(): number { return this.queue.length; }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.metrics) {
      this.metrics.adds.inc();
      if (!this.addTimes!.has(key)) this.addTimes!.set(key, performance.now());
    }
    if (this.processing.has(key)) return; // queued again by done()
    this.enqueue(key);
  }

  /** Hand a dirty key to a waiting worker, or queue it. */
  private enqueue(key: string): void {
    const w = this.waiters.shift();
    if (w) { this.dirty.delete(key); this.startProcessing(key); w(key); return; }
    this.queue.push(key);
    this.metrics?.depth.add(1);
  }

  private startProcessing(key: string): void {
    this.processing.add(key);
    if (!this.metrics) return;
    const now = performance.now();
    const t = this.addTimes!.get(key);
    if (t !== undefined) { this.metrics.latency.observe((now - t) / 1000); this.addTimes!.delete(key); }
    this.processingSince.set(key, now);
  }

  /** Add after `ms` (coalescing: the earliest pending time for a key wins). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.t);
    const t = setTimeout(() => { this.timers.delete(key); this.add(key); }, ms);
    this.timers.set(key, { t, at });
  }

  /** Retry later, as the rate limiter says. */
  addRateLimited(key: string): void {
    this.metrics?.retries.inc();
    this.addAfter(key, this.limiter.when(key));
  }

  /** Stop tracking the key's failures (call after it was processed successfully). */
  forget(key: string): void { this.limiter.forget(key); }

  numRequeues(key: string): number { return this.limiter.retries(key); }

  /** The next key to process; undefined once the queue is shut down and drained. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.metrics?.depth.add(-1);
      this.dirty.delete(key);
      this.startProcessing(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker is finished with `key`; if it was added meanwhile, it goes back in the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.metrics) {
      const t = this.processingSince.get(key);
      if (t !== undefined) { this.metrics.workDuration.observe((performance.now() - t) / 1000); this.processingSince.delete(key); }
    }
    if (this.dirty.has(key)) this.enqueue(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    if (this.metrics) untrackInFlight(this);
    for (const { t } of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
