/**
 * @module proxy/modes
 * kube-proxy's --proxy-mode: which Proxier programs the node. The nftables mode lives in its own
 * folder and is loaded only when chosen (nothing of it runs in iptables mode). There is no ipvs
 * mode: this kernel has no IP_VS.
 */
import type { Proxier } from './types.js';
import { IptablesProxier } from './iptables/proxier.js';

export type ProxyMode = 'iptables' | 'nftables';
export const PROXY_MODES: readonly ProxyMode[] = ['iptables', 'nftables'];

/** What every mode's constructor takes. */
export interface ProxierOptions {
  log?: (msg: string) => void;
  /** Program this network namespace (`ip netns` name) instead of the process's own. */
  netns?: string;
}

export async function newProxier(mode: ProxyMode, o: ProxierOptions = {}): Promise<Proxier> {
  if (mode === 'iptables') return new IptablesProxier(o);
  if (mode === 'nftables') {
    // A computed specifier: the nftables mode is optional at build time.
    const spec = './nftables/proxier.js';
    const mod = await import(spec) as { NftablesProxier: new (o: ProxierOptions) => Proxier };
    return new mod.NftablesProxier(o);
  }
  throw new Error(`invalid proxy mode "${mode as string}": must be one of ${PROXY_MODES.join(', ')}`);
}
