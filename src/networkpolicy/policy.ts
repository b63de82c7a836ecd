/**
 * @module networkpolicy/policy
 * NetworkPolicy semantics, independent of any packet filter: from the cluster's pods, namespaces
 * and policies, which pods on this node are isolated (for ingress, for egress) and what each is
 * allowed. This is what a network plugin (kube-router's netpol controller, Calico's Felix)
 * computes before it programs anything; the iptables renderer only prints the result.
 *
 * The rules, as `networking.k8s.io/v1` defines them:
 * - a pod is isolated for ingress (egress) when some policy in its namespace selects it and lists
 *   that type in policyTypes (defaulted: Ingress always, Egress when egress rules exist);
 * - an isolated pod accepts only what at least one selecting policy's rule allows (a union);
 *   a rule allows a connection when it matches both its peers and its ports; an absent or empty
 *   `from`/`to` is every peer, absent or empty `ports` is every port;
 * - peers: podSelector alone is pods in the policy's namespace, namespaceSelector alone is every
 *   pod in the matching namespaces, both together is matching pods in matching namespaces, ipBlock
 *   is addresses in `cidr` but not in `except`;
 * - a named port resolves against the container ports of the pod the traffic goes TO: the selected
 *   pod for ingress, each destination pod for egress (so for egress a named port only ever matches
 *   pods, never a bare address).
 * Only Running pods with IPs are peers (a pod without an address cannot send or receive). Pods on
 * the host network are neither isolated nor peers: their address is the node's, and Kubernetes
 * leaves policy for them undefined.
 */
import { fromLabelSelector, type LabelSelector, type LabelSelectorObj } from '../machinery/labels.js';
import { parseCidr4, formatCidr4, subtractCidrs, cidrContainsIP, parseIPv4, type Cidr4 } from './cidr.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A destination port match: all ports of `protocol`, one `port`, or the range `port`..`endPort`. */
export interface PortMatch { protocol: Protocol; port?: number; endPort?: number }

/** One allow rule of one isolated pod, with peers and ports already resolved. */
export interface AllowRule {
  /** Where the rule came from, `namespace/policy ingress[i]`, for rule comments. */
  source: string;
  /** Peer addresses as IPv4 CIDRs (pods as /32), or 'any' for every peer. Empty: matches nothing. */
  peers: 'any' | string[];
  /** Destination ports, or 'any'. Empty (every named port unresolved): matches nothing. */
  ports: 'any' | PortMatch[];
}

/** What one pod on this node may receive and send. `undefined` means not isolated in that direction. */
export interface PodFirewall {
  namespace: string;
  name: string;
  /** The pod's IPv4 addresses. */
  ips: string[];
  ingress?: AllowRule[];
  egress?: AllowRule[];
}

export interface PolicyInput {
  pods: any[];
  namespaces: any[];
  networkPolicies: any[];
  nodeName: string;
}

/** The pod's IPv4 addresses, from status.podIPs (status.podIP for older writers). */
export function podIPv4s(pod: any): string[] {
  const ips: string[] = (pod?.status?.podIPs ?? []).map((p: any) => p?.ip).filter(Boolean);
  if (!ips.length && pod?.status?.podIP) ips.push(pod.status.podIP);
  return [...new Set(ips.filter((ip) => parseIPv4(ip) !== undefined))].sort();
}

const hostNetwork = (pod: any): boolean => pod?.spec?.hostNetwork === true;
const terminal = (pod: any): boolean => pod?.status?.phase === 'Succeeded' || pod?.status?.phase === 'Failed';

/** Pods that can be peers: Running, with an address, not on the host network. */
export function isPeerPod(pod: any): boolean {
  return pod?.status?.phase === 'Running' && !hostNetwork(pod) && podIPv4s(pod).length > 0;
}

/**
 * Pods this node enforces for: on this node, with an address, not on the host network, not finished.
 * (A pod gets its address before it is Running; it must be isolated from its first packet.)
 */
export function isLocalTarget(pod: any, nodeName: string): boolean {
  return pod?.spec?.nodeName === nodeName && !hostNetwork(pod) && !terminal(pod) && podIPv4s(pod).length > 0;
}

/** spec.policyTypes, defaulted as the API server does when a client left it empty. */
export function policyTypes(np: any): { ingress: boolean; egress: boolean } {
  const t: string[] = np?.spec?.policyTypes?.length ? np.spec.policyTypes : ['Ingress', ...(np?.spec?.egress?.length ? ['Egress'] : [])];
  return { ingress: t.includes('Ingress'), egress: t.includes('Egress') };
}

