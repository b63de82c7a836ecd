/**
 * @module kubelet/network/bridge
 * The node's pod bridge on the host side. The CNI bridge plugin would create the bridge itself, but
 * with `isGateway: false` (so it leaves ip_forward alone) it gives the bridge no address, and the
 * host could not reach its pods; so the node makes the bridge and gives it the podCIDR's gateway
 * address first. Both functions are idempotent; `removeBridge` is the tear-down CNI's DEL never does.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { validateLinkName } from './cni-config.js';

const run = promisify(execFile);

async function ip(args: string[]): Promise<string> {
  const { stdout } = await run('ip', args);
  return stdout;
}

/** Does a link of this name exist? */
export async function linkExists(name: string): Promise<boolean> {
  try { await ip(['link', 'show', 'dev', name]); return true; } catch { return false; }
}

/** Create bridge `name` if missing, give it `gatewayCIDR` (e.g. `10.244.1.1/24`) if it lacks it, and set it up. */
export async function ensureBridge(name: string, gatewayCIDR: string): Promise<void> {
  validateLinkName(name);
  if (!(await linkExists(name))) {
    try { await ip(['link', 'add', name, 'type', 'bridge']); } catch (e) {
      // Two starters racing: the other one made it, which is as good.
      if (!(await linkExists(name))) throw e;
    }
  }
  const addrs = JSON.parse(await ip(['-j', 'addr', 'show', 'dev', name])) as { addr_info?: { local: string; prefixlen: number }[] }[];
  const have = (addrs[0]?.addr_info ?? []).some((a) => `${a.local}/${a.prefixlen}` === gatewayCIDR);
  if (!have) {
    try { await ip(['addr', 'add', gatewayCIDR, 'dev', name]); } catch (e) {
      if (!/File exists/.test(String((e as { stderr?: string }).stderr ?? e))) throw e;
    }
  }
  await ip(['link', 'set', name, 'up']);
}

/** Delete bridge `name` if it exists (its veths go with it; the kernel drops its address and route). */
export async function removeBridge(name: string): Promise<void> {
  validateLinkName(name);
  if (!(await linkExists(name))) return;
  try { await ip(['link', 'del', name]); } catch (e) { if (await linkExists(name)) throw e; }
}
