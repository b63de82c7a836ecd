/**
 * @module controllers/job/requeue
 * "Look at this key again in N ms", keeping the earliest time asked for: a Job's active deadline,
 * a pod's backoff, a CronJob's next schedule time or a finished Job's TTL each need the key back
 * at an exact moment, and a later request must not push out an earlier one (client-go's
 * delaying queue keeps the earliest; the shared WorkQueue.addAfter keeps the first one asked).
 */
import type { WorkQueue } from '../../client/workqueue.js';

export class Requeuer {
  private timers = new Map<string, { at: number; t: NodeJS.Timeout }>();
  private stopped = false;

  constructor(private readonly queue: WorkQueue) {}

  after(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) { this.queue.add(key); return; }
    const at = Date.now() + ms;
    const cur = this.timers.get(key);
    if (cur && cur.at <= at) return;
    if (cur) clearTimeout(cur.t);
    // Timers are capped at ~24 days by Node; anything later is re-asked on the way.
    const t = setTimeout(() => { this.timers.delete(key); this.queue.add(key); }, Math.min(ms, 2 ** 31 - 1));
    t.unref();
    this.timers.set(key, { at, t });
  }

  stop(): void {
    this.stopped = true;
    for (const { t } of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
