/**
 * @module proxy/iptables/rules
 * Turns a ProxyState into one iptables-restore file (filter and nat tables) the way upstream
 * kube-proxy's syncProxyRules lays out its chains: KUBE-SERVICES dispatches each ClusterIP,
 * external IP and load-balancer IP (and, last, local destinations to KUBE-NODEPORTS); a KUBE-SVC
 * (cluster policy) or KUBE-SVL (local policy) chain per service port spreads new connections over
 * KUBE-SEP endpoint chains with `statistic --mode random`; KUBE-EXT handles external traffic; the
 * filter table REJECTs Services without endpoints so clients fail fast instead of timing out.
 *
 * A partial sync (`write` given) rewrites only the chains of the listed service ports, leaving the
 * others exactly as they are in the kernel; the dispatch chains are always rewritten whole, and
 * chains no longer used are flushed and deleted. The kernel applies the file atomically.
 */
import { categorizeEndpoints, usable } from '../topology.js';
import type { EndpointInfo, ProxyState, ServicePortInfo } from '../types.js';
import {
  KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_PROXY_FIREWALL, KUBE_SERVICES,
  MASQ_MARK, SERVICE_CHAIN, proto, servicePortChains, servicePortEndpointChainName, servicePortName,
} from './chains.js';

/** A rule that must be in a built-in chain for kube-proxy's chains to see traffic at all. */
export interface JumpRule { table: 'nat' | 'filter'; chain: string; spec: string; target: string }

/** The jumps from the built-in chains, as upstream installs them (checked and inserted when missing). */
export const JUMP_RULES: JumpRule[] = [
  { table: 'filter', chain: 'INPUT', target: KUBE_EXTERNAL_SERVICES, spec: '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals"' },
  { table: 'filter', chain: 'FORWARD', target: KUBE_EXTERNAL_SERVICES, spec: '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals"' },
  { table: 'filter', chain: 'FORWARD', target: KUBE_SERVICES, spec: '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals"' },
  { table: 'filter', chain: 'OUTPUT', target: KUBE_SERVICES, spec: '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals"' },
  { table: 'filter', chain: 'FORWARD', target: KUBE_FORWARD, spec: '-m comment --comment "kubernetes forwarding rules"' },
  { table: 'filter', chain: 'INPUT', target: KUBE_PROXY_FIREWALL, spec: '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall"' },
  { table: 'filter', chain: 'FORWARD', target: KUBE_PROXY_FIREWALL, spec: '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall"' },
  { table: 'filter', chain: 'OUTPUT', target: KUBE_PROXY_FIREWALL, spec: '-m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall"' },
  { table: 'nat', chain: 'PREROUTING', target: KUBE_SERVICES, spec: '-m comment --comment "kubernetes service portals"' },
  { table: 'nat', chain: 'OUTPUT', target: KUBE_SERVICES, spec: '-m comment --comment "kubernetes service portals"' },
  { table: 'nat', chain: 'POSTROUTING', target: KUBE_POSTROUTING, spec: '-m comment --comment "kubernetes postrouting rules"' },
];

/**
 * An empty chain in each table whose disappearance tells kube-proxy that someone flushed the table
 * (firewalld reload, `iptables -F`, a reboot of the rules): the next sync must then be a full one.
 */
export const KUBE_PROXY_CANARY = 'KUBE-PROXY-CANARY';

/** The fixed chains kube-proxy owns in each table (rewritten on every sync). */
export const FILTER_CHAINS = [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_PROXY_FIREWALL, KUBE_PROXY_CANARY];
export const NAT_CHAINS = [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ, KUBE_PROXY_CANARY];

export interface BuildInput {
  state: ProxyState;
  /** Service port ids whose chains to (re)write; undefined: all of them (full sync). */
  write?: Set<string>;
  /** Our per-Service nat chains that exist now: those not used any more are deleted. */
  existingNatChains: Iterable<string>;
  /** Jump rules already in the built-in chains (`table:chain:target`); missing ones are inserted. */
  presentJumps?: Set<string>;
  /**
   * Only the per-Service chains of `write`: no dispatch chains, jumps or deletions. A large full
   * sync writes these in batches first, then the dispatch chains last (see proxier.ts).
   */
  chainsOnly?: boolean;
}

