/**
 * @module controllers/nodelifecycle/taints
 * The taints the node lifecycle controller keeps on nodes from their conditions (Kubernetes'
 * TaintNodesByCondition and the NoExecute taints of an unhealthy node), and when a pod that
 * tolerates them must still go (tolerationSeconds bounds how long).
 */
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

import { toleratesTaint, type Taint } from '../../machinery/scheduling/taints.js';

export type { Taint };

/** The condition-driven taints a node should carry now. */
export function desiredTaints(node: any): Taint[] {
  const ready = node.status?.conditions?.find((c: any) => c.type === 'Ready')?.status;
  const out: Taint[] = [];
  if (ready === 'False') out.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute' });
  else if (ready === 'Unknown' || ready === undefined) out.push({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_UNREACHABLE, effect: 'NoExecute' });
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

const MANAGED = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE]);

/** The node's taints with the managed ones replaced by `want` (keeping timeAdded of those already there); null when unchanged. */
export function reconcileTaints(current: Taint[], want: Taint[], now: string): Taint[] | null {
  const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
  const kept = current.filter((t) => !MANAGED.has(t.key) || want.some((w) => same(w, t)));
  const added = want.filter((w) => !current.some((t) => same(w, t))).map((w) => (w.effect === 'NoExecute' ? { ...w, timeAdded: now } : w));
  if (added.length === 0 && kept.length === current.length) return null;
  return [...kept, ...added];
}

/**
 * When a pod on a node with these NoExecute taints must go: 0 = now, a time in ms = then,
 * Infinity = never (it tolerates them all without a bound).
 */
export function evictionTime(pod: any, taints: Taint[], nowMs: number): number {
  let at = Infinity;
  for (const t of taints) {
    if (t.effect !== 'NoExecute') continue;
    const tols = (pod.spec?.tolerations ?? []).filter((tol: any) => toleratesTaint(tol, t));
    if (!tols.length) return 0;
    const secs = Math.min(...tols.map((tol: any) => (tol.tolerationSeconds === undefined || tol.tolerationSeconds === null ? Infinity : Math.max(0, tol.tolerationSeconds))));
    if (secs === Infinity) continue;
    const added = Date.parse(t.timeAdded ?? '') || nowMs;
    at = Math.min(at, added + secs * 1000);
  }
  return at;
}
