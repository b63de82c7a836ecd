/**
 * @module networkpolicy/iptables
 * Renders the pods' firewalls (networkpolicy/policy) as iptables-restore input for the node's
 * filter table, to load with `iptables-restore --noflush` so that only skiff's own chains change
 * (kube-proxy's KUBE-* chains and anything else in the table are left alone).
 *
 * Layout (names in the spirit of kube-router's KUBE-ROUTER-FORWARD / KUBE-POD-FW-*):
 *   FORWARD -> SKIFF-NP-FORWARD            (jump kept at position 1, see controller)
 *     ESTABLISHED,RELATED -> RETURN        reply traffic of allowed connections passes
 *     -s podIP -d podIP   -> RETURN        a pod cannot block access to itself
 *     -s podIP            -> SKIFF-NP-EG-<hash>   per egress-isolated local pod
 *     -d podIP            -> SKIFF-NP-IN-<hash>   per ingress-isolated local pod
 *   SKIFF-NP-IN/EG-<hash>: one line per (peer x port) an allow rule permits -> RETURN; then DROP.
 *     (rules with many peers: port -> SKIFF-NP-PR-<hash>, a shared peer chain that sets a mark
 *     bit; unmarked packets are DROPped at the end; see allowLines)
 * A packet between two isolated pods on this node passes both its sender's egress chain and its
 * receiver's ingress chain (RETURN continues in SKIFF-NP-FORWARD); the first DROP ends it.
 *
 * Only FORWARD is hooked: pods on one node talk across the node's bridge (which reaches FORWARD
 * through br_netfilter's bridge-nf-call-iptables) and to other nodes through the node's routing.
 * Traffic the node itself originates (OUTPUT: kubelet probes) and traffic a pod sends to its own
 * node (INPUT) never reaches these chains: Kubernetes says traffic to and from the pod's node is
 * always allowed, and Calico, Cilium and kube-router all keep it so. Denied packets are DROPped,
 * as those plugins do, so a denied client sees a timeout rather than a reset.
 */
import { createHash } from 'node:crypto';
import type { AllowRule, PodFirewall, PortMatch } from './policy.js';

/** The top chain, jumped to from FORWARD. */
export const TOP_CHAIN = 'SKIFF-NP-FORWARD';
/** Every chain skiff's NetworkPolicy enforcement owns starts with this. */
export const CHAIN_PREFIX = 'SKIFF-NP-';

/** `SKIFF-NP-IN-`/`SKIFF-NP-EG-` + 12 hex of sha256(namespace/name): stable, <= 28 characters. */
export function podChainName(dir: 'ingress' | 'egress', namespace: string, name: string): string {
  const h = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 12).toUpperCase();
  return `${CHAIN_PREFIX}${dir === 'ingress' ? 'IN' : 'EG'}-${h}`;
}

/** A quoted iptables comment (restore input is split like a shell line; no quotes inside). */
const comment = (s: string): string => `-m comment --comment "${s.replace(/["\\]/g, '').slice(0, 250)}"`;

function portArgs(p: PortMatch): string {
  const proto = p.protocol.toLowerCase();
  if (p.port === undefined) return `-p ${proto}`;
  const dport = p.endPort !== undefined ? `${p.port}:${p.endPort}` : `${p.port}`;
  return `-p ${proto} -m ${proto} --dport ${dport}`;
}

/** The packet-mark bit a peer chain sets for "some allowed peer matched" (kube-proxy uses 0x4000/0x8000). */
export const ALLOW_MARK = '0x20000';
/** Rules with more (peer x port) pairs than this match their peers in a shared peer chain. */
const INLINE_MAX = 8;

/** `SKIFF-NP-PR-` + 12 hex of the peer set and direction: one chain per distinct peer set, shared. */
export function peerChainName(dir: 'ingress' | 'egress', peers: string[]): string {
  const h = createHash('sha256').update(`${dir}|${peers.join(',')}`).digest('hex').slice(0, 12).toUpperCase();
  return `${CHAIN_PREFIX}PR-${h}`;
}

const usesPeerChain = (r: AllowRule): r is AllowRule & { peers: string[] } =>
  r.peers !== 'any' && r.peers.length > 1 && r.peers.length * (r.ports === 'any' ? 1 : r.ports.length) > INLINE_MAX;

/**
 * The lines one allow rule adds to a pod chain. Small rules are the cross product of peers and
 * ports, each line RETURNing (allowed). A rule with many peers instead sends each of its ports to
 * the rule's peer chain, which marks the packet when its address is a peer; the pod chain then
 * drops unmarked packets. Peer chains are shared by every pod a policy selects, so rules grow as
 * peers + pods x ports, not pods x peers x ports (what ipsets give kube-router; ipset is not
 * packaged here).
 */
function allowLines(chain: string, dir: 'ingress' | 'egress', r: AllowRule): string[] {
  const flag = dir === 'ingress' ? '-s' : '-d';
  const ports: (PortMatch | undefined)[] = r.ports === 'any' ? [undefined] : r.ports;
  const line = (peer: string | undefined, port: PortMatch | undefined, target: string): string =>
    [`-A ${chain}`, ...(peer ? [`${flag} ${peer}`] : []), ...(port ? [portArgs(port)] : []), comment(r.source), target].join(' ');
  if (usesPeerChain(r)) return ports.map((port) => line(undefined, port, `-j ${peerChainName(dir, r.peers)}`));
  const peers: (string | undefined)[] = r.peers === 'any' ? [undefined] : r.peers;
  return peers.flatMap((peer) => ports.map((port) => line(peer, port, '-j RETURN')));
}

