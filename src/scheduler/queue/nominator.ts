/**
 * @module scheduler/queue/nominator
 * Which pods are nominated to which node (status.nominatedNodeName, set by preemption). The
 * filters count a node's nominated pods of equal or higher priority as already there, so the room
 * a preemption freed is not taken by someone else while the victims terminate.
 */
import type { PodNominator } from '../framework/interface.js';
import type { PodInfo } from '../framework/pod-info.js';

export class Nominator implements PodNominator {
  private byNode = new Map<string, PodInfo[]>();
  private nodeOf = new Map<string, string>();

  /** Nominate (or move the nomination of) a pod; nodeName '' removes it. */
  add(pi: PodInfo, nodeName: string): void {
    this.delete(pi);
    if (!nodeName) return;
    this.nodeOf.set(pi.uid, nodeName);
    const list = this.byNode.get(nodeName);
    if (list) list.push(pi); else this.byNode.set(nodeName, [pi]);
  }

  delete(pi: PodInfo): void {
    const node = this.nodeOf.get(pi.uid);
    if (node === undefined) return;
    this.nodeOf.delete(pi.uid);
    const list = this.byNode.get(node)!.filter((p) => p.uid !== pi.uid);
    if (list.length) this.byNode.set(node, list); else this.byNode.delete(node);
  }

  nominatedNodeOf(pi: PodInfo): string | undefined { return this.nodeOf.get(pi.uid); }
  nominatedPodsForNode(nodeName: string): readonly PodInfo[] { return this.byNode.get(nodeName) ?? []; }
  get empty(): boolean { return this.byNode.size === 0; }
}
