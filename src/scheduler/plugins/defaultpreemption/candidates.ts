/**
 * @module scheduler/plugins/defaultpreemption/candidates
 * Preemption's what-if on one node (SelectVictimsOnNode) and the choice between nodes
 * (pickOneNodeForPreemption). On a copy of the node: remove every lower-priority pod; if the
 * preemptor still does not fit, the node cannot help. Otherwise add the removed pods back, most
 * important first, keeping each one that still leaves room ("reprieved"); the rest are victims.
 */
import type { FrameworkRunner } from '../../framework/interface.js';
import { Code, Status } from '../../framework/status.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { podStartTime, type PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';

export const NO_VICTIMS_MESSAGE = 'No preemption victims found for incoming pod';

export interface Candidate { node: string; victims: PodInfo[] }

/** MoreImportantPod: higher priority, then the one running longer. */
export function moreImportant(a: PodInfo, b: PodInfo): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return podStartTime(a.pod) - podStartTime(b.pod);
}

export function selectVictimsOnNode(fw: FrameworkRunner, state: CycleState, pod: PodInfo, node: NodeInfo): { victims?: PodInfo[]; status?: Status } {
  const lower = node.pods.filter((p) => p.priority < pod.priority);
  if (!lower.length) return { status: new Status(Code.UnschedulableAndUnresolvable, [NO_VICTIMS_MESSAGE], 'DefaultPreemption') };
  for (const p of lower) {
    node.removePod(p);
    fw.runPreFilterExtensionRemovePod(state, pod, p, node);
  }
  const st = fw.runFilterPluginsWithNominatedPods(state, pod, node);
  if (st) return { status: st };
  lower.sort(moreImportant);
  const victims: PodInfo[] = [];
  for (const p of lower) {
    node.addPod(p);
    fw.runPreFilterExtensionAddPod(state, pod, p, node);
    if (fw.runFilterPluginsWithNominatedPods(state, pod, node)) {
      node.removePod(p);
      fw.runPreFilterExtensionRemovePod(state, pod, p, node);
      victims.push(p);
    }
  }
  return { victims };
}

const MAX_INT32 = 2147483647;

/** pickOneNodeForPreemption's criteria, in order (PodDisruptionBudgets are not considered). */
export function pickOneNodeForPreemption(cands: Candidate[]): Candidate | undefined {
  if (!cands.length) return undefined;
  const narrow = (list: Candidate[], key: (c: Candidate) => number): Candidate[] => {
    let best = Infinity;
    let out: Candidate[] = [];
    for (const c of list) {
      const k = key(c);
      if (k < best) { best = k; out = [c]; } else if (k === best) out.push(c);
    }
    return out;
  };
  let list = cands.filter((c) => c.victims.length === 0);
  if (list.length) return list[0];
  // Lowest "highest victim priority"; then lowest sum of (shifted) priorities; then fewest victims.
  list = narrow(cands, (c) => c.victims[0].priority);
  if (list.length > 1) list = narrow(list, (c) => c.victims.reduce((a, v) => a + v.priority + MAX_INT32 + 1, 0));
  if (list.length > 1) list = narrow(list, (c) => c.victims.length);
  if (list.length > 1) {
    // The node whose highest-priority victims started most recently (least work lost).
    list = narrow(list, (c) => {
      const top = c.victims[0].priority;
      let earliest = Infinity;
      for (const v of c.victims) if (v.priority === top) earliest = Math.min(earliest, podStartTime(v.pod));
      return -earliest;
    });
  }
  return list[0];
}
