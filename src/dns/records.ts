/**
 * @module dns/records
 * The Kubernetes DNS-based service discovery schema (kubernetes/dns docs/specification.md,
 * version 1.1.0) answered from a ClusterIndex, the way CoreDNS's kubernetes plugin answers it:
 *   <svc>.<ns>.svc.<zone>                 A/AAAA: ClusterIPs; headless: every ready endpoint;
 *                                         ExternalName: CNAME
 *   <hostname>.<svc>.<ns>.svc.<zone>      A/AAAA of the endpoint with that hostname (or dashed IP)
 *   _<port>._<proto>.<svc>.<ns>.svc.<zone> SRV per named port (headless: per endpoint)
 *   <a-b-c-d>.<ns>.pod.<zone>             A, only when such a pod exists ("pods verified")
 *   d.c.b.a.in-addr.arpa                  PTR of a ClusterIP, an endpoint, a pod
 *   dns-version.<zone>                    TXT "1.1.0"; the apex has SOA and NS.
 * A name that does not exist is NXDOMAIN; a name that exists without the asked type is NODATA
 * (NOERROR, no answer); both carry the zone's SOA in the authority section for negative caching.
 * `lookup` is pure: the server decides what to do with a `forward` or a `chase` it returns.
 */
import { isIP } from 'node:net';
import type { Answer } from 'dns-packet';
import type { ClusterIndex, EndpointAddress, ServicePortRecord } from './cluster-index.js';
import { canonicalIP, ipFromReverseName, isReverseName, type CIDRSet } from './reverse.js';

/** The DNS schema version this server implements (CoreDNS's DNSSchemaVersion). */
export const DNS_SCHEMA_VERSION = '1.1.0';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface ZoneConfig {
  /** The cluster domain, lower case, no trailing dot (cluster.local). */
  zone: string;
  /** TTL of cluster records (CoreDNS's kubernetes plugin default: 5 s). */
  ttl: number;
  /** Addresses answered for ns.dns.<zone> (the kube-dns Service IP). */
  nsAddresses: string[];
  /** Service and pod CIDRs: their reverse names are answered here and never forwarded. */
  reverseCIDRs: CIDRSet;
  /** SOA serial (CoreDNS uses the time of the last change). */
  serial: number;
}

export interface LookupResult {
  /** `forward`: the name is not ours; ask the upstream servers. */
  forward: boolean;
  rcode: number;
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
  /** An ExternalName's CNAME target outside the zone, to resolve upstream and append. */
  chase?: { name: string; type: string };
}

/** What a query for a Service name matched: an address (with port) or an ExternalName. */
interface Target { ip?: string; cname?: string; port: number; owner: string }

const NOT_FOUND = Symbol('NXDOMAIN');
type Found = Target[] | typeof NOT_FOUND;

const lower = (s: string) => s.toLowerCase().replace(/\.$/, '');

/** Answer one question (name as asked, type as dns-packet names it: 'A', 'SRV', ...). */
export function lookup(index: ClusterIndex, name: string, type: string, cfg: ZoneConfig): LookupResult {
  const qn = lower(name);
  if (qn === cfg.zone || qn.endsWith(`.${cfg.zone}`)) return zoneLookup(index, name, qn, type, cfg, 0);
  if (isReverseName(qn)) return reverseLookup(index, name, qn, type, cfg);
  return { forward: true, rcode: RCODE.NOERROR, authoritative: false, answers: [], authorities: [], additionals: [] };
}

/** The zone's SOA, for the apex and for the authority section of negative answers. */
export function soa(owner: string, cfg: ZoneConfig): Answer {
  return { name: owner, type: 'SOA', ttl: cfg.ttl, data: { mname: `ns.dns.${cfg.zone}`, rname: `hostmaster.${cfg.zone}`, serial: cfg.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: cfg.ttl } };
}

function result(rcode: number, answers: Answer[], soaOwner: string, cfg: ZoneConfig, additionals: Answer[] = []): LookupResult {
  return { forward: false, rcode, authoritative: true, answers, authorities: answers.length ? [] : [soa(soaOwner, cfg)], additionals };
}
const nxdomain = (cfg: ZoneConfig, owner = cfg.zone) => result(RCODE.NXDOMAIN, [], owner, cfg);
const nodata = (cfg: ZoneConfig, owner = cfg.zone) => result(RCODE.NOERROR, [], owner, cfg);

function addressRecords(name: string, ips: string[], type: string, ttl: number): Answer[] {
  const want = type === 'AAAA' ? 6 : 4;
  return [...new Set(ips)].filter((ip) => isIP(ip) === want).map((ip) => ({ name, type: want === 6 ? 'AAAA' : 'A', ttl, data: ip }));
}

