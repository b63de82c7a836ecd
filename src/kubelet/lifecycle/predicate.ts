/**
 * @module kubelet/lifecycle/predicate
 * Pod admission on the node (upstream pkg/kubelet/lifecycle/predicate.go): before running a pod
 * bound to it, the kubelet checks that the pod fits next to the pods it already runs: the sum of
 * requests against the node's allocatable (cpu, memory, ephemeral-storage, pods), the node
 * selector and required node affinity, and NoExecute taints... (taints are left to the scheduler
 * here). A rejected pod is failed with upstream's reason (`OutOfcpu`, `OutOfmemory`, `OutOfpods`,
 * `NodeAffinity`) and message (`Pod was rejected: Node didn't have enough resource: cpu, requested:
 * 2000, used: 500, capacity: 1000`).
 */
import { computePodRequests, Resource, CPU, MEMORY, EPHEMERAL_STORAGE } from '../../scheduler/framework/resource.js';

export interface AdmitResult { admit: boolean; reason?: string; message?: string }

/** Would `pod` fit on a node with `allocatable`, next to `active` pods (already admitted)? */
export function canAdmitPod(pod: any, active: any[], node: any): AdmitResult {
  const alloc = Resource.fromList(node?.status?.allocatable);
  const maxPods = Number(node?.status?.allocatable?.pods ?? 110);
  if (active.length + 1 > maxPods) {
    return { admit: false, reason: 'OutOfpods', message: `Node didn't have enough resource: pods, requested: 1, used: ${active.length}, capacity: ${maxPods}` };
  }
  const want = computePodRequests(pod).requests;
  const used = new Resource();
  for (const p of active) used.add(computePodRequests(p).requests);
  for (const [name, unit] of [[CPU, 1], [MEMORY, 1], [EPHEMERAL_STORAGE, 1]] as const) {
    const w = want.get(name) * unit;
    if (!w) continue;
    const u = used.get(name), cap = alloc.get(name);
    if (u + w > cap) {
      return { admit: false, reason: `OutOf${name}`, message: `Node didn't have enough resource: ${name}, requested: ${w}, used: ${u}, capacity: ${cap}` };
    }
  }
  const sel: Record<string, string> = pod.spec?.nodeSelector ?? {};
  const labels: Record<string, string> = node?.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(sel)) {
    if (labels[k] !== v) return { admit: false, reason: 'NodeAffinity', message: "Predicate NodeAffinity failed" };
  }
  return { admit: true };
}
