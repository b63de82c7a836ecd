/**
 * @module scheduler/plugins/podtopologyspread
 * PodTopologySpread: spread a group of pods (a label selector) across topology domains (zones,
 * hosts). DoNotSchedule constraints filter (see filtering.ts); ScheduleAnyway constraints score:
 * a node scores higher the fewer matching pods its domains hold, each constraint weighted by
 * log(domains + 2) so a constraint over many small domains does not drown one over few.
 * (Upstream's cluster-level default constraints are not applied: only the pod's own.)
 */
import type { PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions, ClusterEvent, Handle, PreFilterExtensions } from '../../framework/interface.js';
import { MAX_NODE_SCORE } from '../../framework/interface.js';
import { SKIP, unresolvable, unschedulable, type Status } from '../../framework/status.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { constraintsOf, countMatching, hasAllKeys, nodeCounts, type Constraint } from './constraints.js';
import { FilterState } from './filtering.js';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;
const REJECT_SKEW = unschedulable(NAME, ERR_REASON_CONSTRAINTS_NOT_MATCH);
const REJECT_LABEL = unresolvable(NAME, ERR_REASON_NODE_LABEL_NOT_MATCH);
const PREFILTER_KEY = `PreFilter${NAME}`;
const PRESCORE_KEY = `PreScore${NAME}`;
const HOSTNAME = 'kubernetes.io/hostname';

interface ScoreState { constraints: Constraint[]; counts: Map<string, number>[]; weights: number[]; ignored: Set<string> }

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  constructor(private readonly h: Handle) {}

  preFilter(state: CycleState, pod: PodInfo): Status | null {
    const cs = constraintsOf(pod, 'DoNotSchedule');
    if (!cs.length) return SKIP;
    state.write(PREFILTER_KEY, FilterState.compute(pod, cs, this.h.snapshot.list()));
    return null;
  }

  readonly preFilterExtensions: PreFilterExtensions = {
    addPod: (state, pod, toAdd, node) => state.read<FilterState>(PREFILTER_KEY)?.update(pod, toAdd, node, 1),
    removePod: (state, pod, toRemove, node) => state.read<FilterState>(PREFILTER_KEY)?.update(pod, toRemove, node, -1),
  };

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const s = state.read<FilterState>(PREFILTER_KEY);
    if (!s) return null;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const v = node.labels[c.topologyKey];
      if (v === undefined) return REJECT_LABEL;
      const self = c.selector.matches(pod.labels) ? 1 : 0;
      let min = s.minMatch[i];
      if (s.domains(i) < c.minDomains) min = 0;
      if (min === Infinity) continue;
      if ((s.counts[i].get(v) ?? 0) + self - min > c.maxSkew) return REJECT_SKEW;
    }
    return null;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: NodeInfo[]): Status | null {
    const cs = constraintsOf(pod, 'ScheduleAnyway');
    if (!cs.length) return SKIP;
    const ignored = new Set<string>();
    const domains = cs.map(() => new Set<string>());
    for (const n of nodes) {
      if (!hasAllKeys(n, cs)) { ignored.add(n.name); continue; }
      for (let i = 0; i < cs.length; i++) domains[i].add(n.labels[cs[i].topologyKey]);
    }
    const counts = cs.map(() => new Map<string, number>());
    // Hostname domains hold one node each: only the feasible nodes matter (upstream's shortcut).
    const all = this.h.snapshot.list();
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i];
      const over = c.topologyKey === HOSTNAME ? nodes : all;
      for (const n of over) {
        if (!hasAllKeys(n, cs) || !nodeCounts(c, pod, n)) continue;
        const v = n.labels[c.topologyKey];
        if (c.topologyKey !== HOSTNAME && !domains[i].has(v)) continue;
        counts[i].set(v, (counts[i].get(v) ?? 0) + countMatching(n, c, pod.namespace));
      }
    }
    const weights = cs.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? nodes.length - ignored.size : domains[i].size) + 2));
    state.write(PRESCORE_KEY, { constraints: cs, counts, weights, ignored } satisfies ScoreState);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<ScoreState>(PRESCORE_KEY);
    if (!s || s.ignored.has(node.name)) return -1;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const v = node.labels[s.constraints[i].topologyKey];
      score += (s.counts[i].get(v) ?? 0) * s.weights[i] + (s.constraints[i].maxSkew - 1);
    }
    return Math.round(score);
  }

  normalizeScore(_s: CycleState, _p: PodInfo, scores: number[]): void {
    let min = Infinity, max = 0;
    for (const s of scores) { if (s < 0) continue; if (s < min) min = s; if (s > max) max = s; }
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] < 0) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.floor((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  }

  eventsToRegister(): ClusterEvent[] { return ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeLabelChange', 'NodeTaintChange', 'UnscheduledPodUpdate']; }
}

export const factory = (_args: unknown, h: Handle): PodTopologySpread => new PodTopologySpread(h);
