/**
 * @module cluster/underlay
 * The wiring that turns network namespaces into hosts on one machine: an underlay bridge on the
 * host, and per node a namespace with a veth whose inside end is `eth0` (the node's address, `lo`
 * up, the namespace's own `net.ipv4.ip_forward=1` so it routes for its pods). A node namespace gets
 * no default route: nothing in it can reach beyond the underlay. Every function here is idempotent
 * and each removal tolerates what is already gone, so `down` can run on a half-made cluster.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { NodePlan } from './topology.js';

const run = promisify(execFile);
const stderrOf = (e: unknown): string => String((e as { stderr?: string }).stderr ?? (e as Error).message ?? e);

async function ip(args: string[]): Promise<string> {
  return (await run('ip', args)).stdout;
}

/** Run `ip` inside namespace `ns`. */
export async function ipIn(ns: string, args: string[]): Promise<string> {
  return (await run('ip', ['-n', ns, ...args])).stdout;
}

export async function linkExists(name: string): Promise<boolean> {
  try { await ip(['link', 'show', 'dev', name]); return true; } catch { return false; }
}

export const netnsExists = (name: string): boolean => existsSync(`/run/netns/${name}`);

/** The underlay bridge with the host's address; false when it existed already (then it is not ours to remove). */
export async function ensureUnderlayBridge(name: string, hostCIDR: string): Promise<boolean> {
  let made = false;
  if (!(await linkExists(name))) {
    await ip(['link', 'add', name, 'type', 'bridge']);
    made = true;
  }
  try { await ip(['addr', 'add', hostCIDR, 'dev', name]); } catch (e) { if (!/File exists/.test(stderrOf(e))) throw e; }
  await ip(['link', 'set', name, 'up']);
  return made;
}

/**
 * A node namespace wired to the bridge: veth pair, inside end renamed `eth0` with the node's
 * address, `lo` and `eth0` up, forwarding on inside the namespace only. `onMade` hears of each
 * namespace and link as it is made, so the state file lists it before the next step can fail.
 */
export async function ensureNodeNamespace(n: NodePlan, bridge: string, onMade: (what: { netns?: string; link?: string }) => void): Promise<void> {
  if (!netnsExists(n.netns)) {
    await ip(['netns', 'add', n.netns]);
    onMade({ netns: n.netns });
  }
  const hasEth0 = await ipIn(n.netns, ['link', 'show', 'dev', 'eth0']).then(() => true, () => false);
  if (!hasEth0) {
    if (await linkExists(n.hostVeth)) await ip(['link', 'del', n.hostVeth]); // a half-made pair from an earlier try
    await ip(['link', 'add', n.hostVeth, 'type', 'veth', 'peer', 'name', n.peerVeth]);
    onMade({ link: n.hostVeth });
    await ip(['link', 'set', n.peerVeth, 'netns', n.netns]);
    await ipIn(n.netns, ['link', 'set', n.peerVeth, 'name', 'eth0']);
  }
  await ip(['link', 'set', n.hostVeth, 'master', bridge]);
  await ip(['link', 'set', n.hostVeth, 'up']);
  try { await ipIn(n.netns, ['addr', 'add', n.ipCIDR, 'dev', 'eth0']); } catch (e) { if (!/File exists/.test(stderrOf(e))) throw e; }
  await ipIn(n.netns, ['link', 'set', 'lo', 'up']);
  await ipIn(n.netns, ['link', 'set', 'eth0', 'up']);
  // The namespace's own sysctl (net.ipv4.ip_forward is per network namespace): the host's stays as it is.
  await run('ip', ['netns', 'exec', n.netns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  // Bridged pod traffic through the namespace's own iptables (kube-proxy and NetworkPolicy need it, as
  // upstream's kubelet checks), where this kernel keeps the switch per namespace; the host's is untouched.
  await run('ip', ['netns', 'exec', n.netns, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=1']).catch(() => undefined);
}

/** Delete a namespace (its veth pair, routes and iptables go with it). */
export async function removeNamespace(name: string): Promise<void> {
  if (!netnsExists(name)) return;
  try { await ip(['netns', 'del', name]); } catch (e) { if (netnsExists(name)) throw e; }
}

export async function removeLink(name: string): Promise<void> {
  if (!(await linkExists(name))) return;
  try { await ip(['link', 'del', name]); } catch (e) { if (await linkExists(name)) throw e; }
}
