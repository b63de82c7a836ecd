/**
 * @module cluster/topology
 * The plan of a cluster of several nodes on one machine (`skiff up --nodes N`): every name and
 * address is computed here, up front, from a few options, so `up` only executes the plan and `down`
 * can find everything again. Each node is a network namespace that acts as a host: `eth0` on an
 * underlay bridge of the machine (host side `.1`, node i at `.(10+i)`), its own routes and its own
 * iptables. The plan is pure: no system calls.
 */

/** Options of `skiff up` that shape the network. */
export interface TopologyOptions {
  /** Cluster name: part of the namespaces' names (`skiff-<name>-n<i>`) and the node names. */
  name: string;
  /** Number of nodes (1-50). */
  nodes: number;
  /** The underlay network, a /24 or larger: `172.30.0.0/24` by default. */
  underlayCIDR: string;
  /** The underlay bridge on the host (at most 11 characters: node veths are named `<bridge>-n<i>`). */
  bridge: string;
  /** The pod network node IPAM cuts into podCIDRs (`--cluster-cidr`). */
  clusterCIDR: string;
  /** The service network (the API server's is fixed at 10.96.0.0/12). */
  serviceCIDR: string;
}

export const DEFAULT_TOPOLOGY: Omit<TopologyOptions, 'nodes'> = {
  name: 'skiff', underlayCIDR: '172.30.0.0/24', bridge: 'skiffu0', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12',
};

/** One node of the plan. */
export interface NodePlan {
  index: number;
  /** The Node's name in the API. */
  nodeName: string;
  /** Network namespace (`ip netns` name; its file is /run/netns/<netns>). */
  netns: string;
  /** The veth end on the host, enslaved to the underlay bridge. */
  hostVeth: string;
  /** The veth end's name inside the node namespace before it is renamed to `eth0`. */
  peerVeth: string;
  /** The node's address on the underlay (its InternalIP) and with prefix (`172.30.0.11/24`). */
  ip: string;
  ipCIDR: string;
  /** The cgroup every pod of the node goes under (the kubelet's cgroupRoot). */
  cgroupRoot: string;
}

export interface TopologyPlan extends TopologyOptions {
  /** The host's address on the underlay bridge (the API server listens there) and with prefix. */
  hostIP: string;
  hostCIDR: string;
  nodePlans: NodePlan[];
}

export function ipv4ToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new Error(`invalid IPv4 address: ${ip}`);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}
export const intToIpv4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** Parse an IPv4 CIDR into its network address (as a number) and prefix length. */
export function parseCIDR(cidr: string, what = 'CIDR'): { network: number; bits: number } {
  const [addr, bitsS] = cidr.split('/');
  const bits = Number(bitsS);
  if (!addr || bitsS === undefined || !Number.isInteger(bits) || bits < 1 || bits > 32) throw new Error(`invalid ${what} "${cidr}": want an IPv4 CIDR such as 172.30.0.0/24`);
  const mask = (~0 << (32 - bits)) >>> 0;
  return { network: (ipv4ToInt(addr) & mask) >>> 0, bits };
}

/** Do two IPv4 CIDRs overlap? */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCIDR(a), y = parseCIDR(b);
  const bits = Math.min(x.bits, y.bits);
  const mask = (~0 << (32 - bits)) >>> 0;
  return ((x.network & mask) >>> 0) === ((y.network & mask) >>> 0);
}

/** Compute the whole plan, refusing options that cannot work (names too long, overlapping networks, too few addresses). */
export function planTopology(o: TopologyOptions): TopologyPlan {
  if (!/^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/.test(o.name)) throw new Error(`invalid cluster name "${o.name}": want 1-20 lower-case letters, digits and '-'`);
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 50) throw new Error(`invalid --nodes ${o.nodes}: want 1-50`);
  if (!/^[A-Za-z0-9_.]{1,11}$/.test(o.bridge)) throw new Error(`invalid underlay bridge name "${o.bridge}": want 1-11 characters of [A-Za-z0-9_.]`);
  const u = parseCIDR(o.underlayCIDR, 'underlay CIDR');
  if (u.bits > 26) throw new Error(`underlay CIDR ${o.underlayCIDR} is too small: want /26 or larger`);
  parseCIDR(o.clusterCIDR, 'cluster CIDR');
  parseCIDR(o.serviceCIDR, 'service CIDR');
  for (const [a, b] of [[o.underlayCIDR, o.clusterCIDR], [o.underlayCIDR, o.serviceCIDR], [o.clusterCIDR, o.serviceCIDR]] as const) {
    if (cidrsOverlap(a, b)) throw new Error(`networks ${a} and ${b} overlap`);
  }
  if (10 + o.nodes >= 2 ** (32 - u.bits) - 1) throw new Error(`underlay CIDR ${o.underlayCIDR} has no room for ${o.nodes} nodes at .11 and up`);
  const hostIP = intToIpv4(u.network + 1);
  const nodePlans: NodePlan[] = [];
  for (let i = 1; i <= o.nodes; i++) {
    const ip = intToIpv4(u.network + 10 + i);
    nodePlans.push({
      index: i,
      nodeName: `${o.name}-n${i}`,
      netns: `skiff-${o.name}-n${i}`,
      hostVeth: `${o.bridge}-n${i}`,
      peerVeth: `${o.bridge}-p${i}`,
      ip,
      ipCIDR: `${ip}/${u.bits}`,
      cgroupRoot: `/skiff-${o.name}-n${i}`,
    });
  }
  return { ...o, hostIP, hostCIDR: `${hostIP}/${u.bits}`, nodePlans };
}
