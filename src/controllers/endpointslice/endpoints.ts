/**
 * @module controllers/endpointslice/endpoints
 * One pod as an EndpointSlice endpoint (Kubernetes' podToEndpoint and getEndpointPorts): its
 * address, the ready/serving/terminating conditions, node, zone, hostname and a reference back to
 * it; and the ports a pod serves for a Service. The keys say when two endpoints are "the same
 * endpoint" (same address and pod) and when two slices carry the same set of ports.
 */
import { isPodReady } from '../podutil.js';
import { findPort, podIPOfFamily, podReference, shouldSetHostname } from '../endpoint/endpointutil.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface SlicePort { name: string; port: number; protocol: string; appProtocol?: string }

export function podToEndpoint(pod: any, node: any | undefined, svc: any, addressType: 'IPv4' | 'IPv6'): any | undefined {
  const ip = podIPOfFamily(pod, addressType);
  if (!ip) return undefined;
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  // A Service that publishes not-ready addresses calls every endpoint ready, as Kubernetes does.
  const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
  const ep: any = { addresses: [ip], conditions: { ready, serving, terminating } };
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname;
  ep.targetRef = podReference(pod);
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[ZONE_LABEL];
  if (zone) ep.zone = zone;
  return ep;
}

/** The ports the pod serves for the Service; a port whose named targetPort the pod lacks is left out. */
export function endpointPorts(svc: any, pod: any): SlicePort[] {
  const out: SlicePort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const n = findPort(pod, sp);
    if (n === undefined) continue;
    const p: SlicePort = { name: sp.name ?? '', port: n, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

const onePortKey = (p: any) => `${p.name ?? ''}\0${p.port ?? ''}\0${p.protocol ?? 'TCP'}\0${p.appProtocol ?? ''}`;

/** The same string for the same set of ports in any order. */
export function portsKey(ports: any[] | null | undefined): string {
  return (ports ?? []).map(onePortKey).sort().join('\u0001');
}

/** Ports in a canonical order (by name, then number), so equal sets serialise identically. */
export function sortPorts<T extends SlicePort>(ports: T[]): T[] {
  return [...ports].sort((a, b) => (onePortKey(a) < onePortKey(b) ? -1 : onePortKey(a) > onePortKey(b) ? 1 : 0));
}

/** An endpoint's identity: its addresses and the pod it stands for (conditions, zone etc. may change in place). */
export function endpointKey(ep: any): string {
  return `${[...(ep.addresses ?? [])].sort().join(',')}\0${ep.hostname ?? ''}\0${ep.targetRef?.namespace ?? ''}/${ep.targetRef?.name ?? ''}`;
}
