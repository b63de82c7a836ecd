/**
 * @module controllers/daemonset/predicates
 * Which nodes a DaemonSet's pod belongs on (Kubernetes' NodeShouldRunDaemonPod): the node must
 * be the template's nodeName if it names one, satisfy its nodeSelector and required node
 * affinity, and carry no NoSchedule/NoExecute taint the pod (with the daemon tolerations) does
 * not tolerate. A pod already on a node may stay despite a new NoSchedule taint: only an
 * untolerated NoExecute taint makes it leave.
 */
import { addOrUpdateDaemonPodTolerations } from './util.js';
import { findUntoleratedTaint } from '../../machinery/scheduling/taints.js';
import { RequiredNodeAffinity } from '../../machinery/scheduling/nodeaffinity.js';

/** nodeSelector (every label) and required node affinity (any term). */
export function requiredNodeAffinityMatches(podSpec: any, node: any): boolean {
  return new RequiredNodeAffinity({ spec: podSpec }).matches({ labels: node.metadata?.labels ?? {}, name: node.metadata?.name ?? '' });
}

export interface ShouldRun { shouldRun: boolean; shouldContinueRunning: boolean }

export function nodeShouldRunDaemonPod(node: any, ds: any): ShouldRun {
  const spec = structuredClone(ds.spec?.template?.spec ?? {});
  addOrUpdateDaemonPodTolerations(spec);
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!requiredNodeAffinityMatches(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints: any[] = node.spec?.taints ?? [];
  const tolerations: any[] = spec.tolerations ?? [];
  if (findUntoleratedTaint(taints, tolerations, (e) => e === 'NoSchedule' || e === 'NoExecute')) {
    // Scheduled daemon pods keep running unless a NoExecute taint would evict them.
    return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(taints, tolerations, (e) => e === 'NoExecute') };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}
