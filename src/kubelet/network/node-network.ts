/**
 * @module kubelet/network/node-network
 * The node agent's one call for pod networking on containerd: once node IPAM has given the Node its
 * podCIDR, make the bridge with the gateway address and write the conflist. containerd watches its
 * CNI conf dir, so it may start earlier: it reports NetworkReady=false ("cni plugin not
 * initialized") until the conflist appears, and the kubelet keeps the node NotReady meanwhile, as
 * upstream does.
 */
import { join } from 'node:path';
import { ensureBridge, removeBridge } from './bridge.js';
import { DEFAULT_BRIDGE, podCIDRGateway, writeNodeCniConfig } from './cni-config.js';

export interface NodeNetwork {
  /** Give this to containerd as its CNI `conf_dir`. */
  cniConfDir: string;
  bridge: string;
  /** The host's address on the bridge (the podCIDR's first address). */
  gateway: string;
}

/** The CNI conf dir under a node's data dir (usable before the podCIDR is known). */
export const nodeCniConfDir = (dataDir: string): string => join(dataDir, 'cni', 'net.d');

/** Create the bridge (idempotent) and write the node's conflist for `podCIDR`. */
export async function setupNodeNetwork(o: { dataDir: string; podCIDR: string; bridge?: string; mtu?: number }): Promise<NodeNetwork> {
  const bridge = o.bridge ?? DEFAULT_BRIDGE;
  const { gateway, gatewayCIDR } = podCIDRGateway(o.podCIDR);
  // Bridge first: a sandbox started the moment the conflist lands must find the host side ready.
  await ensureBridge(bridge, gatewayCIDR);
  const cniConfDir = nodeCniConfDir(o.dataDir);
  writeNodeCniConfig(cniConfDir, { podCIDR: o.podCIDR, bridge, ipamDataDir: join(o.dataDir, 'cni', 'ipam'), mtu: o.mtu });
  return { cniConfDir, bridge, gateway };
}

/** Remove the node's bridge (after its pods are gone; CNI DEL never removes it). */
export async function teardownNodeNetwork(bridge: string = DEFAULT_BRIDGE): Promise<void> {
  await removeBridge(bridge);
}
