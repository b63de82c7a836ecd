/**
 * @module proxy/nftables/service-rules
 * What one Service port needs in kube-proxy's nftables table, as upstream's syncProxyRules decides
 * it: the verdict-map elements that catch its ClusterIP, externalIPs, LoadBalancer IPs and NodePort;
 * its chains (Cluster- and Local-policy endpoint choice by `numgen random`, an external chain for
 * traffic policies and masquerading, a firewall chain for loadBalancerSourceRanges, one DNAT chain
 * per endpoint); and per-endpoint affinity sets for sessionAffinity ClientIP. The result is plain
 * data, so a sync can diff it against what it programmed before and rewrite only what changed.
 */
import type { EndpointInfo, ProxyState, ServicePortInfo } from '../types.js';
import { usable } from '../topology.js';
import {
  FIREWALL_IPS_MAP, MARK_MASQ_CHAIN, NO_ENDPOINT_NODEPORTS_MAP, NO_ENDPOINT_SERVICES_MAP, REJECT_CHAIN,
  SERVICE_IPS_MAP, SERVICE_NODEPORTS_MAP, affinitySetName, endpointChainName, servicePortChainNames,
} from './names.js';

/** One element of a verdict map: `key : verdict`. */
export interface MapElement { map: string; key: string; value: string; comment?: string }

/** A ClientIP-affinity set: source addresses that recently used one endpoint. */
export interface AffinitySet { name: string; timeoutSeconds: number }

/** Everything one Service port owns in the table. Chains are in the order they must be created. */
export interface ServicePortRules {
  id: string;
  chains: Map<string, string[]>;
  sets: AffinitySet[];
  elements: MapElement[];
}

/** Is `ip` inside IPv4 `cidr` (a bare address counts as /32)? */
export function cidrContains(cidr: string, ip: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n * 256) + Number(o), 0);
  if (!net || !/^\d+\.\d+\.\d+\.\d+$/.test(net) || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  if (bits === 0) return true;
  const mask = bits >= 32 ? 0xffffffff : (~((1 << (32 - bits)) - 1)) >>> 0;
  return ((toInt(net) & mask) >>> 0) === ((toInt(ip) & mask) >>> 0);
}

const isIPv4 = (ip: string | undefined): ip is string => !!ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);

const externallyAccessible = (s: ServicePortInfo) => s.nodePort !== 0 || s.externalIPs.length > 0 || s.loadBalancerIPs.length > 0;

/** Drop duplicate ip:port pairs (two slices may list the same endpoint), keeping the first. */
function distinct(eps: EndpointInfo[]): EndpointInfo[] {
  const seen = new Set<string>();
  return eps.filter((e) => { const k = `${e.ip}:${e.port}`; if (seen.has(k)) return false; seen.add(k); return true; });
}

/** The table contents for one Service port (headless/ExternalName ports, with no ClusterIP, get none). */
/**
 * How a Service chain picks an endpoint. `vmap` is upstream's one rule,
 * `numgen random mod N vmap { 0 : goto ..., 1 : ... }`; every such rule is an anonymous set in the
 * kernel, and on this kernel creating thousands of them in one transaction costs quadratic time
 * (10,000 Services: ~80 s against ~9 s). `cascade` is the same uniform choice as a short list of
 * `numgen random mod (N-i) == 0 goto endpoint-i` rules, with no set. One endpoint is a plain goto.
 */
export type LoadBalancing = 'vmap' | 'cascade';

