/**
 * @module proxy/nftables/setup
 * The fixed part of kube-proxy's nftables table (upstream's setupNFTables): the base chains hooked
 * into netfilter, the dispatch chains that look packets up in the verdict maps, the masquerade
 * chains and the maps themselves. Every sync rewrites this small part (create, flush, refill) in
 * the same transaction as the Service rules, so a table someone damaged heals on the next sync.
 */
import {
  ENDPOINTS_CHECK_CHAIN, FIREWALL_CHECK_CHAIN, FIREWALL_IPS_MAP, MARK_MASQ_CHAIN, MASQUERADING_CHAIN, MASQ_MARK,
  NODEPORT_IPS_SET, NO_ENDPOINT_NODEPORTS_MAP, NO_ENDPOINT_SERVICES_MAP, REJECT_CHAIN, SERVICES_CHAIN,
  SERVICE_IPS_MAP, SERVICE_NODEPORTS_MAP,
} from './names.js';

/**
 * Base chains. Filtering runs before DNAT (priority -110) so it sees the Service address; the nat
 * chains use numeric priorities because nft 1.0.6 refuses the `dstnat` keyword on an output hook.
 */
const BASE_CHAINS: Array<{ name: string; type: 'filter' | 'nat'; hook: string; priority: number }> = [
  { name: 'filter-prerouting', type: 'filter', hook: 'prerouting', priority: -110 },
  { name: 'filter-input', type: 'filter', hook: 'input', priority: -110 },
  { name: 'filter-forward', type: 'filter', hook: 'forward', priority: -110 },
  { name: 'filter-output', type: 'filter', hook: 'output', priority: -110 },
  { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
  { name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
];

/**
 * Jumps from base chains. `reject` is only valid on input/forward/output hooks, hence the
 * endpoints check there; the firewall check must see pre-DNAT addresses, hence prerouting.
 */
const JUMPS: Array<{ from: string; to: string; match: string }> = [
  { from: 'filter-input', to: ENDPOINTS_CHECK_CHAIN, match: 'ct state new ' },
  { from: 'filter-forward', to: ENDPOINTS_CHECK_CHAIN, match: 'ct state new ' },
  { from: 'filter-output', to: ENDPOINTS_CHECK_CHAIN, match: 'ct state new ' },
  { from: 'filter-prerouting', to: FIREWALL_CHECK_CHAIN, match: 'ct state new ' },
  { from: 'filter-output', to: FIREWALL_CHECK_CHAIN, match: 'ct state new ' },
  { from: 'nat-output', to: SERVICES_CHAIN, match: '' },
  { from: 'nat-prerouting', to: SERVICES_CHAIN, match: '' },
  { from: 'nat-postrouting', to: MASQUERADING_CHAIN, match: '' },
];

const VERDICT_MAPS: Array<{ name: string; key: string; comment: string }> = [
  { name: NO_ENDPOINT_SERVICES_MAP, key: 'ipv4_addr . inet_proto . inet_service', comment: 'vmap to drop or reject packets to services with no endpoints' },
  { name: NO_ENDPOINT_NODEPORTS_MAP, key: 'inet_proto . inet_service', comment: 'vmap to drop or reject packets to service nodeports with no endpoints' },
  { name: FIREWALL_IPS_MAP, key: 'ipv4_addr . inet_proto . inet_service', comment: 'destinations that are subject to LoadBalancerSourceRanges' },
  { name: SERVICE_IPS_MAP, key: 'ipv4_addr . inet_proto . inet_service', comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic' },
  { name: SERVICE_NODEPORTS_MAP, key: 'inet_proto . inet_service', comment: 'NodePort traffic' },
];

/**
 * Statements that (re)create the fixed part of table `table`. With `nodeIPs`, NodePorts answer on
 * those addresses only (kube-proxy's --nodeport-addresses); without, on every local address but
 * loopback (`fib daddr type local`). Maps are created but not flushed: the caller decides.
 */
export function setupStatements(table: string, nodeIPs: readonly string[]): string[] {
  const t = `ip ${table}`;
  const out: string[] = [`add table ${t} { comment "rules for kube-proxy" ; }`];
  for (const c of BASE_CHAINS) {
    out.push(`add chain ${t} ${c.name} { type ${c.type} hook ${c.hook} priority ${c.priority} ; }`, `flush chain ${t} ${c.name}`);
  }
  for (const c of [SERVICES_CHAIN, MASQUERADING_CHAIN, MARK_MASQ_CHAIN, ENDPOINTS_CHECK_CHAIN, FIREWALL_CHECK_CHAIN, REJECT_CHAIN]) {
    out.push(`add chain ${t} ${c}`, `flush chain ${t} ${c}`);
  }
  for (const j of JUMPS) out.push(`add rule ${t} ${j.from} ${j.match}jump ${j.to}`);

  out.push(`add rule ${t} ${MARK_MASQ_CHAIN} mark set mark or ${MASQ_MARK}`);
  out.push(`add rule ${t} ${MASQUERADING_CHAIN} mark and ${MASQ_MARK} == 0 return`);
  out.push(`add rule ${t} ${MASQUERADING_CHAIN} mark set mark xor ${MASQ_MARK}`);
  out.push(`add rule ${t} ${MASQUERADING_CHAIN} masquerade fully-random`);
  out.push(`add rule ${t} ${REJECT_CHAIN} reject`);

  out.push(`add set ${t} ${NODEPORT_IPS_SET} { type ipv4_addr ; comment "IPs that accept NodePort traffic" ; }`, `flush set ${t} ${NODEPORT_IPS_SET}`);
  const ips = nodeIPs.filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip) && !ip.startsWith('127.'));
  if (ips.length > 0) out.push(`add element ${t} ${NODEPORT_IPS_SET} { ${ips.join(', ')} }`);
  for (const m of VERDICT_MAPS) out.push(`add map ${t} ${m.name} { type ${m.key} : verdict ; comment "${m.comment}" ; }`);

  const nodePortMatch = ips.length > 0 ? `ip daddr @${NODEPORT_IPS_SET}` : 'fib daddr type local ip daddr != 127.0.0.0/8';
  out.push(`add rule ${t} ${ENDPOINTS_CHECK_CHAIN} ip daddr . meta l4proto . th dport vmap @${NO_ENDPOINT_SERVICES_MAP}`);
  out.push(`add rule ${t} ${ENDPOINTS_CHECK_CHAIN} ${nodePortMatch} meta l4proto . th dport vmap @${NO_ENDPOINT_NODEPORTS_MAP}`);
  out.push(`add rule ${t} ${FIREWALL_CHECK_CHAIN} ip daddr . meta l4proto . th dport vmap @${FIREWALL_IPS_MAP}`);
  out.push(`add rule ${t} ${SERVICES_CHAIN} ip daddr . meta l4proto . th dport vmap @${SERVICE_IPS_MAP}`);
  out.push(`add rule ${t} ${SERVICES_CHAIN} ${nodePortMatch} meta l4proto . th dport vmap @${SERVICE_NODEPORTS_MAP}`);
  return out;
}
