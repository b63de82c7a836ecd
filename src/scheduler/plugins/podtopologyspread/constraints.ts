/**
 * @module scheduler/plugins/podtopologyspread/constraints
 * A pod's topologySpreadConstraints, parsed once: the selector (with matchLabelKeys folded in),
 * and which nodes count as part of a domain (nodeAffinityPolicy Honor: only nodes the pod could
 * go to; nodeTaintsPolicy Honor: only nodes whose taints it tolerates).
 */
import { fromLabelSelector, nothing, type LabelSelector } from '../../../machinery/labels.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { requiredNodeAffinityOf } from '../helper/node-selector.js';
import { findUntoleratedTaint } from '../../../machinery/scheduling/taints.js';

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

export function constraintsOf(pi: PodInfo, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  const memoKey = `PodTopologySpread/${when}`;
  let out = pi.memo.get(memoKey) as Constraint[] | undefined;
  if (out) return out;
  out = [];
  for (const c of pi.pod.spec?.topologySpreadConstraints ?? []) {
    if ((c.whenUnsatisfiable ?? 'DoNotSchedule') !== when) continue;
    let selector: LabelSelector;
    try {
      const ls = c.labelSelector ? structuredClone(c.labelSelector) : null;
      if (ls && c.matchLabelKeys?.length) {
        ls.matchExpressions ??= [];
        for (const k of c.matchLabelKeys) if (pi.labels[k] !== undefined) ls.matchExpressions.push({ key: k, operator: 'In', values: [pi.labels[k]] });
      }
      selector = fromLabelSelector(ls);
    } catch { selector = nothing(); }
    out.push({
      maxSkew: c.maxSkew ?? 1, topologyKey: c.topologyKey, selector, minDomains: c.minDomains ?? 1,
      honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor', honorTaints: c.nodeTaintsPolicy === 'Honor',
    });
  }
  pi.memo.set(memoKey, out);
  return out;
}

/** Whether the node takes part in the constraint's domains for this pod. */
export function nodeCounts(c: Constraint, pod: PodInfo, node: NodeInfo): boolean {
  if (c.honorAffinity && !requiredNodeAffinityOf(pod).matches(node)) return false;
  if (c.honorTaints && findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations, (e) => e === 'NoSchedule' || e === 'NoExecute')) return false;
  return true;
}

export function hasAllKeys(node: NodeInfo, cs: readonly Constraint[]): boolean {
  for (const c of cs) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

/** Pods on the node, in the pod's namespace, not terminating, selected by the constraint. */
export function countMatching(node: NodeInfo, c: Constraint, ns: string): number {
  let n = 0;
  for (const p of node.pods) if (p.namespace === ns && !p.terminating && c.selector.matches(p.labels)) n++;
  return n;
}