export function servicePortRules(svc: ServicePortInfo, state: ProxyState, lb: LoadBalancing = 'vmap'): ServicePortRules {
  const out: ServicePortRules = { id: svc.id, chains: new Map(), sets: [], elements: [] };
  // This is the `ip` (IPv4) table: an IPv6 address in it would fail the whole transaction.
  if (!isIPv4(svc.clusterIP)) return out;
  svc = { ...svc, externalIPs: svc.externalIPs.filter(isIPv4), loadBalancerIPs: svc.loadBalancerIPs.filter(isIPv4) };
  const proto = svc.protocol.toLowerCase();
  const names = servicePortChainNames(svc);
  const all = distinct((state.endpoints.get(svc.id) ?? []).filter((e) => isIPv4(e.ip)));
  const external = externallyAccessible(svc);
  // Upstream's UsesClusterEndpoints/UsesLocalEndpoints: Local external policy still needs the
  // cluster endpoints, to short-circuit traffic from pods and from the node itself.
  const usesCluster = !svc.internalLocal || external;
  const usesLocal = svc.internalLocal || (svc.externalLocal && external);
  const clusterEps = usesCluster ? usable(all) : [];
  const localEps = usesLocal ? usable(all.filter((e) => e.isLocal)) : [];
  const hasEndpoints = usable(all).length > 0;
  const hasInternal = hasEndpoints && (!svc.internalLocal || localEps.length > 0);
  const hasExternal = hasEndpoints && (!svc.externalLocal || localEps.length > 0);
  const internalChain = svc.internalLocal ? names.local : names.cluster;
  const externalPolicyChain = svc.externalLocal ? names.local : names.cluster;
  // No endpoints anywhere: refuse at once (REJECT). Endpoints only elsewhere under a Local policy: drop.
  const internalVerdict = !hasEndpoints ? `goto ${REJECT_CHAIN}` : 'drop';
  const externalVerdict = internalVerdict;
  const usesExternalChain = hasEndpoints && external;
  const usesFirewall = svc.loadBalancerIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;

  const chain = (name: string): string[] => {
    let rules = out.chains.get(name);
    if (!rules) { rules = []; out.chains.set(name, rules); }
    return rules;
  };
  const element = (map: string, key: string, value: string, comment?: string) =>
    out.elements.push(comment === undefined ? { map, key, value } : { map, key, value, comment });
  const ipKey = (ip: string, port = svc.port) => `${ip} . ${proto} . ${port}`;

  // Create endpoint chains before the chains that jump to them.
  const reachable = distinct([...clusterEps, ...localEps]);
  for (const e of reachable) chain(endpointChainName(svc, e.ip, e.port));
  if (clusterEps.length > 0) chain(names.cluster);
  if (localEps.length > 0) chain(names.local);
  if (usesExternalChain) chain(names.external);
  if (usesFirewall) chain(names.firewall);

  // ClusterIP.
  if (hasInternal) element(SERVICE_IPS_MAP, ipKey(svc.clusterIP), `goto ${internalChain}`);
  else element(NO_ENDPOINT_SERVICES_MAP, ipKey(svc.clusterIP), internalVerdict, svc.id);
  // externalIPs and LoadBalancer ingress IPs both enter through the external chain.
  for (const ip of [...svc.externalIPs, ...svc.loadBalancerIPs]) {
    if (usesExternalChain) element(SERVICE_IPS_MAP, ipKey(ip), `goto ${names.external}`);
    if (!hasExternal) element(NO_ENDPOINT_SERVICES_MAP, ipKey(ip), externalVerdict, svc.id);
  }
  if (usesFirewall) {
    const sources = [...svc.loadBalancerSourceRanges];
    // A node inside the allowed ranges may reach its own LB VIP, which it sees as a local source.
    if (state.nodeIPs.some((n) => svc.loadBalancerSourceRanges.some((r) => cidrContains(r, n)))) sources.push(...svc.loadBalancerIPs);
    chain(names.firewall).push(`ip saddr != { ${sources.join(', ')} } drop`);
    for (const ip of svc.loadBalancerIPs) element(FIREWALL_IPS_MAP, ipKey(ip), `goto ${names.firewall}`, svc.id);
  }
  // NodePort (not subject to loadBalancerSourceRanges, as upstream).
  if (svc.nodePort !== 0) {
    if (usesExternalChain) element(SERVICE_NODEPORTS_MAP, `${proto} . ${svc.nodePort}`, `goto ${names.external}`);
    if (!hasExternal) element(NO_ENDPOINT_NODEPORTS_MAP, `${proto} . ${svc.nodePort}`, externalVerdict, svc.id);
  }

  // ClusterIP traffic from outside the pod network is masqueraded: it may be answered from another node.
  if (hasInternal && state.clusterCIDR) {
    chain(internalChain).push(`ip daddr ${svc.clusterIP} ${proto} dport ${svc.port} ip saddr != ${state.clusterCIDR} jump ${MARK_MASQ_CHAIN}`);
  }
  if (usesExternalChain) {
    const ext = chain(names.external);
    if (!svc.externalLocal) {
      ext.push(`jump ${MARK_MASQ_CHAIN}`);
    } else {
      // Pods and the node itself reach the Service as if through an outside load balancer: any endpoint.
      if (state.clusterCIDR) ext.push(`ip saddr ${state.clusterCIDR} goto ${names.cluster} comment "short-circuit pod traffic"`);
      ext.push(`fib saddr type local jump ${MARK_MASQ_CHAIN} comment "masquerade local traffic"`);
      ext.push(`fib saddr type local goto ${names.cluster} comment "short-circuit local traffic"`);
    }
    if (hasExternal) ext.push(`goto ${externalPolicyChain}`);
  }

  if (svc.sessionAffinitySeconds > 0) {
    for (const e of reachable) out.sets.push({ name: affinitySetName(svc, e.ip, e.port), timeoutSeconds: svc.sessionAffinitySeconds });
  }
  const balance = (chainName: string, eps: EndpointInfo[]) => {
    const rules = chain(chainName);
    if (svc.sessionAffinitySeconds > 0) {
      for (const e of eps) rules.push(`ip saddr @${affinitySetName(svc, e.ip, e.port)} goto ${endpointChainName(svc, e.ip, e.port)}`);
    }
    const targets = eps.map((e) => endpointChainName(svc, e.ip, e.port));
    if (targets.length === 1) {
      rules.push(`goto ${targets[0]}`);
    } else if (lb === 'vmap') {
      rules.push(`numgen random mod ${targets.length} vmap { ${targets.map((c, i) => `${i} : goto ${c}`).join(', ')} }`);
    } else {
      // Endpoint i of n is taken with probability 1/(n-i) of what is left: uniform, as iptables' statistic rules.
      targets.forEach((c, i) => rules.push(i < targets.length - 1 ? `numgen random mod ${targets.length - i} == 0 goto ${c}` : `goto ${c}`));
    }
  };
  if (clusterEps.length > 0) balance(names.cluster, clusterEps);
  if (localEps.length > 0) balance(names.local, localEps);

  for (const e of reachable) {
    const rules = chain(endpointChainName(svc, e.ip, e.port));
    // Hairpin: a pod reaching itself through its Service must see the reply come from the Service.
    rules.push(`ip saddr ${e.ip} jump ${MARK_MASQ_CHAIN}`);
    if (svc.sessionAffinitySeconds > 0) rules.push(`update @${affinitySetName(svc, e.ip, e.port)} { ip saddr }`);
    rules.push(`meta l4proto ${proto} dnat to ${e.ip}:${e.port}`);
  }
  return out;
}
