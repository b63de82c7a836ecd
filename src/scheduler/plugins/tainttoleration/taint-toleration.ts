/**
 * @module scheduler/plugins/tainttoleration
 * TaintToleration. Filter: a node with a NoSchedule or NoExecute taint the pod does not tolerate
 * is out. Score: the fewer PreferNoSchedule taints the pod does not tolerate, the better
 * (reverse-normalized, so a node with none scores 100).
 */
import type { FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions, ClusterEvent } from '../../framework/interface.js';
import { unresolvable, type Status } from '../../framework/status.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { findUntoleratedTaint, tolerationsTolerate, type Toleration } from '../../../machinery/scheduling/taints.js';
import { defaultNormalizeScore } from '../helper/normalize.js';

export const NAME = 'TaintToleration';
const STATE_KEY = `PreScore${NAME}`;
const hard = (e: string): boolean => e === 'NoSchedule' || e === 'NoExecute';

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;

  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    if (!node.taints.length) return null;
    const t = findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations, hard);
    return t ? unresolvable(NAME, `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`) : null;
  }

  preScore(state: CycleState, pod: PodInfo): Status | null {
    // Only tolerations that can apply to PreferNoSchedule taints matter for scoring.
    const tols = ((pod.pod.spec?.tolerations ?? []) as Toleration[]).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(STATE_KEY, tols);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    if (!node.taints.length) return 0;
    const tols = state.read<Toleration[]>(STATE_KEY) ?? [];
    let n = 0;
    for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !tolerationsTolerate(tols, t)) n++;
    return n;
  }

  normalizeScore(_s: CycleState, _p: PodInfo, scores: number[]): void { defaultNormalizeScore(scores, true); }
  eventsToRegister(): ClusterEvent[] { return ['NodeAdd', 'NodeTaintChange', 'UnscheduledPodUpdate']; }
}

export const factory = (): TaintToleration => new TaintToleration();
