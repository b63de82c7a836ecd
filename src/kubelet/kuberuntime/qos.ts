/**
 * @module kubelet/kuberuntime/qos
 * A pod's QoS class (upstream's v1 qos helper) and what the kubelet derives from it: the pod's
 * cgroup under the pods' root (Guaranteed pods directly in it, the others in `burstable/` and
 * `besteffort/`, as upstream's cgroupfs layout) and each container's oom_score_adj, so that under
 * memory pressure the kernel kills best-effort work first and guaranteed work last.
 */
import { parseQuantity } from '../../machinery/quantity.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Only these resources decide the class, as upstream's supportedQoSComputeResources. */
const QOS_RESOURCES = ['cpu', 'memory'];

const positive = (v: unknown): boolean => {
  if (v === undefined || v === null) return false;
  try { return parseQuantity(String(v)).sign() > 0; } catch { return false; }
};

/**
 * Guaranteed: every container has cpu and memory limits, and requests equal to them (a missing
 * request counts as its limit). BestEffort: no container requests or limits cpu or memory.
 * Burstable: anything else. Init containers count, as upstream.
 */
export function getPodQOS(pod: any): QOSClass {
  const containers = [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])];
  let anySet = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {}, lim = c.resources?.limits ?? {};
    for (const r of QOS_RESOURCES) {
      const hasReq = positive(req[r]), hasLim = positive(lim[r]);
      if (hasReq || hasLim) anySet = true;
      if (!hasLim) { guaranteed = false; continue; }
      if (hasReq && parseQuantity(String(req[r])).cmp(parseQuantity(String(lim[r]))) !== 0) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * The pod's cgroup parent: `<cgroupRoot>/pod<uid>` for Guaranteed, `<cgroupRoot>/burstable/pod<uid>`
 * and `<cgroupRoot>/besteffort/pod<uid>` otherwise. `cgroupRoot` is the pods' root cgroup (upstream's
 * `/kubepods`); empty means "leave it to the runtime".
 */
export function podCgroupParent(pod: any, cgroupRoot: string): string | undefined {
  if (!cgroupRoot) return undefined;
  const root = cgroupRoot.replace(/\/+$/, '') || '';
  const qos = getPodQOS(pod);
  const dir = qos === 'Guaranteed' ? root : `${root}/${qos.toLowerCase()}`;
  return `${dir}/pod${pod.metadata.uid}`;
}

const GUARANTEED_OOM_SCORE_ADJ = -997;
const BESTEFFORT_OOM_SCORE_ADJ = 1000;

/**
 * A container's oom_score_adj (upstream's GetContainerOOMScoreAdjust): -997 for Guaranteed pods,
 * 1000 for BestEffort, and for Burstable 1000 minus the container's share of the node's memory
 * (its request), kept between 3 and 999 so it stays above guaranteed and below best-effort.
 */
export function containerOOMScoreAdjust(pod: any, container: any, memoryCapacityBytes: number): number {
  const qos = getPodQOS(pod);
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BESTEFFORT_OOM_SCORE_ADJ;
  const req = container.resources?.requests?.memory;
  const memReq = positive(req) ? parseQuantity(String(req)).value() : 0;
  let adj = 1000 - Math.floor((1000 * memReq) / Math.max(memoryCapacityBytes, 1));
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) adj = 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj === BESTEFFORT_OOM_SCORE_ADJ) adj = BESTEFFORT_OOM_SCORE_ADJ - 1;
  return adj;
}