/** A selector field: absent means "everything" for spec.podSelector, as an empty selector does. */
function selector(s: LabelSelectorObj | undefined | null): LabelSelector {
  try { return fromLabelSelector(s ?? {}); } catch { return fromLabelSelector(null); }
}

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);
const protocolOf = (p: any): Protocol | undefined => {
  const v = p?.protocol ?? 'TCP';
  return PROTOCOLS.has(v) ? v : undefined;
};

/** The container port number named `name` with `protocol` in `pod`, if any. */
export function namedPort(pod: any, name: string, protocol: Protocol): number | undefined {
  for (const c of [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])]) {
    for (const cp of c?.ports ?? []) if (cp?.name === name && (cp.protocol ?? 'TCP') === protocol) return cp.containerPort;
  }
  return undefined;
}

/** Resolve one NetworkPolicyPort against the pod traffic goes to (`target`; none: names match nothing). */
function resolvePort(p: any, target: any | undefined): PortMatch | undefined {
  const protocol = protocolOf(p);
  if (!protocol) return undefined;
  if (p?.port === undefined || p?.port === null) return { protocol };
  if (typeof p.port === 'number') {
    return typeof p.endPort === 'number' && p.endPort > p.port ? { protocol, port: p.port, endPort: p.endPort } : { protocol, port: p.port };
  }
  const n = target ? namedPort(target, String(p.port), protocol) : undefined;
  return n === undefined ? undefined : { protocol, port: n };
}

const isNamed = (p: any): boolean => typeof p?.port === 'string';

/** The cluster as the semantics need it: namespace labels, peer pods and their addresses. */
class ClusterView {
  readonly nsLabels = new Map<string, Record<string, string>>();
  readonly peers: any[];
  /** Each peer pod's IPv4 addresses, parsed once. */
  readonly ips = new Map<any, string[]>();
  /** Resolved peers per policy rule (`ns/name dir[i]`): the same for every pod the policy selects. */
  readonly ruleCache = new Map<string, ResolvedPeers>();

  constructor(input: PolicyInput) {
    for (const ns of input.namespaces) this.nsLabels.set(ns.metadata.name, ns.metadata.labels ?? {});
    this.peers = input.pods.filter(isPeerPod);
    for (const p of this.peers) this.ips.set(p, podIPv4s(p));
  }

  /** Pods a NetworkPolicyPeer with a pod and/or namespace selector picks (policy in `ns`). */
  selectorPeers(peer: any, ns: string): any[] {
    const podSel = peer.podSelector ? selector(peer.podSelector) : undefined;
    const nsSel = peer.namespaceSelector ? selector(peer.namespaceSelector) : undefined;
    const nsOk = new Map<string, boolean>();
    return this.peers.filter((p) => {
      const pns: string = p.metadata.namespace;
      let ok = nsOk.get(pns);
      if (ok === undefined) nsOk.set(pns, ok = nsSel ? nsSel.matches(this.nsLabels.get(pns) ?? {}) : pns === ns);
      return ok && (podSel ? podSel.matches(p.metadata.labels ?? {}) : true);
    });
  }
}

/** A rule's peers: 'any' or sorted CIDRs, and the pods among them (destinations for egress named ports). */
interface ResolvedPeers { peers: 'any' | string[]; pods: () => any[] }

/** An ipBlock as IPv4 CIDRs (cidr minus except); IPv6 blocks yield nothing here. */
export function ipBlockCidrs(block: any): Cidr4[] {
  const c = parseCidr4(String(block?.cidr ?? ''));
  if (!c) return [];
  const except = (block.except ?? []).map((e: string) => parseCidr4(String(e))).filter((e: Cidr4 | undefined): e is Cidr4 => !!e);
  return subtractCidrs(c, except);
}

const slash32 = (ip: string): string => `${ip}/32`;
/** Distinct CIDRs in numeric order (parsed once each, not per comparison). */
function uniqSorted(xs: string[]): string[] {
  return [...new Set(xs)].map((c) => ({ c, p: parseCidr4(c) })).sort((a, b) => (a.p && b.p ? a.p.base - b.p.base || a.p.bits - b.p.bits : compareCidr(a.c, b.c))).map((x) => x.c);
}

