/**
 * @module scheduler/schedule-one
 * The scheduling algorithm of one cycle (schedule_one.go), as functions of the framework and the
 * nodes so they can be tested without a server: run PreFilter; run the filters over nodes from a
 * rotating start until enough feasible nodes are found (percentageOfNodesToScore, adaptive by
 * default: 50% minus 1% per 125 nodes, at least 5%, at least 100 nodes); score the feasible ones;
 * pick the highest total, at random among ties.
 */
import type { Framework } from './framework/runtime.js';
import type { CycleState } from './framework/cycle-state.js';
import type { PodInfo } from './framework/pod-info.js';
import type { NodeInfo } from './framework/node-info.js';
import { Code, type Status } from './framework/status.js';
import { FitError } from './framework/fit-error.js';

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
export const BASE_PERCENTAGE_OF_NODES_TO_SCORE = 50;

/** How many feasible nodes are enough (numFeasibleNodesToFind). `percentage` 0 means adaptive. */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let p = percentage;
  if (p <= 0) {
    p = BASE_PERCENTAGE_OF_NODES_TO_SCORE - Math.floor(numAllNodes / 125);
    if (p < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) p = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.floor((numAllNodes * p) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

export interface FindResult { feasible: NodeInfo[]; statuses: Map<string, Status>; processed: number }

/**
 * findNodesThatFitPod. Throws FitError when nothing fits (with every node's rejection) and a
 * plain Error when a plugin failed internally.
 */
export function findNodesThatFitPod(fw: Framework, state: CycleState, pod: PodInfo, allNodes: readonly NodeInfo[], percentage: number, start: number, withNominated: boolean): FindResult {
  const statuses = new Map<string, Status>();
  const pre = fw.runPreFilterPlugins(state, pod);
  if (pre) {
    if (pre.code === Code.Error) throw new Error(`running PreFilter plugin "${pre.plugin}": ${pre.message()}`);
    for (const n of allNodes) statuses.set(n.name, pre);
    throw new FitError(allNodes.length, statuses, pre.message(), new Set([pre.plugin]));
  }
  let nodes = allNodes;
  let rotate = true;
  if (state.preFilterNodeNames) {
    const only = state.preFilterNodeNames;
    nodes = allNodes.filter((n) => only.has(n.name));
    rotate = false;
  }
  const n = nodes.length;
  const want = numFeasibleNodesToFind(percentage, n);
  const filters = fw.activeFilters(state);
  const feasible: NodeInfo[] = [];
  const plugins = new Set<string>();
  const from = rotate && n ? start % n : 0;
  let processed = 0;
  const tr = state.trace;
  if (tr) tr.filterStart = performance.now();
  for (let i = 0; i < n; i++) {
    const node = nodes[(from + i) % n];
    processed++;
    const st = withNominated ? fw.runFilterPluginsWithNominatedPods(state, pod, node, filters) : fw.runFilterPlugins(state, pod, node, filters);
    tr?.verdict(node.name, st);
    if (!st) {
      feasible.push(node);
      if (feasible.length >= want) break;
      continue;
    }
    if (st.code === Code.Error) throw new Error(`running Filter plugin "${st.plugin}": ${st.message()}`);
    statuses.set(node.name, st);
    plugins.add(st.plugin);
  }
  if (tr) tr.filterEnd = performance.now();
  if (!feasible.length) throw new FitError(allNodes.length, statuses, '', plugins);
  return { feasible, statuses, processed };
}

/** prioritizeNodes: each feasible node's weighted total score. */
export function prioritizeNodes(fw: Framework, state: CycleState, pod: PodInfo, nodes: NodeInfo[]): number[] {
  const tr = state.trace;
  if (tr) tr.scoreStart = performance.now();
  const st = fw.runPreScorePlugins(state, pod, nodes);
  if (st) throw new Error(`running PreScore plugin "${st.plugin}": ${st.message()}`);
  const totals = fw.runScorePlugins(state, pod, nodes);
  if (tr) tr.scoreEnd = performance.now();
  return totals;
}

/** selectHost: the highest score; ties broken uniformly at random (reservoir sampling). */
export function selectHost(nodes: NodeInfo[], scores: number[], random = Math.random): NodeInfo {
  let best = 0, ties = 1;
  for (let i = 1; i < nodes.length; i++) {
    if (scores[i] > scores[best]) { best = i; ties = 1; } else if (scores[i] === scores[best]) { ties++; if (random() * ties < 1) best = i; }
  }
  return nodes[best];
}

export interface ScheduleResult { node: string; evaluated: number; feasible: number }

/** schedulePod: the node for the pod, or a thrown FitError / Error. */
export function schedulePod(fw: Framework, state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], percentage: number, start: number, withNominated: boolean): ScheduleResult & { processed: number } {
  if (!nodes.length) throw new FitError(0, new Map(), '');
  const r = findNodesThatFitPod(fw, state, pod, nodes, percentage, start, withNominated);
  if (r.feasible.length === 1) return { node: r.feasible[0].name, evaluated: r.processed, feasible: 1, processed: r.processed };
  const scores = prioritizeNodes(fw, state, pod, r.feasible);
  return { node: selectHost(r.feasible, scores).name, evaluated: r.processed, feasible: r.feasible.length, processed: r.processed };
}
