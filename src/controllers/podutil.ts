/**
 * @module controllers/podutil
 * The pod predicates every workload controller shares (Kubernetes' podutil): active, ready,
 * available for minReadySeconds.
 */

/** Not finished and not being deleted: a pod that counts towards replicas. */
export function isPodActive(p: any): boolean {
  const phase = p.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !p.metadata.deletionTimestamp;
}

export function podReadyCondition(p: any): any | undefined {
  return p.status?.conditions?.find((c: any) => c.type === 'Ready');
}

export function isPodReady(p: any): boolean {
  return podReadyCondition(p)?.status === 'True';
}

/** Ready for at least minReadySeconds (judged at `now`). */
export function isPodAvailable(p: any, minReadySeconds: number, now = Date.now()): boolean {
  const c = podReadyCondition(p);
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = Date.parse(c.lastTransitionTime ?? '');
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

/** RFC 3339 with seconds, as Kubernetes' metav1.Time serialises. */
export const rfc3339 = (ms = Date.now()): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
