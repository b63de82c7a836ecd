/**
 * @module controllers/endpoint/subsets
 * The subsets of a Service's Endpoints, computed from its pods: each pod gives one address per
 * Service port it has (a pod without a named targetPort simply lacks that port), ready or not
 * ready, and the addresses are then repacked so that addresses sharing exactly the same ports sit
 * in one subset (Kubernetes' RepackSubsets). The order is canonical, so an unchanged set of pods
 * gives byte-identical subsets and the controller can skip the write.
 */
import { isPodReady } from '../podutil.js';
import { findPort, podIPOfFamily, podReference, serviceFamily, shouldPodBeInEndpoints, shouldSetHostname } from './endpointutil.js';

export interface EndpointAddress { ip: string; hostname?: string; nodeName?: string; targetRef?: any }
export interface EndpointPort { name?: string; port: number; protocol: string; appProtocol?: string }
export interface EndpointSubset { addresses?: EndpointAddress[]; notReadyAddresses?: EndpointAddress[]; ports?: EndpointPort[] }

/** Endpoints hold at most this many addresses; beyond it they are truncated and annotated over-capacity. */
export const MAX_CAPACITY = 1000;

function addressFor(pod: any, svc: any): EndpointAddress | undefined {
  const ip = podIPOfFamily(pod, serviceFamily(svc));
  if (!ip) return undefined;
  const a: EndpointAddress = { ip };
  if (shouldSetHostname(pod, svc)) a.hostname = pod.spec.hostname;
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName;
  a.targetRef = podReference(pod);
  return a;
}

function portFor(svcPort: any, port: number): EndpointPort {
  const p: EndpointPort = svcPort.name ? { name: svcPort.name, port, protocol: svcPort.protocol ?? 'TCP' } : { port, protocol: svcPort.protocol ?? 'TCP' };
  if (svcPort.appProtocol) p.appProtocol = svcPort.appProtocol;
  return p;
}

/** The subsets of the Endpoints for `svc` given the pods its selector picks. */
export function computeSubsets(svc: any, pods: any[]): { subsets: EndpointSubset[]; ready: number; notReady: number } {
  const tolerateUnready = !!svc.spec?.publishNotReadyAddresses;
  const headless = svc.spec?.clusterIP === 'None';
  const raw: { address: EndpointAddress; ready: boolean; ports: EndpointPort[] }[] = [];
  let ready = 0;
  let notReady = 0;
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const address = addressFor(pod, svc);
    if (!address) continue;
    const isReady = tolerateUnready || isPodReady(pod);
    const svcPorts: any[] = svc.spec?.ports ?? [];
    if (!svcPorts.length) {
      // A headless Service without ports still lists its pods (for DNS).
      if (!headless) continue;
      raw.push({ address, ready: isReady, ports: [] });
    } else {
      for (const sp of svcPorts) {
        const n = findPort(pod, sp);
        if (n === undefined) continue;
        raw.push({ address, ready: isReady, ports: [portFor(sp, n)] });
      }
    }
    if (isReady) ready++; else notReady++;
  }
  return { subsets: repackSubsets(raw), ready, notReady };
}

const portKey = (p: EndpointPort) => `${p.name ?? ''}\0${p.port}\0${p.protocol}\0${p.appProtocol ?? ''}`;
const addressKey = (a: EndpointAddress) => `${a.ip}\0${a.targetRef?.uid ?? ''}`;
const byAddress = (a: EndpointAddress, b: EndpointAddress) => (addressKey(a) < addressKey(b) ? -1 : addressKey(a) > addressKey(b) ? 1 : 0);

/**
 * Regroup (address, port) pairs so that each subset holds the addresses that have exactly the same
 * set of ports. An address both ready and not ready for different ports (cannot happen for one pod)
 * would keep both; a ready entry wins over a not-ready one for the same address and port.
 */
export function repackSubsets(raw: { address: EndpointAddress; ready: boolean; ports: EndpointPort[] }[]): EndpointSubset[] {
  // address -> its ports, and whether it is ready
  const perAddress = new Map<string, { address: EndpointAddress; ready: boolean; ports: Map<string, EndpointPort> }>();
  for (const r of raw) {
    const k = addressKey(r.address);
    let e = perAddress.get(k);
    if (!e) perAddress.set(k, e = { address: r.address, ready: r.ready, ports: new Map() });
    e.ready = e.ready || r.ready;
    for (const p of r.ports) e.ports.set(portKey(p), p);
  }
  // port set -> addresses
  const bySet = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const e of perAddress.values()) {
    const keys = [...e.ports.keys()].sort();
    const setKey = keys.join('\u0001');
    let s = bySet.get(setKey);
    if (!s) bySet.set(setKey, s = { ports: keys.map((k) => e.ports.get(k)!), ready: [], notReady: [] });
    (e.ready ? s.ready : s.notReady).push(e.address);
  }
  return [...bySet.keys()].sort().map((k) => {
    const s = bySet.get(k)!;
    const sub: EndpointSubset = {};
    if (s.ready.length) sub.addresses = s.ready.sort(byAddress);
    if (s.notReady.length) sub.notReadyAddresses = s.notReady.sort(byAddress);
    if (s.ports.length) sub.ports = s.ports;
    return sub;
  });
}

/** Keep at most MAX_CAPACITY addresses (ready ones first), as the controller does for very large Services. */
export function truncateSubsets(subsets: EndpointSubset[]): { subsets: EndpointSubset[]; truncated: boolean } {
  const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (total <= MAX_CAPACITY) return { subsets, truncated: false };
  let room = MAX_CAPACITY;
  const out = subsets.map((s) => ({ ...s }));
  for (const field of ['addresses', 'notReadyAddresses'] as const) {
    for (const s of out) {
      const list = s[field];
      if (!list) continue;
      s[field] = list.slice(0, Math.max(0, room));
      room -= s[field]!.length;
      if (!s[field]!.length) delete s[field];
    }
  }
  return { subsets: out.filter((s) => s.addresses || s.notReadyAddresses), truncated: true };
}
