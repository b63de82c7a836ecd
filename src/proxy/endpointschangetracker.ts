/**
 * @module proxy/endpointschangetracker
 * A Service's EndpointSlices as kube-proxy sees them: for each of its ports, the endpoints whose
 * slice port has the same name and protocol, with their conditions as the API defines them
 * (ready unset counts as ready, serving unset follows ready, terminating unset is false), and
 * whether each runs on this node. An address that appears in two slices (as during a slice
 * rebalance) counts once.
 */
import type { EndpointInfo, ServicePortInfo } from './types.js';

/** The label that names a slice's Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** `namespace/service` for a slice, or undefined for a slice that belongs to no Service. */
export function serviceKeyOfSlice(slice: any): string | undefined {
  const svc = slice?.metadata?.labels?.[SERVICE_NAME_LABEL];
  return svc ? `${slice.metadata.namespace}/${svc}` : undefined;
}

/** Endpoints by service port id, from every slice of the Service. */
export function endpointsFor(ports: readonly ServicePortInfo[], slices: readonly any[], nodeName: string): Map<string, EndpointInfo[]> {
  const out = new Map<string, EndpointInfo[]>();
  for (const sp of ports) {
    const byAddr = new Map<string, EndpointInfo>();
    for (const slice of slices) {
      // This proxier is IPv4 only; FQDN slices are never proxied.
      if (slice.addressType !== 'IPv4') continue;
      for (const port of slice.ports ?? []) {
        if ((port.name ?? '') !== sp.portName || (port.protocol ?? 'TCP') !== sp.protocol || !port.port) continue;
        for (const ep of slice.endpoints ?? []) {
          const ip = ep.addresses?.[0];
          if (!ip) continue;
          const c = ep.conditions ?? {};
          const ready = c.ready !== false;
          const info: EndpointInfo = {
            ip, port: port.port, ready, serving: c.serving ?? ready, terminating: c.terminating === true,
            nodeName: ep.nodeName, isLocal: !!ep.nodeName && ep.nodeName === nodeName,
          };
          const k = `${ip}:${port.port}`;
          const prev = byAddr.get(k);
          // Of two copies, the ready one wins: a slice being drained must not hide a ready endpoint.
          if (!prev || (!prev.ready && info.ready)) byAddr.set(k, info);
        }
      }
    }
    if (byAddr.size) out.set(sp.id, [...byAddr.values()]);
  }
  return out;
}
