/**
 * @module controllers/daemonset/backoff
 * The per-node backoff for failed daemon pods (upstream's failedPodsBackoff, 1 s doubling to
 * 15 min): a kubelet that keeps rejecting a pod must not see it deleted and recreated in a hot loop.
 */
const INITIAL_MS = 1_000;
const MAX_MS = 15 * 60_000;

export class FailedPodsBackoff {
  private entries = new Map<string, { delay: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** How long `key` must still wait (0: it may act now). */
  remaining(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.at + e.delay - this.now());
  }

  /** Record an action: the next one waits twice as long (reset after a quiet 2 x max). */
  next(key: string): void {
    const t = this.now();
    const e = this.entries.get(key);
    if (!e || t - e.at > 2 * MAX_MS) this.entries.set(key, { delay: INITIAL_MS, at: t });
    else this.entries.set(key, { delay: Math.min(e.delay * 2, MAX_MS), at: t });
    this.gc(t);
  }

  private gc(t: number): void {
    if (this.entries.size < 1024) return;
    for (const [k, e] of this.entries) if (t - e.at > 2 * MAX_MS) this.entries.delete(k);
  }
}
