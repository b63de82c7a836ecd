/**
 * @module kubelet/network/cni-config
 * The CNI network a skiff node writes for its runtime: one bridge per node, with pod addresses from
 * the node's podCIDR (host-local IPAM) and host ports through `portmap`. It is deliberately a
 * *closed* network: no default route in pods, no masquerade, and `isGateway: false` so the bridge
 * plugin never turns on `net.ipv4.ip_forward` — nothing from a pod can leave the machine. The host
 * still has to reach pods (probes, port-forward, the API server proxy), so the node itself puts the
 * gateway address on the bridge (`ensureBridge`) before the first sandbox.
 *
 * The loopback interface is not in the chain: containerd's CRI plugin brings up `lo` in every pod
 * with its own loopback network, and the loopback plugin chained after `bridge` would act on eth0.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The network's name: pods' CNI results and host-local's allocations are filed under it. */
export const CNI_NETWORK_NAME = 'skiff';
/** The bridge's name unless told otherwise. */
export const DEFAULT_BRIDGE = 'skiff0';
/** The conflist's file name; containerd loads the first file of its conf dir in lexical order. */
export const CNI_CONFLIST_FILE = '10-skiff.conflist';

export interface NodeCniOptions {
  /** The node's podCIDR, e.g. `10.244.1.0/24`. */
  podCIDR: string;
  /** Linux bridge name (at most 15 characters). */
  bridge?: string;
  /** Directory under the node's data dir where host-local records its allocations. */
  ipamDataDir: string;
  mtu?: number;
  /**
   * Destinations (CIDRs) pods reach through the bridge's gateway: on a multi-node cluster the
   * cluster CIDR, the service CIDR and the nodes' own network. Never a default route: what is not
   * listed stays unreachable from a pod. Empty (the single-node default): the pod's subnet only.
   */
  routes?: string[];
}

function ipv4ToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new Error(`invalid IPv4 address: ${ip}`);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}
const intToIpv4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** The gateway of a podCIDR: its first address, and that address with the CIDR's prefix (for `ip addr add`). */
export function podCIDRGateway(podCIDR: string): { gateway: string; gatewayCIDR: string; subnet: string } {
  const [addr, bitsS] = podCIDR.split('/');
  const bits = Number(bitsS);
  if (!addr || !Number.isInteger(bits) || bits < 1 || bits > 30) throw new Error(`invalid podCIDR: ${podCIDR} (want an IPv4 CIDR with prefix 1-30)`);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const network = (ipv4ToInt(addr) & mask) >>> 0;
  const gateway = intToIpv4(network + 1);
  return { gateway, gatewayCIDR: `${gateway}/${bits}`, subnet: `${intToIpv4(network)}/${bits}` };
}

/** Refuse a route that would be a default route (or is not an IPv4 CIDR): pods must not reach beyond the cluster. */
function checkRouteCIDR(dst: string): void {
  const [addr, bitsS] = dst.split('/');
  const bits = Number(bitsS);
  if (!addr || !Number.isInteger(bits) || bits < 1 || bits > 32) throw new Error(`invalid pod route "${dst}": want an IPv4 CIDR with prefix 1-32 (never a default route)`);
  ipv4ToInt(addr);
}

/** Check a Linux interface name: 1-15 characters, no '/', whitespace or ':'. */
export function validateLinkName(name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) throw new Error(`invalid bridge name "${name}": want 1-15 characters of [A-Za-z0-9_.-]`);
}

/** The node's CNI network configuration list (cniVersion 1.0.0), as an object. */
export function nodeCniConflist(o: NodeCniOptions): Record<string, unknown> {
  const bridge = o.bridge ?? DEFAULT_BRIDGE;
  validateLinkName(bridge);
  const { gateway, subnet } = podCIDRGateway(o.podCIDR);
  return {
    cniVersion: '1.0.0',
    name: CNI_NETWORK_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge,
        isGateway: false,
        ipMasq: false,
        hairpinMode: true,
        ...(o.mtu ? { mtu: o.mtu } : {}),
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet, gateway }]],
          // Only the routes asked for (none by default): a pod reaches its own subnet (the host's bridge
          // address included) and those destinations, never the world.
          routes: (o.routes ?? []).map((dst) => { checkRouteCIDR(dst); return { dst, gw: gateway }; }),
          dataDir: o.ipamDataDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/** Write the conflist into `confDir` (created if needed); returns the file's path. */
export function writeNodeCniConfig(confDir: string, o: NodeCniOptions): string {
  mkdirSync(confDir, { recursive: true });
  mkdirSync(o.ipamDataDir, { recursive: true });
  const file = join(confDir, CNI_CONFLIST_FILE);
  // Written whole into a temp name then renamed, since containerd watches the directory and may read a half-written file.
  const tmp = join(confDir, `.${CNI_CONFLIST_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(nodeCniConflist(o), null, 2) + '\n');
  renameSync(tmp, file);
  return file;
}
