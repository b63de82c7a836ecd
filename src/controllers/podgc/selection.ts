/**
 * @module controllers/podgc/selection
 * Which pods the pod garbage collector removes, as pure functions of the cached pods and nodes.
 */

const TERMINAL = new Set(['Succeeded', 'Failed']);
export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

/** Terminated: past Pending/Running/Unknown (a pod with no phase yet counts as Pending). */
export const isPodTerminated = (p: any) => TERMINAL.has(p.status?.phase);
const isEvicted = (p: any) => p.status?.phase === 'Failed' && p.status?.reason === 'Evicted';

/** The terminated pods beyond `threshold`, evicted ones first, then the oldest (then by name). */
export function terminatedPodsToDelete(pods: any[], threshold: number): any[] {
  const terminated = pods.filter(isPodTerminated);
  const n = terminated.length - threshold;
  if (n <= 0) return [];
  return terminated.sort((a, b) => {
    const ea = isEvicted(a);
    const eb = isEvicted(b);
    if (ea !== eb) return ea ? -1 : 1;
    const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
    const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
    if (ta !== tb) return ta - tb;
    return `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`);
  }).slice(0, n);
}

/** Pods bound to one of the nodes known to be gone. */
export function orphanedPods(pods: any[], goneNodes: Set<string>): any[] {
  return pods.filter((p) => p.spec?.nodeName && goneNodes.has(p.spec.nodeName));
}

/** Terminating pods that were never scheduled: no kubelet will ever finish their deletion. */
export function unscheduledTerminating(pods: any[]): any[] {
  return pods.filter((p) => p.metadata.deletionTimestamp && !p.spec?.nodeName);
}

const nodeReady = (n: any) => n.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True';

/** Terminating pods on NotReady nodes an administrator has tainted out-of-service (non-graceful node shutdown). */
export function terminatingOnOutOfServiceNodes(pods: any[], nodes: any[]): any[] {
  const out = new Set(nodes.filter((n) => !nodeReady(n) && (n.spec?.taints ?? []).some((t: any) => t.key === OUT_OF_SERVICE_TAINT && t.effect === 'NoExecute'))
    .map((n) => n.metadata.name));
  if (!out.size) return [];
  return pods.filter((p) => p.metadata.deletionTimestamp && out.has(p.spec?.nodeName));
}
