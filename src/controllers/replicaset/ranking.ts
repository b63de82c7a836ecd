/**
 * @module controllers/replicaset/ranking
 * Which pods a ReplicaSet deletes first when it scales down, in Kubernetes' order
 * (controller.ActivePods): unscheduled before scheduled, Pending before Unknown before Running,
 * not ready before ready, ready for less time before longer, more restarts before fewer, and
 * newer before older, so the pods doing useful work the longest are kept.
 */
import { podReadyCondition } from '../podutil.js';

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

const restarts = (p: any) => (p.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (c.restartCount ?? 0), 0);
const time = (s: string | undefined) => (s ? Date.parse(s) : 0);

/** Negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: any, b: any): number {
  const an = a.spec?.nodeName ? 1 : 0, bn = b.spec?.nodeName ? 1 : 0;
  if (an !== bn) return an - bn;
  const ap = PHASE_RANK[a.status?.phase] ?? 0, bp = PHASE_RANK[b.status?.phase] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = podReadyCondition(a), br = podReadyCondition(b);
  const aReady = ar?.status === 'True' ? 1 : 0, bReady = br?.status === 'True' ? 1 : 0;
  if (aReady !== bReady) return aReady - bReady;
  if (aReady && bReady) {
    const at = time(ar.lastTransitionTime), bt = time(br.lastTransitionTime);
    if (at !== bt) return bt - at; // ready more recently goes first
  }
  const arc = restarts(a), brc = restarts(b);
  if (arc !== brc) return brc - arc;
  return time(b.metadata.creationTimestamp) - time(a.metadata.creationTimestamp);
}

export function podsToDelete(pods: any[], n: number): any[] {
  return [...pods].sort(compareForDeletion).slice(0, n);
}
