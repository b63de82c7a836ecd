/**
 * @module scheduler/plugins/nodeaffinity
 * NodeAffinity. Filter: the node must match spec.nodeSelector and the required node affinity.
 * PreFilter narrows the nodes when every required term names nodes by metadata.name (as
 * DaemonSet pods do), so the other 4,999 nodes are never looked at. Score: the sum of the
 * weights of the preferred terms the node matches, normalized so the best node gets 100.
 */
import type { PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions, ClusterEvent } from '../../framework/interface.js';
import { SKIP, unresolvable, type Status } from '../../framework/status.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { CompiledNodeSelector, PreferredSchedulingTerms, requiredNodeAffinityOf } from '../helper/node-selector.js';
import { defaultNormalizeScore } from '../helper/normalize.js';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
const REJECT = unresolvable(NAME, ERR_REASON_POD);
const REJECT_ENFORCED = unresolvable(NAME, ERR_REASON_ENFORCED);
const PREFERRED_KEY = `PreScore${NAME}`;

export interface NodeAffinityArgs { addedAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: any; preferredDuringSchedulingIgnoredDuringExecution?: any[] } }

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly added: CompiledNodeSelector | null;
  private readonly addedPreferred: PreferredSchedulingTerms | null;

  constructor(args: NodeAffinityArgs = {}) {
    const req = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.added = req ? new CompiledNodeSelector(req.nodeSelectorTerms ?? []) : null;
    const pref = args.addedAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    this.addedPreferred = pref?.length ? new PreferredSchedulingTerms(pref) : null;
  }

  preFilter(state: CycleState, pod: PodInfo): Status | null {
    const req = requiredNodeAffinityOf(pod);
    if (req.empty && !this.added) return SKIP;
    const terms = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    if (terms?.length) {
      // Every term must pin names for the set to be a complete answer.
      const names = new Set<string>();
      for (const t of terms) {
        const f = (t.matchFields ?? []).find((r: any) => r.key === 'metadata.name' && r.operator === 'In' && r.values?.length === 1);
        if (!f) return null;
        names.add(f.values[0]);
      }
      state.restrictNodes(names);
    }
    return null;
  }

  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    if (this.added && !this.added.matches(node)) return REJECT_ENFORCED;
    return requiredNodeAffinityOf(pod).matches(node) ? null : REJECT;
  }

  preScore(state: CycleState, pod: PodInfo): Status | null {
    const prefs = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (!prefs?.length && !this.addedPreferred) return SKIP;
    state.write(PREFERRED_KEY, new PreferredSchedulingTerms(prefs ?? []));
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const p = state.read<PreferredSchedulingTerms>(PREFERRED_KEY);
    return (p ? p.score(node) : 0) + (this.addedPreferred ? this.addedPreferred.score(node) : 0);
  }

  normalizeScore(_s: CycleState, _p: PodInfo, scores: number[]): void { defaultNormalizeScore(scores); }
  eventsToRegister(): ClusterEvent[] { return ['NodeAdd', 'NodeLabelChange', 'UnscheduledPodUpdate']; }
}

export const factory = (args: NodeAffinityArgs = {}): NodeAffinity => new NodeAffinity(args);