/** Order CIDRs numerically by address, then prefix, so output is stable and readable. */
export function compareCidr(a: string, b: string): number {
  const x = parseCidr4(a), y = parseCidr4(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  return x.base - y.base || x.bits - y.bits;
}

/** The peers of one rule (`from` or `to`): absent or empty is every peer. */
function resolvePeers(view: ClusterView, ns: string, peerList: any[]): ResolvedPeers {
  if (!peerList.length) return { peers: 'any', pods: () => view.peers };
  const cidrs: string[] = [];
  const pods = new Set<any>();
  const blocks: Cidr4[] = [];
  for (const peer of peerList) {
    if (peer?.ipBlock) {
      const b = ipBlockCidrs(peer.ipBlock);
      blocks.push(...b);
      cidrs.push(...b.map(formatCidr4));
    } else if (peer?.podSelector || peer?.namespaceSelector) {
      for (const p of view.selectorPeers(peer, ns)) pods.add(p);
    }
  }
  for (const p of pods) cidrs.push(...view.ips.get(p)!.map(slash32));
  return {
    peers: uniqSorted(cidrs),
    // Pods inside an ipBlock are destinations too; only egress named ports ask, so compute lazily.
    pods: () => {
      const all = new Set(pods);
      if (blocks.length) for (const p of view.peers) if (view.ips.get(p)!.some((ip) => blocks.some((b) => cidrContainsIP(b, parseIPv4(ip)!)))) all.add(p);
      return [...all];
    },
  };
}

/**
 * The rules one policy rule gives one selected pod. For ingress, named ports resolve against the
 * selected pod, so one AllowRule results. For egress, numeric ports apply to every peer, while a
 * named port yields one AllowRule per destination pod that has it (among the rule's peers).
 */
function rulesFor(view: ClusterView, np: any, dir: 'ingress' | 'egress', idx: number, rule: any, target: any): AllowRule[] {
  const ns = np.metadata.namespace;
  const source = `${ns}/${np.metadata.name} ${dir}[${idx}]`;
  let resolved = view.ruleCache.get(source);
  if (!resolved) view.ruleCache.set(source, resolved = resolvePeers(view, ns, (dir === 'ingress' ? rule?.from : rule?.to) ?? []));
  const peers = resolved.peers;
  const portList: any[] = rule?.ports ?? [];

  if (!portList.length) return [{ source, peers, ports: 'any' }];
  if (dir === 'ingress' || !portList.some(isNamed)) {
    const ports = dedupePorts(portList.map((p) => resolvePort(p, dir === 'ingress' ? target : undefined)));
    return [{ source, peers, ports }];
  }
  const out: AllowRule[] = [];
  const numeric = portList.filter((p) => !isNamed(p));
  if (numeric.length) out.push({ source, peers, ports: dedupePorts(numeric.map((p) => resolvePort(p, undefined))) });
  const named = portList.filter(isNamed);
  const sorted = [...resolved.pods()].sort((a, b) => compareCidr(view.ips.get(a)![0], view.ips.get(b)![0]));
  for (const dst of sorted) {
    const ports = dedupePorts(named.map((p) => resolvePort(p, dst)));
    if (ports.length) out.push({ source, peers: view.ips.get(dst)!.map(slash32), ports });
  }
  return out;
}

function dedupePorts(ps: (PortMatch | undefined)[]): PortMatch[] {
  const seen = new Map<string, PortMatch>();
  for (const p of ps) if (p) seen.set(`${p.protocol}:${p.port ?? ''}:${p.endPort ?? ''}`, p);
  return [...seen.values()].sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : (a.port ?? 0) - (b.port ?? 0) || (a.endPort ?? 0) - (b.endPort ?? 0)));
}

/**
 * Every pod on `nodeName` with what it may receive and send, sorted by namespace/name. Pods no
 * policy selects are listed without ingress/egress (not isolated), so a renderer can skip them.
 */
export function computePodFirewalls(input: PolicyInput): PodFirewall[] {
  const view = new ClusterView(input);
  const policies = [...input.networkPolicies].sort((a, b) =>
    (a.metadata.namespace + '/' + a.metadata.name < b.metadata.namespace + '/' + b.metadata.name ? -1 : 1));
  const targets = input.pods.filter((p) => isLocalTarget(p, input.nodeName))
    .sort((a, b) => (`${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1));
  const out: PodFirewall[] = [];
  for (const pod of targets) {
    const fw: PodFirewall = { namespace: pod.metadata.namespace, name: pod.metadata.name, ips: podIPv4s(pod) };
    for (const np of policies) {
      if (np.metadata.namespace !== pod.metadata.namespace) continue;
      if (!selector(np.spec?.podSelector).matches(pod.metadata.labels ?? {})) continue;
      const types = policyTypes(np);
      for (const dir of ['ingress', 'egress'] as const) {
        if (!types[dir]) continue;
        const list = (fw[dir] ??= []);
        (np.spec?.[dir] ?? []).forEach((rule: any, i: number) => list.push(...rulesFor(view, np, dir, i, rule, pod)));
      }
    }
    out.push(fw);
  }
  return out;
}
