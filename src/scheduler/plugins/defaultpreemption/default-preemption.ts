/**
 * @module scheduler/plugins/defaultpreemption
 * DefaultPreemption (PostFilter): when a pod fits no node, find a node where evicting pods of
 * lower priority would make it fit, choosing the node that costs least; delete those victims
 * (marking them DisruptionTarget, with a Preempted event) and nominate the node in the
 * preemptor's status.nominatedNodeName. The preemptor is scheduled in a later cycle, once the
 * victims are gone; meanwhile the nomination keeps lower-priority pods off the freed room.
 */
import type { PostFilterPlugin, PostFilterResult, Handle } from '../../framework/interface.js';
import { Code, Status } from '../../framework/status.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { fitErrorMessage } from '../../framework/fit-error.js';
import { pickOneNodeForPreemption, selectVictimsOnNode, type Candidate } from './candidates.js';

export const NAME = 'DefaultPreemption';
export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';

export interface DefaultPreemptionArgs { minCandidateNodesPercentage?: number; minCandidateNodesAbsolute?: number }

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = NAME;
  private readonly pct: number;
  private readonly abs: number;

  constructor(args: DefaultPreemptionArgs, private readonly h: Handle) {
    this.pct = args.minCandidateNodesPercentage ?? 10;
    this.abs = args.minCandidateNodesAbsolute ?? 100;
  }

  postFilter(state: CycleState, pod: PodInfo, statuses: Map<string, Status>): PostFilterResult {
    const why = this.notEligible(pod, statuses);
    if (why) return { status: new Status(Code.Unschedulable, [`preemption: ${why}`], NAME) };

    const nodes = this.h.snapshot.list();
    const result = new Map<string, Status>();
    const potential: NodeInfo[] = [];
    for (const n of nodes) {
      if (statuses.get(n.name)?.code === Code.UnschedulableAndUnresolvable) result.set(n.name, new Status(Code.UnschedulableAndUnresolvable, [NOT_HELPFUL], NAME));
      else potential.push(n);
    }
    const candidates: Candidate[] = [];
    if (potential.length) {
      const want = Math.max(Math.floor((potential.length * this.pct) / 100), Math.min(this.abs, potential.length));
      const offset = Math.floor(Math.random() * potential.length);
      for (let i = 0; i < potential.length && candidates.length < want; i++) {
        const n = potential[(offset + i) % potential.length];
        const r = selectVictimsOnNode(this.h.framework, state.clone(), pod, n.clone());
        if (r.victims) candidates.push({ node: n.name, victims: r.victims });
        else if (r.status) result.set(n.name, r.status);
      }
    }
    const best = pickOneNodeForPreemption(candidates);
    if (!best) {
      // The pod's old nomination, if any, is stale: nominate nothing.
      return { status: new Status(Code.Unschedulable, [`preemption: ${fitErrorMessage(result.size, '', result)}`], NAME), nominatedNodeName: '' };
    }
    this.prepareCandidate(best, pod);
    return { status: new Status(Code.Success, [], NAME), nominatedNodeName: best.node };
  }

  /** PodEligibleToPreemptOthers: "" if it may, else why not. */
  private notEligible(pod: PodInfo, statuses: Map<string, Status>): string {
    if (pod.pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    const nom = pod.pod.status?.nominatedNodeName;
    if (nom && statuses.get(nom)?.code !== Code.UnschedulableAndUnresolvable) {
      // A victim of an earlier preemption is still terminating there: wait for it rather than evict more.
      const ni = this.h.snapshot.get(nom);
      if (ni?.pods.some((p) => p.terminating && p.priority < pod.priority)) return 'not eligible due to a terminating pod on the nominated node.';
    }
    return '';
  }

  /** Evict the victims; written asynchronously so the scheduling loop goes on. */
  private prepareCandidate(c: Candidate, pod: PodInfo): void {
    const cs = this.h.client;
    for (const v of c.victims) {
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const condition = {
        type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', lastTransitionTime: now,
        message: `${this.h.schedulerName}: preempting to accommodate a higher priority pod`,
      };
      void (async () => {
        try { await cs.pods.patch(v.namespace, v.name, { status: { conditions: [condition] } }, 'strategic', 'status'); } catch { /* best-effort, as upstream */ }
        try {
          await cs.pods.delete(v.namespace, v.name);
          this.h.recorder.event({ ...v.pod, kind: 'Pod', apiVersion: 'v1' }, 'Normal', 'Preempted', `Preempted by pod ${pod.uid} on node ${c.node}`);
        } catch { /* already gone */ }
      })();
    }
    // Lower-priority pods nominated to this node lose their nomination: the room is for this pod.
    for (const p of this.h.nominator.nominatedPodsForNode(c.node)) {
      if (p.priority >= pod.priority || p.uid === pod.uid) continue;
      void cs.pods.patch(p.namespace, p.name, { status: { nominatedNodeName: null } }, 'merge', 'status').catch(() => undefined);
    }
  }
}

export const factory = (args: DefaultPreemptionArgs = {}, h: Handle): DefaultPreemption => new DefaultPreemption(args ?? {}, h);
