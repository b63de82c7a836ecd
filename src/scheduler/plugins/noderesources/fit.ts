/**
 * @module scheduler/plugins/noderesources/fit
 * NodeResourcesFit. Filter: the pod's requests plus what the node's pods already request must
 * not exceed the node's allocatable, for cpu, memory, ephemeral-storage, every extended resource,
 * and the pod count. Score (scoring strategy, default LeastAllocated over cpu and memory, weight 1
 * each): the emptier the node would be, the higher (MostAllocated packs instead). Scoring uses
 * the non-zero requests (100m / 200Mi for containers that set none), so best-effort pods spread.
 */
import type { PreFilterPlugin, FilterPlugin, ScorePlugin, EnqueueExtensions, ClusterEvent } from '../../framework/interface.js';
import { MAX_NODE_SCORE } from '../../framework/interface.js';
import { Code, Status } from '../../framework/status.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { CPU, MEMORY } from '../../framework/resource.js';

export const NAME = 'NodeResourcesFit';

export interface ResourceSpec { name: string; weight: number }
export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
  scoringStrategy?: { type?: 'LeastAllocated' | 'MostAllocated'; resources?: ResourceSpec[] };
}

export const DEFAULT_RESOURCES: ResourceSpec[] = [{ name: CPU, weight: 1 }, { name: MEMORY, weight: 1 }];

/** The statuses are few and repeat on thousands of nodes: share them. */
const statusCache = new Map<string, Status>();
function rejection(reasons: string[]): Status {
  const k = reasons.join('\0');
  let s = statusCache.get(k);
  if (!s) { s = new Status(Code.Unschedulable, reasons, NAME); if (statusCache.size < 1024) statusCache.set(k, s); }
  return s;
}

/** Requested amount of a resource on the node if the pod were added, for scoring. */
export function requestedForScore(pod: PodInfo, node: NodeInfo, name: string, nonZero: boolean): number {
  if (name === CPU) return nonZero ? node.nonZeroMilliCPU + pod.nonZeroMilliCPU : node.requested.milliCPU + pod.requests.milliCPU;
  if (name === MEMORY) return nonZero ? node.nonZeroMemory + pod.nonZeroMemory : node.requested.memory + pod.requests.memory;
  return node.requested.get(name) + pod.requests.get(name);
}

export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly ignored: Set<string>;
  private readonly ignoredGroups: string[];
  private readonly resources: ResourceSpec[];
  private readonly most: boolean;

  constructor(args: NodeResourcesFitArgs = {}) {
    this.ignored = new Set(args.ignoredResources ?? []);
    this.ignoredGroups = args.ignoredResourceGroups ?? [];
    this.resources = args.scoringStrategy?.resources ?? DEFAULT_RESOURCES;
    this.most = args.scoringStrategy?.type === 'MostAllocated';
  }

  /** The pod's requests are computed once with its PodInfo; nothing more to prepare. */
  preFilter(): Status | null { return null; }

  filter(_s: CycleState, pod: PodInfo, node: NodeInfo): Status | null {
    const alloc = node.allocatable, used = node.requested, req = pod.requests;
    let reasons: string[] | null = null;
    if (node.pods.length + 1 > alloc.allowedPodNumber) (reasons ??= []).push('Too many pods');
    if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) (reasons ??= []).push(`Insufficient ${CPU}`);
    if (req.memory > 0 && req.memory > alloc.memory - used.memory) (reasons ??= []).push(`Insufficient ${MEMORY}`);
    if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) (reasons ??= []).push('Insufficient ephemeral-storage');
    if (req.scalar) {
      for (const [name, v] of req.scalar) {
        if (v <= 0 || this.ignored.has(name) || this.ignoredGroups.includes(name.split('/')[0])) continue;
        if (v > alloc.get(name) - used.get(name)) (reasons ??= []).push(`Insufficient ${name}`);
      }
    }
    return reasons ? rejection(reasons) : null;
  }

  score(_s: CycleState, pod: PodInfo, node: NodeInfo): number {
    let total = 0, weights = 0;
    for (const r of this.resources) {
      const alloc = node.allocatable.get(r.name);
      if (alloc === 0) continue;
      const requested = requestedForScore(pod, node, r.name, true);
      let s: number;
      if (this.most) s = requested > alloc ? MAX_NODE_SCORE : Math.floor((requested * MAX_NODE_SCORE) / alloc);
      else s = requested > alloc ? 0 : Math.floor(((alloc - requested) * MAX_NODE_SCORE) / alloc);
      total += s * r.weight;
      weights += r.weight;
    }
    return weights ? Math.floor(total / weights) : 0;
  }

  eventsToRegister(): ClusterEvent[] { return ['AssignedPodDelete', 'AssignedPodUpdate', 'NodeAdd', 'NodeAllocatableChange']; }
}

export const factory = (args: NodeResourcesFitArgs = {}): NodeResourcesFit => new NodeResourcesFit(args);
