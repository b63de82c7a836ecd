/**
 * @module kubelet/kuberuntime/dns
 * A pod's resolv.conf as a CRI DNSConfig (upstream's pkg/kubelet/network/dns): ClusterFirst pods
 * ask the cluster DNS with the `<ns>.svc.<domain>` search path and ndots:5; Default pods and
 * ClusterFirst pods without a cluster DNS inherit the node's resolver; `None` takes only the pod's
 * own dnsConfig, which is merged into the others too.
 *
 * Only loopback servers are copied from the node's resolv.conf: on these machines the uplink
 * resolver must never see a test pod's queries, and a loopback server is harmless (it is the pod's
 * own loopback inside its network namespace). With none left, the runtime's default applies.
 */
import * as fs from 'node:fs';
import type { DNSConfig } from '../cri/api.js';

export interface DNSOptions { clusterDNS?: string[]; clusterDomain?: string; resolvConf?: string }

/** Upstream's limits: 3 nameservers, 32 search domains. */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

const isLoopback = (ip: string) => /^127\./.test(ip) || ip === '::1';

/** The nameservers, searches and options of a resolv.conf file (missing file: empty). */
export function parseResolvConf(text: string): DNSConfig {
  const out: DNSConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.servers.push(rest[0]);
    else if (key === 'search') out.searches = rest;
    else if (key === 'domain' && rest[0]) out.searches = [rest[0]];
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

function hostDNS(resolvConf: string): DNSConfig {
  let text = '';
  try { text = fs.readFileSync(resolvConf, 'utf8'); } catch { /* no host resolver config */ }
  const c = parseResolvConf(text);
  c.servers = c.servers.filter(isLoopback);
  return c;
}

/** Options merge by name, a later value winning (upstream's mergeDNSOptions). */
function mergeOptions(base: string[], extra: { name: string; value?: string }[]): string[] {
  const m = new Map<string, string>();
  for (const o of base) { const [k, v] = o.split(':'); m.set(k, o.includes(':') ? `${k}:${v}` : k); }
  for (const o of extra) if (o?.name) m.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return [...m.values()];
}

const unique = (xs: string[]) => [...new Set(xs)];

/** The pod's DNSConfig, or undefined to leave resolv.conf to the runtime. */
export function podDNSConfig(pod: any, o: DNSOptions): DNSConfig | undefined {
  const spec = pod.spec ?? {};
  let policy: string = spec.dnsPolicy ?? 'ClusterFirst';
  // A host-network pod with ClusterFirst gets the node's resolver; ClusterFirstWithHostNet opts in.
  if (policy === 'ClusterFirst' && spec.hostNetwork) policy = 'Default';
  if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  const clusterDNS = o.clusterDNS ?? [];
  if (policy === 'ClusterFirst' && clusterDNS.length === 0) policy = 'Default';
  let c: DNSConfig;
  if (policy === 'None') c = { servers: [], searches: [], options: [] };
  else if (policy === 'ClusterFirst') {
    const domain = o.clusterDomain ?? 'cluster.local';
    const ns = pod.metadata?.namespace ?? 'default';
    const host = hostDNS(o.resolvConf ?? '/etc/resolv.conf');
    c = { servers: [...clusterDNS], searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...host.searches], options: ['ndots:5'] };
  } else c = hostDNS(o.resolvConf ?? '/etc/resolv.conf');
  const extra = spec.dnsConfig;
  if (extra) {
    c.servers = unique([...c.servers, ...(extra.nameservers ?? [])]);
    c.searches = unique([...c.searches, ...(extra.searches ?? [])]);
    c.options = mergeOptions(c.options, extra.options ?? []);
  }
  c.servers = c.servers.slice(0, MAX_NAMESERVERS);
  c.searches = c.searches.slice(0, MAX_SEARCHES);
  if (!c.servers.length && !c.searches.length && !c.options.length) return undefined;
  if (!c.servers.length && policy !== 'None') return undefined;
  return c;
}
