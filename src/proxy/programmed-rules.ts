/**
 * @module proxy/programmed-rules
 * The rules kube-proxy programmed for one Service in this network namespace, whichever mode
 * programmed them: what `skiff proxy rules` prints, as data for the kubelet's debug endpoint (the
 * dashboard's Service view). A node agent does not know which mode its kube-proxy runs in (they
 * are separate processes, as upstream), so it asks iptables first and nftables second.
 */
import { newProxier, PROXY_MODES, type ProxyMode } from './modes.js';

export interface ProgrammedRules {
  /** The mode whose rules were found; undefined when no mode has rules for the Service. */
  mode?: ProxyMode;
  /** The rules in the mode's own text (iptables-save lines or nft list output). */
  rules: string;
  /** Modes that could not be read (tool missing, no permission), with why. */
  errors: { mode: ProxyMode; message: string }[];
}

export async function programmedRules(namespace: string, name: string, netns?: string): Promise<ProgrammedRules> {
  const errors: ProgrammedRules['errors'] = [];
  for (const mode of PROXY_MODES) {
    try {
      const rules = await (await newProxier(mode, { netns })).rulesFor(namespace, name);
      if (rules.trim()) return { mode, rules, errors };
    } catch (e) {
      errors.push({ mode, message: (e as Error).message.split('\n')[0]!.slice(0, 300) });
    }
  }
  return { rules: '', errors };
}
