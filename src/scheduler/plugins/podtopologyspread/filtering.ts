/**
 * @module scheduler/plugins/podtopologyspread/filtering
 * PodTopologySpread's hard constraints (DoNotSchedule): PreFilter counts the matching pods per
 * domain over every eligible node once; Filter rejects a node when placing the pod there would
 * make its domain exceed the global minimum by more than maxSkew (the minimum counting as 0
 * while there are fewer domains than minDomains).
 */
import type { StateData } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { countMatching, hasAllKeys, nodeCounts, type Constraint } from './constraints.js';

export class FilterState implements StateData {
  /** Per constraint: topology value -> matching pods. */
  counts: Map<string, number>[];
  /** Per constraint: the smallest count over its domains. */
  minMatch: number[];
  constructor(readonly constraints: Constraint[]) {
    this.counts = constraints.map(() => new Map());
    this.minMatch = constraints.map(() => Infinity);
  }

  static compute(pod: PodInfo, constraints: Constraint[], nodes: readonly NodeInfo[]): FilterState {
    const s = new FilterState(constraints);
    for (const node of nodes) {
      if (!hasAllKeys(node, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i];
        if (!nodeCounts(c, pod, node)) continue;
        const v = node.labels[c.topologyKey];
        s.counts[i].set(v, (s.counts[i].get(v) ?? 0) + countMatching(node, c, pod.namespace));
      }
    }
    for (let i = 0; i < constraints.length; i++) s.recomputeMin(i);
    return s;
  }

  recomputeMin(i: number): void {
    let m = Infinity;
    for (const n of this.counts[i].values()) if (n < m) m = n;
    this.minMatch[i] = m;
  }

  /** Preemption's what-if: `other` added (+1) or removed (-1) on `node`. */
  update(pod: PodInfo, other: PodInfo, node: NodeInfo, by: number): void {
    if (other.namespace !== pod.namespace || !hasAllKeys(node, this.constraints)) return;
    for (let i = 0; i < this.constraints.length; i++) {
      const c = this.constraints[i];
      if (!nodeCounts(c, pod, node) || !c.selector.matches(other.labels)) continue;
      const v = node.labels[c.topologyKey];
      this.counts[i].set(v, (this.counts[i].get(v) ?? 0) + by);
      this.recomputeMin(i);
    }
  }

  domains(i: number): number { return this.counts[i].size; }

  clone(): FilterState {
    const c = new FilterState(this.constraints);
    c.counts = this.counts.map((m) => new Map(m));
    c.minMatch = [...this.minMatch];
    return c;
  }
}