export interface BuildOutput {
  /** The iptables-restore input (use with --noflush). */
  text: string;
  lines: number;
  /** Every per-Service nat chain in use after this sync (written now or left as it was). */
  activeNatChains: Set<string>;
  /** How many service ports had their chains written. */
  written: number;
}

const probability = (n: number): string => (1 / n).toFixed(10);
const q = (comment: string): string => (/[\s"]/.test(comment) ? `"${comment}"` : comment);

class Section {
  chains: string[] = [];
  rules: string[] = [];
  chain(name: string): void { this.chains.push(`:${name} - [0:0]`); }
  add(...parts: string[]): void { this.rules.push(parts.join(' ')); }
}

/** Build the restore file for `state`. Pure: the same input always gives the same text. */
export function buildRestore(input: BuildInput): BuildOutput {
  const { state, write } = input;
  const filter = new Section();
  const nat = new Section();
  for (const c of FILTER_CHAINS) filter.chain(c);
  for (const c of NAT_CHAINS) nat.chain(c);
  for (const j of JUMP_RULES) {
    if (input.presentJumps?.has(`${j.table}:${j.chain}:${j.target}`)) continue;
    (j.table === 'nat' ? nat : filter).add('-I', j.chain, '1', j.spec, '-j', j.target);
  }
  filter.add('-A', KUBE_FORWARD, '-m comment --comment "kubernetes forwarding rules"', `-m mark --mark ${MASQ_MARK}/${MASQ_MARK}`, '-j ACCEPT');
  filter.add('-A', KUBE_FORWARD, '-m comment --comment "kubernetes forwarding conntrack rule"', '-m conntrack --ctstate RELATED,ESTABLISHED', '-j ACCEPT');
  nat.add('-A', KUBE_POSTROUTING, `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK}`, '-j RETURN');
  // Clear the mark so a packet re-traversing the stack (e.g. after IPsec) is not masqueraded twice.
  nat.add('-A', KUBE_POSTROUTING, `-j MARK --xor-mark ${MASQ_MARK}`);
  nat.add('-A', KUBE_POSTROUTING, '-m comment --comment "kubernetes service traffic requiring SNAT"', '-j MASQUERADE --random-fully');
  nat.add('-A', KUBE_MARK_MASQ, `-j MARK --or-mark ${MASQ_MARK}`);

  const active = new Set<string>();
  let written = 0;
  const ids = [...state.services.keys()].sort();
  if (input.chainsOnly) {
    const chains = new Section();
    for (const id of ids) {
      if (!write?.has(id)) continue;
      written++;
      serviceRules(state.services.get(id)!, state.endpoints.get(id), state.clusterCIDR, new Section(), new Section(), chains, active, true);
    }
    const out = ['*nat', ...chains.chains, ...chains.rules, 'COMMIT', ''];
    return { text: out.join('\n'), lines: out.length - 1, activeNatChains: active, written };
  }
  for (const id of ids) {
    const svc = state.services.get(id)!;
    const w = !write || write.has(id);
    if (w) written++;
    serviceRules(svc, state.endpoints.get(id), state.clusterCIDR, filter, nat, nat, active, w);
  }
  // Local destinations last: a ClusterIP or external IP that is also local must match its own rule first.
  nat.add('-A', KUBE_SERVICES, '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"', '-m addrtype --dst-type LOCAL', '-j', KUBE_NODEPORTS);

  for (const c of input.existingNatChains) {
    if (active.has(c) || !SERVICE_CHAIN.test(c)) continue;
    // Declaring the chain flushes it (so nothing it references is still in use), then delete it.
    nat.chain(c);
    nat.rules.push(`-X ${c}`);
  }
  const out = ['*filter', ...filter.chains, ...filter.rules, 'COMMIT', '*nat', ...nat.chains, ...nat.rules, 'COMMIT', ''];
  return { text: out.join('\n'), lines: out.length - 1, activeNatChains: active, written };
}

/** One service port: its dispatch lines into `filter`/`disp`, its own chains (when `write`) into `nat`. */
function serviceRules(svc: ServicePortInfo, eps: EndpointInfo[] | undefined, clusterCIDR: string, filter: Section, disp: Section, nat: Section, active: Set<string>, write: boolean): void {
  const name = servicePortName(svc);
  const p = proto(svc);
  const match = `-m ${p} -p ${p}`;
  const ch = servicePortChains(svc);
  const sel = categorizeEndpoints(svc, eps);
  const clusterEps = usable(eps ?? []);
  const localEps = sel.local;
  const hasExternal = svc.nodePort > 0 || svc.externalIPs.length > 0 || svc.loadBalancerIPs.length > 0;
  // Cluster endpoints are needed for Cluster policies, and for short-circuiting pod traffic to external addresses.
  const usesCluster = !svc.internalLocal || hasExternal;
  const usesLocal = svc.internalLocal || svc.externalLocal;
  const internalChain = svc.internalLocal ? ch.svl : ch.svc;
  const internalEps = svc.internalLocal ? localEps : clusterEps;
  const externalPolicyChain = svc.externalLocal ? ch.svl : ch.svc;
  const externalEps = svc.externalLocal ? localEps : clusterEps;
  const anyEndpoints = clusterEps.length > 0;
  const noEpsTarget = (local: boolean) => (anyEndpoints && local ? { c: `${name} has no local endpoints`, j: '-j DROP' } : { c: `${name} has no endpoints`, j: '-j REJECT --reject-with icmp-port-unreachable' });
  const useExt = hasExternal && externalEps.length > 0;
  const useFw = useExt && svc.loadBalancerIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;

  // Dispatch (always written, in full).
  if (internalEps.length > 0) {
    disp.add('-A', KUBE_SERVICES, '-m comment --comment', q(`${name} cluster IP`), match, '-d', svc.clusterIP, '--dport', String(svc.port), '-j', internalChain);
  } else {
    const t = noEpsTarget(svc.internalLocal);
    filter.add('-A', KUBE_SERVICES, '-m comment --comment', q(t.c), match, '-d', svc.clusterIP, '--dport', String(svc.port), t.j);
  }
  const external = (ips: string[], kind: string, target: string) => {
    for (const ip of ips) {
      if (useExt) disp.add('-A', KUBE_SERVICES, '-m comment --comment', q(`${name} ${kind}`), match, '-d', ip, '--dport', String(svc.port), '-j', target);
      else {
        const t = noEpsTarget(svc.externalLocal);
        filter.add('-A', KUBE_EXTERNAL_SERVICES, '-m comment --comment', q(t.c), match, '-d', ip, '--dport', String(svc.port), t.j);
      }
    }
  };
  external(svc.externalIPs, 'external IP', ch.ext);
  external(svc.loadBalancerIPs, 'loadbalancer IP', useFw ? ch.fw : ch.ext);
  if (useFw) {
    // Sources the KUBE-FW chain did not accept keep the load-balancer IP as destination and are dropped here.
    for (const ip of svc.loadBalancerIPs) filter.add('-A', KUBE_PROXY_FIREWALL, '-m comment --comment', q(`${name} traffic not accepted by ${ch.fw}`), match, '-d', ip, '--dport', String(svc.port), '-j DROP');
  }
  if (svc.nodePort > 0) {
    if (useExt) disp.add('-A', KUBE_NODEPORTS, '-m comment --comment', q(name), match, '--dport', String(svc.nodePort), '-j', ch.ext);
    else {
      const t = noEpsTarget(svc.externalLocal);
      filter.add('-A', KUBE_EXTERNAL_SERVICES, '-m comment --comment', q(t.c), '-m addrtype --dst-type LOCAL', match, '--dport', String(svc.nodePort), t.j);
    }
  }

  // Per-Service chains: which exist is always known; their contents are written only when asked.
  const useSvc = usesCluster && clusterEps.length > 0;
  const useSvl = usesLocal && localEps.length > 0;
  const epSet = new Map<string, EndpointInfo>();
  if (useSvc) { active.add(ch.svc); for (const e of clusterEps) epSet.set(`${e.ip}:${e.port}`, e); }
  if (useSvl) { active.add(ch.svl); for (const e of localEps) epSet.set(`${e.ip}:${e.port}`, e); }
  if (useExt) active.add(ch.ext);
  if (useFw) active.add(ch.fw);
  const sepOf = (e: EndpointInfo) => servicePortEndpointChainName(svc, `${e.ip}:${e.port}`);
  for (const k of epSet.keys()) active.add(servicePortEndpointChainName(svc, k));
  if (!write) return;

  const policyChain = (chain: string, list: EndpointInfo[], masq: boolean) => {
    nat.chain(chain);
    if (masq && clusterCIDR) {
      // Off-cluster clients reaching a ClusterIP (e.g. a node's own processes, or a static route to the service CIDR) are masqueraded so replies come back through this node.
      nat.add('-A', chain, '-m comment --comment', q(`${name} cluster IP`), match, '-d', svc.clusterIP, '--dport', String(svc.port), '!', '-s', clusterCIDR, '-j', KUBE_MARK_MASQ);
    }
    const sorted = [...list].sort((a, b) => cmpEndpoint(a, b));
    if (svc.sessionAffinitySeconds > 0) {
      for (const e of sorted) nat.add('-A', chain, '-m comment --comment', q(`${name} -> ${e.ip}:${e.port}`), '-m recent --name', sepOf(e), '--rcheck --seconds', String(svc.sessionAffinitySeconds), '--reap', '-j', sepOf(e));
    }
    sorted.forEach((e, i) => {
      const stat = i < sorted.length - 1 ? ['-m statistic --mode random --probability', probability(sorted.length - i)] : [];
      nat.add('-A', chain, '-m comment --comment', q(`${name} -> ${e.ip}:${e.port}`), ...stat, '-j', sepOf(e));
    });
  };
  if (useSvc) policyChain(ch.svc, clusterEps, !svc.internalLocal);
  if (useSvl) policyChain(ch.svl, localEps, svc.internalLocal);
  if (useExt) {
    nat.chain(ch.ext);
    if (!svc.externalLocal) {
      nat.add('-A', ch.ext, '-m comment --comment', q(`masquerade traffic for ${name} external destinations`), '-j', KUBE_MARK_MASQ);
    } else {
      // Pods keep cluster semantics; the node's own traffic needs masquerade to come back; the rest keeps its source IP.
      if (clusterCIDR && useSvc) nat.add('-A', ch.ext, '-m comment --comment', q(`pod traffic for ${name} external destinations`), '-s', clusterCIDR, '-j', ch.svc);
      nat.add('-A', ch.ext, '-m comment --comment', q(`masquerade LOCAL traffic for ${name} external destinations`), '-m addrtype --src-type LOCAL', '-j', KUBE_MARK_MASQ);
      if (useSvc) nat.add('-A', ch.ext, '-m comment --comment', q(`route LOCAL traffic for ${name} external destinations`), '-m addrtype --src-type LOCAL', '-j', ch.svc);
    }
    nat.add('-A', ch.ext, '-j', externalPolicyChain);
  }
  if (useFw) {
    nat.chain(ch.fw);
    for (const range of svc.loadBalancerSourceRanges) nat.add('-A', ch.fw, '-m comment --comment', q(`${name} loadbalancer IP`), '-s', range, '-j', ch.ext);
  }
  for (const [k, e] of epSet) {
    const sep = servicePortEndpointChainName(svc, k);
    nat.chain(sep);
    // Hairpin: a pod reaching itself through its Service must be masqueraded or the reply bypasses the DNAT.
    nat.add('-A', sep, '-m comment --comment', q(name), '-s', e.ip, '-j', KUBE_MARK_MASQ);
    const affinity = svc.sessionAffinitySeconds > 0 ? ['-m recent --name', sep, '--set'] : [];
    nat.add('-A', sep, '-m comment --comment', q(name), ...affinity, match, '-j DNAT --to-destination', k);
  }
}

function cmpEndpoint(a: EndpointInfo, b: EndpointInfo): number {
  const ka = a.ip.split('.').map((x) => x.padStart(3, '0')).join('.') + ':' + String(a.port).padStart(5, '0');
  const kb = b.ip.split('.').map((x) => x.padStart(3, '0')).join('.') + ':' + String(b.port).padStart(5, '0');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
