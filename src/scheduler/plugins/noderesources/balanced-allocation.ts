/**
 * @module scheduler/plugins/noderesources/balanced-allocation
 * NodeResourcesBalancedAllocation: prefer the node where, with this pod, cpu and memory would be
 * used in the most even proportion (score = (1 - standard deviation of the fractions) * 100), so
 * no node ends up full of memory with idle CPUs. Uses the real requests, not the non-zero ones.
 */
import type { ScorePlugin, EnqueueExtensions, ClusterEvent } from '../../framework/interface.js';
import { MAX_NODE_SCORE } from '../../framework/interface.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { DEFAULT_RESOURCES, requestedForScore, type ResourceSpec } from './fit.js';

export const NAME = 'NodeResourcesBalancedAllocation';

export interface BalancedAllocationArgs { resources?: ResourceSpec[] }

export class BalancedAllocation implements ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly resources: ResourceSpec[];
  constructor(args: BalancedAllocationArgs = {}) { this.resources = args.resources ?? DEFAULT_RESOURCES; }

  score(_s: CycleState, pod: PodInfo, node: NodeInfo): number {
    let n = 0, sum = 0, f0 = 0, f1 = 0;
    // Two resources (the default) need no array: std = |f0 - f1| / 2.
    const fractions: number[] | null = this.resources.length > 2 ? [] : null;
    for (const r of this.resources) {
      const alloc = node.allocatable.get(r.name);
      if (alloc === 0) continue;
      const f = Math.min(1, requestedForScore(pod, node, r.name, false) / alloc);
      if (n === 0) f0 = f; else if (n === 1) f1 = f;
      fractions?.push(f);
      sum += f; n++;
    }
    let std = 0;
    if (n === 2) std = Math.abs(f0 - f1) / 2;
    else if (n > 2) {
      const mean = sum / n;
      let v = 0;
      for (const f of fractions!) v += (f - mean) * (f - mean);
      std = Math.sqrt(v / n);
    }
    return Math.floor((1 - std) * MAX_NODE_SCORE);
  }

  eventsToRegister(): ClusterEvent[] { return ['AssignedPodDelete', 'NodeAdd', 'NodeAllocatableChange']; }
}

export const factory = (args: BalancedAllocationArgs = {}): BalancedAllocation => new BalancedAllocation(args);
