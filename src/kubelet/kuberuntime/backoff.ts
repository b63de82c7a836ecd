/**
 * @module kubelet/kuberuntime/backoff
 * client-go's flowcontrol.Backoff, which the kubelet uses for both container restarts
 * (CrashLoopBackOff) and image pulls (ImagePullBackOff): per key, a delay that starts at 10 s and
 * doubles on each failure up to 5 min, and is forgotten once nothing happened for twice the
 * maximum (10 min): a container that ran that long starts over at 10 s.
 */

/** Milliseconds since the epoch; injectable so tests can move time. */
export type Clock = () => number;

interface Entry { backoffMs: number; lastUpdate: number }

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly initialMs = 10_000, readonly maxMs = 300_000, readonly now: Clock = Date.now) {}

  private expired(at: number, e: Entry): boolean { return at - e.lastUpdate > 2 * this.maxMs; }

  /** The current delay of a key (0 when none). */
  get(key: string): number { return this.entries.get(key)?.backoffMs ?? 0; }

  /** Record one more failure at `eventTime`: start at the initial delay or double it. */
  next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    const backoffMs = !e || this.expired(eventTime, e) ? this.initialMs : Math.min(e.backoffMs * 2, this.maxMs);
    this.entries.set(key, { backoffMs, lastUpdate: this.now() });
  }

  /** Whether less than the key's delay has passed since `eventTime` (e.g. when the container exited). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(this.now(), e)) return false;
    return this.now() - eventTime < e.backoffMs;
  }

  /** Whether less than the key's delay has passed between its last failure and `eventTime` (image pulls). */
  isInBackOffSinceUpdate(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(this.now(), e)) return false;
    return eventTime - e.lastUpdate < e.backoffMs;
  }

  reset(key: string): void { this.entries.delete(key); }

  /** Drop keys that have expired, so a long-lived kubelet does not keep every pod it ever saw. */
  gc(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (this.expired(now, e)) this.entries.delete(k);
  }

  /** Forget every key starting with `prefix` (a removed pod). */
  forget(prefix: string): void { for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k); }
}

/** A duration as Go's time.Duration prints it (`10s`, `1m20s`, `5m0s`, `1.5s`, `250ms`), as events and messages show it. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${+ms.toFixed(3)}ms`;
  const totalS = ms / 1000;
  const h = Math.floor(totalS / 3600), m = Math.floor((totalS % 3600) / 60);
  const s = +(totalS - h * 3600 - m * 60).toFixed(9);
  const sec = `${s}s`;
  if (h) return `${h}h${m}m${sec}`;
  if (m) return `${m}m${sec}`;
  return sec;
}
