/**
 * @module scheduler/framework/cycle-state
 * framework.CycleState: scratch space for one pod's scheduling cycle. PreFilter/PreScore compute
 * something once (e.g. topology counts) and Filter/Score read it for each node. Preemption clones
 * it to ask "what if these pods were gone", so stored values that change must be cloneable.
 */

import type { CycleTrace } from '../tracing.js';

export interface StateData { clone(): StateData }

export class CycleState {
  private data = new Map<string, unknown>();
  /** Plugins whose PreFilter said Skip: their Filter is not run for this pod. */
  readonly skipFilterPlugins = new Set<string>();
  /** Plugins whose PreScore said Skip. */
  readonly skipScorePlugins = new Set<string>();
  /** PreFilterResult: the only nodes worth evaluating (NodeAffinity's matchFields on metadata.name), or null for all. */
  preFilterNodeNames: Set<string> | null = null;
  /** Set when the pod's cycle is traced: the runtime times each plugin and keeps the decision (scheduler/tracing). */
  trace?: CycleTrace;

  read<T>(key: string): T | undefined { return this.data.get(key) as T | undefined; }
  write(key: string, v: unknown): void { this.data.set(key, v); }

  /** Narrow the nodes to evaluate; several plugins' sets intersect. */
  restrictNodes(names: Set<string>): void {
    this.preFilterNodeNames = this.preFilterNodeNames ? new Set([...names].filter((n) => this.preFilterNodeNames!.has(n))) : names;
  }

  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v && typeof (v as StateData).clone === 'function' ? (v as StateData).clone() : v);
    for (const p of this.skipFilterPlugins) c.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) c.skipScorePlugins.add(p);
    c.preFilterNodeNames = this.preFilterNodeNames;
    return c;
  }
}
