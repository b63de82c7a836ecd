/**
 * @module proxy/nftables/nft
 * The few ways kube-proxy's nftables mode talks to the kernel, all through the `nft` binary: apply
 * a transaction from stdin, list the table (as text for people, as terse JSON for the names of
 * what is there), delete the table. A missing table is an ordinary answer, not an error.
 */
import { CommandError, type CommandRunner } from '../exec.js';
import type { LiveObjects } from './script.js';

const isNotFound = (err: unknown) => err instanceof CommandError && /No such file or directory/.test(err.stderr);

/** Apply one nft transaction atomically. */
export async function applyScript(runner: CommandRunner, text: string): Promise<void> {
  await runner.run('nft', ['-f', '-'], { input: text });
}

/** `nft list table ip TABLE`, or '' when the table does not exist. */
export async function listTable(runner: CommandRunner, table: string): Promise<string> {
  try {
    return await runner.run('nft', ['list', 'table', 'ip', table]);
  } catch (err) {
    if (isNotFound(err)) return '';
    throw err;
  }
}

/** Names of the chains and sets (with timeouts) in the table, without set contents. */
export async function listObjects(runner: CommandRunner, table: string): Promise<LiveObjects> {
  let text: string;
  try {
    text = await runner.run('nft', ['-j', '-t', 'list', 'table', 'ip', table]);
  } catch (err) {
    if (isNotFound(err)) return { chains: [], sets: new Map() };
    throw err;
  }
  const doc = JSON.parse(text) as { nftables?: Array<{ chain?: { name: string }; set?: { name: string; timeout?: number } }> };
  const live: LiveObjects = { chains: [], sets: new Map() };
  for (const o of doc.nftables ?? []) {
    if (o.chain) live.chains.push(o.chain.name);
    if (o.set) live.sets.set(o.set.name, o.set.timeout ?? 0);
  }
  return live;
}

/** Delete the table and everything in it; a no-op when it is not there. */
export async function deleteTable(runner: CommandRunner, table: string): Promise<void> {
  // add+delete in one transaction: deleting alone fails when the table is missing.
  await applyScript(runner, `add table ip ${table}\ndelete table ip ${table}\n`);
}