function zoneLookup(index: ClusterIndex, name: string, qn: string, type: string, cfg: ZoneConfig, depth: number): LookupResult {
  const { zone, ttl } = cfg;
  const base = qn === zone ? '' : qn.slice(0, -(zone.length + 1));
  if (base === '') {
    if (type === 'SOA') return result(RCODE.NOERROR, [soa(name, cfg)], zone, cfg);
    if (type === 'NS') {
      const ns = `ns.dns.${zone}`;
      return result(RCODE.NOERROR, [{ name, type: 'NS', ttl, data: ns }], zone, cfg,
        [...addressRecords(ns, cfg.nsAddresses, 'A', ttl), ...addressRecords(ns, cfg.nsAddresses, 'AAAA', ttl)]);
    }
    return nodata(cfg);
  }
  if (base === 'dns-version') return type === 'TXT' ? result(RCODE.NOERROR, [{ name, type: 'TXT', ttl: 28800, data: [DNS_SCHEMA_VERSION] }], zone, cfg) : nodata(cfg);
  if (base === 'dns') return nodata(cfg);
  if (base === 'ns.dns') return type === 'A' || type === 'AAAA' ? result(RCODE.NOERROR, addressRecords(name, cfg.nsAddresses, type, ttl), zone, cfg) : nodata(cfg);

  const segs = base.split('.');
  const kind = segs.pop()!;
  if (kind !== 'svc' && kind !== 'pod') return nxdomain(cfg);
  // <ns>.svc.<zone> and svc.<zone> are empty non-terminals: NODATA (CoreDNS exposes every namespace).
  if (segs.length <= 1) return nodata(cfg);
  const namespace = segs.pop()!;
  const first = segs.pop()!;
  if (kind === 'pod') return segs.length ? nxdomain(cfg) : podLookup(index, name, first, namespace, type, cfg);

  let endpoint = '', port = '', proto = '';
  if (segs.length === 1) endpoint = segs[0];
  else if (segs.length === 2) { port = segs[0].replace(/^_/, ''); proto = segs[1].replace(/^_/, ''); }
  else if (segs.length > 2) return nxdomain(cfg);

  const found = findServiceTargets(index, namespace, first, endpoint, port, proto, cfg);
  if (found === NOT_FOUND) return nxdomain(cfg);
  return answerFor(index, name, type, found, cfg, depth);
}

function endpointHostname(e: EndpointAddress): string {
  return e.hostname ?? e.ip.replace(/[.:]/g, '-');
}

const matchPort = (want: string, have: string) => !want || want === have.toLowerCase();

/** What `[endpoint.|_port._proto.]<svc>.<ns>.svc.<zone>` matches, or NXDOMAIN. */
function findServiceTargets(index: ClusterIndex, namespace: string, svcName: string, endpoint: string, port: string, proto: string, cfg: ZoneConfig): Found {
  const svc = index.service(namespace, svcName);
  if (!svc) return NOT_FOUND;
  const svcDomain = `${svc.name}.${svc.namespace}.svc.${cfg.zone}`;
  if (svc.externalName !== undefined) {
    // An ExternalName has no endpoints; an IP in externalName is not a name to CNAME to.
    if (endpoint || !svc.externalName || isIP(svc.externalName)) return NOT_FOUND;
    return [{ cname: svc.externalName.replace(/\.$/, ''), port: -1, owner: svcDomain }];
  }
  const out: Target[] = [];
  if (svc.headless || endpoint) {
    for (const e of index.readyEndpoints(svc.namespace, svc.name)) {
      const host = endpointHostname(e);
      if (endpoint && endpoint !== host.toLowerCase()) continue;
      // A slice without ports still names its addresses (CoreDNS adds a port-less sentinel).
      const ports: ServicePortRecord[] = e.ports.length ? e.ports : [{ name: '', port: -1, protocol: '' }];
      for (const p of ports) {
        if (!matchPort(port, p.name) || !matchPort(proto, p.protocol)) continue;
        out.push({ ip: e.ip, port: p.port, owner: `${host}.${svcDomain}` });
      }
    }
  } else {
    for (const p of svc.ports) {
      if (!matchPort(port, p.name) || !matchPort(proto, p.protocol)) continue;
      for (const ip of svc.clusterIPs) out.push({ ip, port: p.port, owner: svcDomain });
    }
  }
  // A headless Service with no ready endpoint is NXDOMAIN, as the specification says.
  return out.length ? out : NOT_FOUND;
}

