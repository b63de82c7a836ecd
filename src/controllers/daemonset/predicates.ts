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

function matchExpression(req: any, value: string | undefined): boolean {
  const values: string[] = req.values ?? [];
  switch (req.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const a = Number(value), b = Number(values[0]);
      if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
      return req.operator === 'Gt' ? a > b : a < b;
    }
    default: return false;
  }
}

/** One NodeSelectorTerm: every expression on labels and every field (metadata.name) requirement; an empty term matches nothing. */
export function nodeSelectorTermMatches(term: any, node: any): boolean {
  const exprs = term?.matchExpressions ?? [], fields = term?.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  const labels = node.metadata?.labels ?? {};
  return exprs.every((r: any) => matchExpression(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined)) &&
    fields.every((r: any) => r.key === 'metadata.name' && matchExpression(r, node.metadata?.name));
}

/** nodeSelector (every label) and required node affinity (any term). */
export function requiredNodeAffinityMatches(podSpec: any, node: any): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(podSpec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((t: any) => nodeSelectorTermMatches(t, node));
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
