/**
 * @module controllers/job/backoff
 * The delay before a Job replaces a failed pod: 10 s after the first failure since the last
 * success, doubling with each further failure, capped at 6 minutes (Kubernetes' pod failure
 * backoff). Kept in memory per Job, as the upstream controller does: after a restart a Job simply
 * retries at once, which is harmless.
 */

export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 6 * 60_000;

export interface FinishedPod { uid: string; failed: boolean; finishedAt: number }

interface BackoffRecord { failuresAfterLastSuccess: number; lastFailureTime: number; seen: Set<string> }

export class BackoffStore {
  private records = new Map<string, BackoffRecord>();

  constructor(private readonly baseMs = DEFAULT_POD_FAILURE_BACKOFF_MS, private readonly maxMs = MAX_POD_FAILURE_BACKOFF_MS) {}

  /**
   * Take newly finished pods into the Job's record, oldest first: a success resets the count, a
   * failure adds one. Pods already taken are skipped, so a sync that is retried never counts twice.
   */
  observe(jobKey: string, pods: FinishedPod[]): void {
    let r = this.records.get(jobKey);
    const fresh = pods.filter((p) => !r?.seen.has(p.uid)).sort((a, b) => a.finishedAt - b.finishedAt);
    if (!fresh.length) return;
    r ??= { failuresAfterLastSuccess: 0, lastFailureTime: 0, seen: new Set() };
    for (const p of fresh) {
      r.seen.add(p.uid);
      if (p.failed) { r.failuresAfterLastSuccess++; r.lastFailureTime = Math.max(r.lastFailureTime, p.finishedAt); }
      else if (p.finishedAt >= r.lastFailureTime) r.failuresAfterLastSuccess = 0;
    }
    this.records.set(jobKey, r);
  }

  /** How long from `now` before the Job may create pods again (0: at once). */
  remaining(jobKey: string, now: number): number {
    const r = this.records.get(jobKey);
    if (!r || r.failuresAfterLastSuccess === 0) return 0;
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** (r.failuresAfterLastSuccess - 1));
    return Math.max(0, r.lastFailureTime + delay - now);
  }

  forget(jobKey: string): void { this.records.delete(jobKey); }
}

/** When a pod finished: the latest container termination, else its Ready condition's last change, else `now`. */
export function podFinishTime(pod: any, now: number): number {
  let t = 0;
  for (const cs of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    const f = Date.parse(cs?.state?.terminated?.finishedAt ?? '');
    if (!Number.isNaN(f)) t = Math.max(t, f);
  }
  if (t) return t;
  const ready = (pod.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const rt = Date.parse(ready?.lastTransitionTime ?? '');
  if (!Number.isNaN(rt) && ready?.status === 'False') return rt;
  const del = Date.parse(pod.metadata?.deletionTimestamp ?? '');
  return Number.isNaN(del) ? now : del;
}
