/**
 * @module scheduler/framework/node-info
 * framework.NodeInfo: one node and what is on it, kept as running aggregates so a filter is a few
 * comparisons: the pods (and, separately, those with inter-pod affinity, which InterPodAffinity
 * must visit), the sum of their requests, the host ports in use, the PVCs mounted, the images the
 * node reports. The scheduler's cache updates these on every pod add/remove; nothing rescans.
 */
import { Resource } from './resource.js';
import type { PodInfo, HostPort } from './pod-info.js';

import type { Taint } from '../../machinery/scheduling/taints.js';

export type { Taint };

const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export class NodeInfo {
  node: any = null;
  name: string;
  labels: Record<string, string> = NO_LABELS;
  allocatable = new Resource();
  taints: readonly Taint[] = [];
  /** Image name -> size in bytes, from node.status.images (every name of each image). */
  imageSizes = new Map<string, number>();

  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  /** Sum of the pods' requests (for fitting and BalancedAllocation). */
  requested = new Resource();
  /** cpu/memory with the defaults for unset requests (for LeastAllocated). */
  nonZeroMilliCPU = 0;
  nonZeroMemory = 0;
  /** "TCP/8080" -> host IP -> how many pods use it. */
  usedPorts = new Map<string, Map<string, number>>();
  /** "ns/claim" -> how many pods here mount it. */
  pvcRefCounts = new Map<string, number>();
  /** Bumped on every change (lets callers notice a node changed under them). */
  generation = 0;

  constructor(name: string) { this.name = name; }

  setNode(node: any): void {
    this.node = node;
    this.name = node.metadata.name;
    this.labels = node.metadata.labels ?? NO_LABELS;
    this.allocatable = Resource.fromList(node.status?.allocatable ?? node.status?.capacity);
    this.taints = node.spec?.taints ?? [];
    const images = new Map<string, number>();
    for (const img of node.status?.images ?? []) for (const n of img.names ?? []) images.set(n, img.sizeBytes ?? 0);
    this.imageSizes = images;
    this.generation++;
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.hasAffinity()) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity.push(pi);
    this.account(pi, 1);
  }

  /** Remove by uid; false if the pod was not here. */
  removePod(pi: PodInfo): boolean {
    const i = this.pods.findIndex((p) => p.uid === pi.uid);
    if (i < 0) return false;
    const old = this.pods[i];
    this.pods[i] = this.pods[this.pods.length - 1];
    this.pods.pop();
    removeByUid(this.podsWithAffinity, pi.uid);
    removeByUid(this.podsWithRequiredAntiAffinity, pi.uid);
    this.account(old, -1);
    return true;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    this.requested.add(pi.requests, sign);
    this.nonZeroMilliCPU += sign * pi.nonZeroMilliCPU;
    this.nonZeroMemory += sign * pi.nonZeroMemory;
    for (const hp of pi.hostPorts) {
      const pp = `${hp.protocol}/${hp.port}`;
      let ips = this.usedPorts.get(pp);
      if (!ips) this.usedPorts.set(pp, ips = new Map());
      const n = (ips.get(hp.ip) ?? 0) + sign;
      if (n > 0) ips.set(hp.ip, n); else { ips.delete(hp.ip); if (!ips.size) this.usedPorts.delete(pp); }
    }
    for (const claim of pi.pvcs) {
      const k = `${pi.namespace}/${claim}`;
      const n = (this.pvcRefCounts.get(k) ?? 0) + sign;
      if (n > 0) this.pvcRefCounts.set(k, n); else this.pvcRefCounts.delete(k);
    }
    this.generation++;
  }

  /** HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every IP on the same protocol/port. */
  portConflicts(hp: HostPort): boolean {
    const ips = this.usedPorts.get(`${hp.protocol}/${hp.port}`);
    if (!ips) return false;
    return hp.ip === '0.0.0.0' ? ips.size > 0 : ips.has(hp.ip) || ips.has('0.0.0.0');
  }

  /** A copy whose pod set can be changed (preemption's what-if). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node; c.labels = this.labels; c.allocatable = this.allocatable; c.taints = this.taints; c.imageSizes = this.imageSizes;
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.requested = this.requested.clone();
    c.nonZeroMilliCPU = this.nonZeroMilliCPU; c.nonZeroMemory = this.nonZeroMemory;
    c.usedPorts = new Map([...this.usedPorts].map(([k, v]) => [k, new Map(v)]));
    c.pvcRefCounts = new Map(this.pvcRefCounts);
    c.generation = this.generation;
    return c;
  }
}

function removeByUid(list: PodInfo[], uid: string): void {
  const i = list.findIndex((p) => p.uid === uid);
  if (i >= 0) list.splice(i, 1);
}
