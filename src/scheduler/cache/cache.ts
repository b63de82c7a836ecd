/**
 * @module scheduler/cache/cache
 * The scheduler's view of the cluster (kube-scheduler's cache): a NodeInfo per node with its pods
 * and their running totals. Pods this scheduler placed are *assumed* at once, before the binding
 * write returns, so the very next cycle sees the room taken; the informer's event for the bound
 * pod then confirms them, and a failed binding forgets them. Since a scheduling cycle runs
 * without yielding to the event loop, the cache itself serves as the cycle's snapshot.
 */
import type { NodeInfoLister } from '../framework/interface.js';
import { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';

interface PodState { pi: PodInfo; node: string; assumed: boolean }

export class SchedulerCache implements NodeInfoLister {
  private nodes = new Map<string, NodeInfo>();
  /** Nodes that exist (have a Node object), in a stable order for the rotating search. */
  private nodeList: NodeInfo[] = [];
  private podStates = new Map<string, PodState>();
  private withAffinity = new Set<NodeInfo>();
  private withAntiAffinity = new Set<NodeInfo>();
  private imageCounts = new Map<string, number>();
  private pvcCounts = new Map<string, number>();

  // ---- NodeInfoLister ----
  list(): readonly NodeInfo[] { return this.nodeList; }
  get(name: string): NodeInfo | undefined { const n = this.nodes.get(name); return n?.node ? n : undefined; }
  havePodsWithAffinity(): Iterable<NodeInfo> { return this.withAffinity; }
  havePodsWithRequiredAntiAffinity(): Iterable<NodeInfo> { return this.withAntiAffinity; }
  imageNodeCount(image: string): number { return this.imageCounts.get(image) ?? 0; }
  pvcUseCount(key: string): number { return this.pvcCounts.get(key) ?? 0; }

  get nodeCount(): number { return this.nodeList.length; }
  get podCount(): number { return this.podStates.size; }

  // ---- nodes ----
  addOrUpdateNode(node: any): void {
    const name = node.metadata.name;
    let ni = this.nodes.get(name);
    if (!ni) this.nodes.set(name, ni = new NodeInfo(name));
    if (!ni.node) this.nodeList.push(ni);
    else this.countImages(ni, -1);
    ni.setNode(node);
    this.countImages(ni, 1);
  }

  removeNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni?.node) return;
    this.countImages(ni, -1);
    ni.node = null;
    this.nodeList = this.nodeList.filter((n) => n !== ni);
    // Pods still bound to a deleted node stay accounted until their own deletes arrive.
    if (!ni.pods.length) this.nodes.delete(name);
  }

  private countImages(ni: NodeInfo, by: number): void {
    for (const name of ni.imageSizes.keys()) {
      const n = (this.imageCounts.get(name) ?? 0) + by;
      if (n > 0) this.imageCounts.set(name, n); else this.imageCounts.delete(name);
    }
  }

  // ---- pods ----
  isAssumed(uid: string): boolean { return this.podStates.get(uid)?.assumed ?? false; }
  hasPod(uid: string): boolean { return this.podStates.has(uid); }

  /** The scheduler chose `pi.nodeName` for this pod: account for it now. */
  assumePod(pi: PodInfo): void {
    if (this.podStates.has(pi.uid)) throw new Error(`pod ${pi.key} is in the cache, so can't be assumed`);
    this.place(pi, pi.nodeName);
    this.podStates.set(pi.uid, { pi, node: pi.nodeName, assumed: true });
  }

  /** The binding failed: undo the assumption. */
  forgetPod(pi: PodInfo): void {
    const st = this.podStates.get(pi.uid);
    if (!st?.assumed) return;
    this.unplace(st.pi, st.node);
    this.podStates.delete(pi.uid);
  }

  /** An assigned pod from the informer (confirms an assumed one). */
  addPod(pi: PodInfo): void {
    const st = this.podStates.get(pi.uid);
    if (st?.assumed && st.node === pi.nodeName) { st.assumed = false; return; }
    if (st) { this.unplace(st.pi, st.node); this.podStates.delete(pi.uid); }
    this.place(pi, pi.nodeName);
    this.podStates.set(pi.uid, { pi, node: pi.nodeName, assumed: false });
  }

  updatePod(pi: PodInfo): void {
    const st = this.podStates.get(pi.uid);
    if (!st) return this.addPod(pi);
    this.unplace(st.pi, st.node);
    this.place(pi, pi.nodeName);
    st.pi = pi; st.node = pi.nodeName; st.assumed = false;
  }

  removePod(uid: string): void {
    const st = this.podStates.get(uid);
    if (!st) return;
    this.unplace(st.pi, st.node);
    this.podStates.delete(uid);
  }

  private place(pi: PodInfo, nodeName: string): void {
    let ni = this.nodes.get(nodeName);
    // A pod may be seen before its node: keep it on a placeholder NodeInfo until the Node arrives.
    if (!ni) this.nodes.set(nodeName, ni = new NodeInfo(nodeName));
    ni.addPod(pi);
    this.track(ni);
    for (const c of pi.pvcs) { const k = `${pi.namespace}/${c}`; this.pvcCounts.set(k, (this.pvcCounts.get(k) ?? 0) + 1); }
  }

  private unplace(pi: PodInfo, nodeName: string): void {
    const ni = this.nodes.get(nodeName);
    if (!ni || !ni.removePod(pi)) return;
    this.track(ni);
    for (const c of pi.pvcs) {
      const k = `${pi.namespace}/${c}`;
      const n = (this.pvcCounts.get(k) ?? 0) - 1;
      if (n > 0) this.pvcCounts.set(k, n); else this.pvcCounts.delete(k);
    }
    if (!ni.node && !ni.pods.length) this.nodes.delete(nodeName);
  }

  private track(ni: NodeInfo): void {
    if (ni.podsWithAffinity.length) this.withAffinity.add(ni); else this.withAffinity.delete(ni);
    if (ni.podsWithRequiredAntiAffinity.length) this.withAntiAffinity.add(ni); else this.withAntiAffinity.delete(ni);
  }
}
