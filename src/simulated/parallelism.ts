/**
 * @module simulated/parallelism
 * How many writes of one kind a simulator has in flight at once (kwok's podPlayStageParallelism):
 * the rest wait here, in order. Without it, 10,000 pods bound within seconds become 10,000 status
 * writes queued in the API server at once, and every request behind them (the same nodes' Lease
 * renewals among them) waits for all of them.
 */
export class Parallelism {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`parallelism must be at least 1, not ${limit}`);
  }

  /** Writes running and waiting now. */
  get inFlight(): number { return this.running; }
  get queued(): number { return this.waiting.length; }

  /** Run `fn` once fewer than `limit` others are running. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
