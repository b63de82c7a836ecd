/**
 * @module scheduler/plugins/interpodaffinity
 * InterPodAffinity. Filter: a node is out if placing the pod there would put it in the same
 * topology domain as a pod whose required anti-affinity selects it, or as a pod its own required
 * anti-affinity selects, or if some required affinity term finds no matching pod in the node's
 * domain (the first pod of a self-affine group is let through). Score: preferred terms, both the
 * incoming pod's and existing pods' (existing required affinity counts with hardPodAffinityWeight),
 * summed per domain and min-max normalized. Only pods with affinity terms are visited unless the
 * incoming pod has terms of its own.
 */
import type { PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions, ClusterEvent, Handle, PreFilterExtensions } from '../../framework/interface.js';
import { MAX_NODE_SCORE } from '../../framework/interface.js';
import { SKIP, unresolvable, unschedulable, type Status } from '../../framework/status.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { PreFilterState, podMatchesAllTerms } from './state.js';

export const NAME = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
const REJECT_EXISTING = unschedulable(NAME, ERR_REASON_EXISTING_ANTI_AFFINITY);
const REJECT_AFFINITY = unresolvable(NAME, ERR_REASON_AFFINITY);
const REJECT_ANTI = unschedulable(NAME, ERR_REASON_ANTI_AFFINITY);
const PREFILTER_KEY = `PreFilter${NAME}`;
const PRESCORE_KEY = `PreScore${NAME}`;

export interface InterPodAffinityArgs { hardPodAffinityWeight?: number }

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly hardWeight: number;
  private readonly ns: (ns: string) => Record<string, string> | undefined;

  constructor(args: InterPodAffinityArgs, private readonly h: Handle) {
    this.hardWeight = args.hardPodAffinityWeight ?? 1;
    this.ns = (n) => h.namespaceLabels(n);
  }

  preFilter(state: CycleState, pod: PodInfo): Status | null {
    const own = pod.requiredAffinityTerms.length + pod.requiredAntiAffinityTerms.length > 0;
    const s = new PreFilterState(pod);
    let any = false;
    for (const node of this.h.snapshot.havePodsWithRequiredAntiAffinity()) {
      any = true;
      for (const existing of node.podsWithRequiredAntiAffinity) {
        for (const t of existing.requiredAntiAffinityTerms) if (t.matches(pod, this.ns)) s.existingAntiAffinity.bump(node, t.topologyKey, 1);
      }
    }
    if (!own && !any) return SKIP;
    if (own) {
      // The incoming pod's own terms must be checked against every pod (upstream does the same walk).
      for (const node of this.h.snapshot.list()) {
        for (const existing of node.pods) {
          if (pod.requiredAffinityTerms.length && podMatchesAllTerms(pod.requiredAffinityTerms, existing, this.ns)) {
            for (const t of pod.requiredAffinityTerms) s.affinity.bump(node, t.topologyKey, 1);
          }
          for (const t of pod.requiredAntiAffinityTerms) if (t.matches(existing, this.ns)) s.antiAffinity.bump(node, t.topologyKey, 1);
        }
      }
    }
    state.write(PREFILTER_KEY, s);
    return null;
  }

  readonly preFilterExtensions: PreFilterExtensions = {
    addPod: (state, _pod, toAdd, node) => state.read<PreFilterState>(PREFILTER_KEY)?.update(toAdd, node, 1, this.ns),
    removePod: (state, _pod, toRemove, node) => state.read<PreFilterState>(PREFILTER_KEY)?.update(toRemove, node, -1, this.ns),
  };

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    if (!s) return null;
    // Upstream's order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity.
    if (pod.requiredAffinityTerms.length) {
      let podsExist = true;
      for (const t of pod.requiredAffinityTerms) {
        const v = node.labels[t.topologyKey];
        if (v === undefined) return REJECT_AFFINITY;
        if (s.affinity.get(t.topologyKey, v) <= 0) podsExist = false;
      }
      // The first pod of a group with affinity to itself: nothing matches anywhere, but it matches itself.
      if (!podsExist && !(s.affinity.size === 0 && podMatchesAllTerms(pod.requiredAffinityTerms, pod, this.ns))) return REJECT_AFFINITY;
    }
    if (s.antiAffinity.size) {
      for (const t of pod.requiredAntiAffinityTerms) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && s.antiAffinity.get(t.topologyKey, v) > 0) return REJECT_ANTI;
      }
    }
    if (s.existingAntiAffinity.size) {
      for (const k in node.labels) if (s.existingAntiAffinity.get(k, node.labels[k]) > 0) return REJECT_EXISTING;
    }
    return null;
  }

  preScore(state: CycleState, pod: PodInfo, _nodes: NodeInfo[]): Status | null {
    const hasPreferred = pod.preferredAffinityTerms.length + pod.preferredAntiAffinityTerms.length > 0;
    const scores = new Map<string, Map<string, number>>();
    const add = (node: NodeInfo, key: string, w: number) => {
      const v = node.labels[key];
      if (v === undefined || w === 0) return;
      let m = scores.get(key);
      if (!m) scores.set(key, m = new Map());
      m.set(v, (m.get(v) ?? 0) + w);
    };
    const visit = (node: NodeInfo, existing: PodInfo) => {
      for (const t of pod.preferredAffinityTerms) if (t.matches(existing, this.ns)) add(node, t.topologyKey, t.weight);
      for (const t of pod.preferredAntiAffinityTerms) if (t.matches(existing, this.ns)) add(node, t.topologyKey, -t.weight);
      if (this.hardWeight > 0) for (const t of existing.requiredAffinityTerms) if (t.matches(pod, this.ns)) add(node, t.topologyKey, this.hardWeight);
      for (const t of existing.preferredAffinityTerms) if (t.matches(pod, this.ns)) add(node, t.topologyKey, t.weight);
      for (const t of existing.preferredAntiAffinityTerms) if (t.matches(pod, this.ns)) add(node, t.topologyKey, -t.weight);
    };
    if (hasPreferred) {
      for (const node of this.h.snapshot.list()) for (const e of node.pods) visit(node, e);
    } else {
      let any = false;
      for (const node of this.h.snapshot.havePodsWithAffinity()) { any = true; for (const e of node.podsWithAffinity) visit(node, e); }
      if (!any) return SKIP;
    }
    if (!scores.size) return SKIP;
    state.write(PRESCORE_KEY, scores);
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const scores = state.read<Map<string, Map<string, number>>>(PRESCORE_KEY);
    let s = 0;
    if (scores) for (const [k, vals] of scores) { const v = node.labels[k]; if (v !== undefined) s += vals.get(v) ?? 0; }
    return s;
  }

  normalizeScore(_s: CycleState, _p: PodInfo, scores: number[]): void {
    let min = Infinity, max = -Infinity;
    for (const s of scores) { if (s < min) min = s; if (s > max) max = s; }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.floor((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0;
  }

  eventsToRegister(): ClusterEvent[] { return ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeLabelChange', 'NamespaceChange', 'UnscheduledPodUpdate']; }
}

export const factory = (args: InterPodAffinityArgs = {}, h: Handle): InterPodAffinity => new InterPodAffinity(args ?? {}, h);