export interface RenderOptions {
  /** skiff chains present in the table now (from iptables-save): those no longer wanted are deleted. */
  existingChains?: string[];
}

/** The shared peer chains these firewalls need, by name, with their direction and peers. */
function peerChains(fws: PodFirewall[]): Map<string, { dir: 'ingress' | 'egress'; peers: string[] }> {
  const out = new Map<string, { dir: 'ingress' | 'egress'; peers: string[] }>();
  for (const fw of fws) {
    for (const dir of ['egress', 'ingress'] as const) {
      for (const r of fw[dir] ?? []) if (usesPeerChain(r)) out.set(peerChainName(dir, r.peers), { dir, peers: r.peers });
    }
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The chains the rendering declares (for tests and cleanup). */
export function renderedChains(fws: PodFirewall[]): string[] {
  const chains = [TOP_CHAIN];
  for (const fw of fws) {
    if (fw.egress) chains.push(podChainName('egress', fw.namespace, fw.name));
    if (fw.ingress) chains.push(podChainName('ingress', fw.namespace, fw.name));
  }
  return [...chains, ...peerChains(fws).keys()];
}

/**
 * The filter-table iptables-restore text for these firewalls. Deterministic: the same input gives
 * byte-identical output, so the controller can skip a sync that would change nothing.
 */
export function renderFilterRules(fws: PodFirewall[], o: RenderOptions = {}): string {
  const wanted = renderedChains(fws);
  const wantedSet = new Set(wanted);
  const stale = (o.existingChains ?? []).filter((c) => c.startsWith(CHAIN_PREFIX) && !wantedSet.has(c)).sort();
  const lines: string[] = ['*filter'];
  for (const c of [...wanted, ...stale]) lines.push(`:${c} - [0:0]`);

  lines.push(`-A ${TOP_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED ${comment('reply traffic of allowed connections')} -j RETURN`);
  const isolated = fws.filter((fw) => fw.ingress || fw.egress);
  for (const fw of isolated) {
    for (const ip of fw.ips) lines.push(`-A ${TOP_CHAIN} -s ${ip}/32 -d ${ip}/32 ${comment(`${fw.namespace}/${fw.name} to itself`)} -j RETURN`);
  }
  for (const fw of isolated) {
    const id = `${fw.namespace}/${fw.name}`;
    if (fw.egress) for (const ip of fw.ips) lines.push(`-A ${TOP_CHAIN} -s ${ip}/32 ${comment(`${id} egress`)} -j ${podChainName('egress', fw.namespace, fw.name)}`);
    if (fw.ingress) for (const ip of fw.ips) lines.push(`-A ${TOP_CHAIN} -d ${ip}/32 ${comment(`${id} ingress`)} -j ${podChainName('ingress', fw.namespace, fw.name)}`);
  }
  for (const fw of isolated) {
    for (const dir of ['egress', 'ingress'] as const) {
      const rules = fw[dir];
      if (!rules) continue;
      const chain = podChainName(dir, fw.namespace, fw.name);
      const denied = comment(`${fw.namespace}/${fw.name} ${dir}: not allowed by any NetworkPolicy`);
      if (rules.some(usesPeerChain)) {
        // The mark is per packet: clear it first (an egress check may have set it), and after.
        lines.push(`-A ${chain} -j MARK --set-xmark 0x0/${ALLOW_MARK}`);
        for (const r of rules) lines.push(...allowLines(chain, dir, r));
        lines.push(`-A ${chain} -m mark ! --mark ${ALLOW_MARK}/${ALLOW_MARK} ${denied} -j DROP`);
        lines.push(`-A ${chain} -j MARK --set-xmark 0x0/${ALLOW_MARK}`);
      } else {
        for (const r of rules) lines.push(...allowLines(chain, dir, r));
        lines.push(`-A ${chain} ${denied} -j DROP`);
      }
    }
  }
  for (const [chain, { dir, peers }] of peerChains(fws)) {
    const flag = dir === 'ingress' ? '-s' : '-d';
    for (const peer of peers) lines.push(`-A ${chain} ${flag} ${peer} -j MARK --set-xmark ${ALLOW_MARK}/${ALLOW_MARK}`);
  }
  for (const c of stale) lines.push(`-X ${c}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** iptables-restore text that empties and deletes every skiff NetworkPolicy chain in `existing`. */
export function renderCleanup(existing: string[]): string {
  const ours = existing.filter((c) => c.startsWith(CHAIN_PREFIX)).sort();
  if (!ours.length) return '';
  return ['*filter', ...ours.map((c) => `:${c} - [0:0]`), ...ours.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
}

/** skiff NetworkPolicy chains declared in `iptables-save -t filter` output. */
export function chainsInSave(save: string): string[] {
  const out: string[] = [];
  for (const line of save.split('\n')) {
    const m = /^:(\S+) /.exec(line);
    if (m && m[1].startsWith(CHAIN_PREFIX)) out.push(m[1]);
  }
  return out;
}
