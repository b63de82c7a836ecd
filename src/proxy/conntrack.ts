/**
 * @module proxy/conntrack
 * Clearing stale UDP conntrack entries, as kube-proxy's conntrack cleanup does after a sync. UDP has
 * no connection teardown, so a client that keeps sending to a ClusterIP stays pinned by conntrack to
 * an endpoint that is gone (or to "no endpoint" after a REJECT) until the entry expires. TCP needs
 * nothing: its connections fail and reconnect through the new rules.
 */
import { usable } from './topology.js';
import type { CommandRunner } from './exec.js';
import type { EndpointInfo, ProxyState, ServicePortInfo } from './types.js';

/** What the last sync programmed for one UDP service port. */
export interface UdpServiceSnapshot { svc: ServicePortInfo; endpointIPs: Set<string> }

/** The UDP service ports of a state and the endpoint IPs that receive their traffic. */
export function udpSnapshot(state: ProxyState): Map<string, UdpServiceSnapshot> {
  const out = new Map<string, UdpServiceSnapshot>();
  for (const [id, svc] of state.services) {
    if (svc.protocol !== 'UDP') continue;
    out.set(id, { svc, endpointIPs: new Set(usable(state.endpoints.get(id) ?? ([] as EndpointInfo[])).map((e) => e.ip)) });
  }
  return out;
}

/** conntrack -D ...; "0 flow entries have been deleted" exits 1 and is not an error. */
const del = (r: CommandRunner, args: string[]) => r.run('conntrack', ['-D', '-p', 'udp', ...args], { okCodes: [1] }).then(() => undefined);

/** The conntrack deletions a sync from `before` to `after` calls for, as argument lists. */
export function staleConntrackDeletions(before: Map<string, UdpServiceSnapshot>, after: Map<string, UdpServiceSnapshot>): string[][] {
  const out: string[][] = [];
  for (const [id, prev] of before) {
    const next = after.get(id);
    const svc = prev.svc;
    const vips = [svc.clusterIP, ...svc.externalIPs, ...svc.loadBalancerIPs].filter(Boolean);
    for (const ip of prev.endpointIPs) {
      if (next?.endpointIPs.has(ip)) continue;
      // An endpoint that went away: entries DNATed to it would blackhole the client's flow.
      for (const vip of vips) out.push(['--orig-dst', vip, '--dst-nat', ip]);
      if (svc.nodePort) out.push(['--dport', String(svc.nodePort), '--dst-nat', ip]);
    }
  }
  for (const [id, next] of after) {
    const prev = before.get(id);
    if (next.endpointIPs.size === 0 || (prev && prev.endpointIPs.size > 0)) continue;
    // A service that had no endpoints: entries created while it was REJECTing would keep failing.
    const svc = next.svc;
    for (const vip of [svc.clusterIP, ...svc.externalIPs, ...svc.loadBalancerIPs].filter(Boolean)) out.push(['--orig-dst', vip]);
    if (svc.nodePort) out.push(['--dport', String(svc.nodePort)]);
  }
  return out;
}

/** Run the deletions; failures are returned, not thrown (stale entries expire on their own). */
export async function clearStaleConntrack(r: CommandRunner, deletions: string[][]): Promise<Error[]> {
  const errors: Error[] = [];
  for (const d of deletions) await del(r, d).catch((e: Error) => errors.push(e));
  return errors;
}