function answerFor(index: ClusterIndex, name: string, type: string, targets: Target[], cfg: ZoneConfig, depth: number): LookupResult {
  const { ttl } = cfg;
  const cname = targets.find((t) => t.cname)?.cname;
  if (cname) {
    // SRV for ExternalName is not defined (CoreDNS drops it): NODATA.
    if (type === 'SRV') return nodata(cfg);
    const rec: Answer = { name, type: 'CNAME', ttl, data: cname };
    if (type === 'CNAME') return result(RCODE.NOERROR, [rec], cfg.zone, cfg);
    const target = lower(cname);
    if (target === cfg.zone || target.endsWith(`.${cfg.zone}`)) {
      if (depth >= 8) return result(RCODE.NOERROR, [rec], cfg.zone, cfg);
      const next = zoneLookup(index, cname, target, type, cfg, depth + 1);
      return { ...next, answers: [rec, ...next.answers], authorities: next.answers.length ? [] : next.authorities };
    }
    return { ...result(RCODE.NOERROR, [rec], cfg.zone, cfg), chase: { name: cname, type } };
  }
  const ips = targets.map((t) => t.ip!);
  switch (type) {
    case 'A': case 'AAAA': return result(RCODE.NOERROR, addressRecords(name, ips, type, ttl), cfg.zone, cfg);
    case 'ANY': return result(RCODE.NOERROR, [...addressRecords(name, ips, 'A', ttl), ...addressRecords(name, ips, 'AAAA', ttl)], cfg.zone, cfg);
    case 'SRV': {
      const seen = new Map<string, Target>();
      for (const t of targets) if (t.port >= 0) seen.set(`${t.owner}|${t.port}`, t);
      const srv = [...seen.values()];
      // All at priority 0, weights summing to (about) 100, as CoreDNS spreads them.
      const weight = srv.length ? Math.floor(100 / srv.length) : 0;
      const answers: Answer[] = srv.map((t) => ({ name, type: 'SRV', ttl, data: { priority: 0, weight, port: t.port, target: t.owner } }));
      const additionals: Answer[] = [];
      const added = new Set<string>();
      for (const t of targets) {
        if (added.has(`${t.owner}|${t.ip}`) || t.port < 0) continue;
        added.add(`${t.owner}|${t.ip}`);
        additionals.push({ name: t.owner, type: isIP(t.ip!) === 6 ? 'AAAA' : 'A', ttl, data: t.ip });
      }
      return result(RCODE.NOERROR, answers, cfg.zone, cfg, additionals);
    }
    default: return nodata(cfg);
  }
}

/** `a-b-c-d.<ns>.pod.<zone>`: answered only when a pod in <ns> has that IP (CoreDNS `pods verified`). */
function podLookup(index: ClusterIndex, name: string, label: string, namespace: string, type: string, cfg: ZoneConfig): LookupResult {
  const dashed = label.split('-').length === 4 && !label.includes('--') ? label.replace(/-/g, '.') : label.replace(/-/g, ':');
  const ip = canonicalIP(dashed);
  if (!ip || !index.podsByAddress(ip).some((p) => p.namespace === namespace)) return nxdomain(cfg);
  if (type !== 'A' && type !== 'AAAA' && type !== 'ANY') return nodata(cfg);
  const answers = type === 'ANY' ? [...addressRecords(name, [ip], 'A', cfg.ttl), ...addressRecords(name, [ip], 'AAAA', cfg.ttl)] : addressRecords(name, [ip], type, cfg.ttl);
  return result(RCODE.NOERROR, answers, cfg.zone, cfg);
}

/** PTR: a ClusterIP names its Service; else each ready endpoint its hostname; else a pod its pod record. */
function reverseLookup(index: ClusterIndex, name: string, qn: string, type: string, cfg: ZoneConfig): LookupResult {
  const ip = ipFromReverseName(qn);
  const ours = ip ? cfg.reverseCIDRs.has(ip) : cfg.reverseCIDRs.zoneOf(qn) !== undefined;
  const owner = cfg.reverseCIDRs.zoneOf(qn) ?? cfg.zone;
  const targets: string[] = [];
  if (ip) {
    const svc = index.servicesByClusterIP(ip)[0];
    if (svc) targets.push(`${svc.name}.${svc.namespace}.svc.${cfg.zone}`);
    else {
      for (const e of index.endpointsByIP(ip)) targets.push(`${endpointHostname(e.endpoint)}.${e.service}.${e.namespace}.svc.${cfg.zone}`);
      // Pod PTRs are skiff's extension of the schema (section 3 allows extensions): the issue asks for them.
      if (!targets.length) for (const p of index.podsByAddress(ip)) targets.push(`${ip.replace(/[.:]/g, '-')}.${p.namespace}.pod.${cfg.zone}`);
    }
  }
  if (targets.length) {
    const answers: Answer[] = type === 'PTR' || type === 'ANY' ? [...new Set(targets)].map((t) => ({ name, type: 'PTR', ttl: cfg.ttl, data: t })) : [];
    return result(RCODE.NOERROR, answers, owner, cfg);
  }
  if (!ours) return { forward: true, rcode: RCODE.NOERROR, authoritative: false, answers: [], authorities: [], additionals: [] };
  // Inside the cluster's own reverse zones: a full address nobody has is NXDOMAIN, a partial name an empty non-terminal.
  return ip ? nxdomain(cfg, owner) : nodata(cfg, owner);
}
