/**
 * @module scheduler/plugins/interpodaffinity/state
 * Counts of matching pods per topology domain (key=value), computed once per pod in PreFilter so
 * Filter is a lookup per node: how many existing pods' required anti-affinity the incoming pod
 * trips, and how many pods match the incoming pod's own affinity / anti-affinity terms.
 */
import type { StateData } from '../../framework/cycle-state.js';
import type { AffinityTerm, PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';

export type NsLabels = (ns: string) => Record<string, string> | undefined;

/** topologyToMatchedTermCount: "key\0value" -> count; a key is removed at 0 so `size` means "some pod matches". */
export class TopologyCounts {
  readonly m = new Map<string, number>();
  bump(node: NodeInfo, topologyKey: string, by: number): void {
    const v = node.labels[topologyKey];
    if (v === undefined) return;
    const k = `${topologyKey}\0${v}`;
    const n = (this.m.get(k) ?? 0) + by;
    if (n > 0) this.m.set(k, n); else this.m.delete(k);
  }
  get(key: string, value: string): number { return this.m.get(`${key}\0${value}`) ?? 0; }
  get size(): number { return this.m.size; }
  clone(): TopologyCounts { const c = new TopologyCounts(); for (const [k, v] of this.m) c.m.set(k, v); return c; }
}

export function podMatchesAllTerms(terms: readonly AffinityTerm[], pod: PodInfo, ns: NsLabels): boolean {
  if (!terms.length) return false;
  for (const t of terms) if (!t.matches(pod, ns)) return false;
  return true;
}

export class PreFilterState implements StateData {
  existingAntiAffinity = new TopologyCounts();
  affinity = new TopologyCounts();
  antiAffinity = new TopologyCounts();
  constructor(readonly pod: PodInfo) {}

  /** Account for `other` on `node` (by = 1 to add, -1 to remove). */
  update(other: PodInfo, node: NodeInfo, by: number, ns: NsLabels): void {
    for (const t of other.requiredAntiAffinityTerms) if (t.matches(this.pod, ns)) this.existingAntiAffinity.bump(node, t.topologyKey, by);
    if (podMatchesAllTerms(this.pod.requiredAffinityTerms, other, ns)) for (const t of this.pod.requiredAffinityTerms) this.affinity.bump(node, t.topologyKey, by);
    for (const t of this.pod.requiredAntiAffinityTerms) if (t.matches(other, ns)) this.antiAffinity.bump(node, t.topologyKey, by);
  }

  clone(): PreFilterState {
    const c = new PreFilterState(this.pod);
    c.existingAntiAffinity = this.existingAntiAffinity.clone();
    c.affinity = this.affinity.clone();
    c.antiAffinity = this.antiAffinity.clone();
    return c;
  }
}
