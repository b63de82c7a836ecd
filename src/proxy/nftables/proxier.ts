/**
 * @module proxy/nftables/proxier
 * kube-proxy's nftables mode: a Proxier that owns one table (`ip kube-proxy`) and nothing else.
 * Each sync is one atomic `nft -f -` transaction; after the first, syncs that name the changed
 * service ports rewrite only those (see ./script). A failed sync leaves the kernel untouched and
 * makes the next one full. Restarted, it lists what the table still holds and reprograms it from
 * scratch while the old rules keep serving, removing whatever is stale in the same transaction.
 * After each sync, UDP conntrack entries pinned to removed endpoints are cleared (../conntrack).
 */
import type { ProxyState, Proxier, SyncResult } from '../types.js';
import { execRunner, type CommandRunner } from '../exec.js';
import { clearStaleConntrack, staleConntrackDeletions, udpSnapshot, type UdpServiceSnapshot } from '../conntrack.js';
import { DEFAULT_TABLE } from './names.js';
import { applyScript, deleteTable, listObjects, listTable } from './nft.js';
import { filterServiceRules } from './rules-for.js';
import { buildNftScript, type ProgrammedRuleset } from './script.js';
import type { LoadBalancing } from './service-rules.js';

export interface NftablesProxierOptions {
  log?: (m: string) => void;
  /** Table name in the `ip` family (default `kube-proxy`). */
  tableName?: string;
  /** Program this network namespace (`ip netns` name) instead of the process's own. */
  netns?: string;
  /** How to run nft and conntrack (default: execRunner(netns)). */
  runner?: CommandRunner;
  /**
   * `cascade` (default: `numgen random mod (N-i) == 0 goto endpoint-i` rules, no anonymous sets) or
   * `vmap` (upstream's `numgen ... vmap {}`). Each vmap is an anonymous set, and this kernel's cost
   * for them grows quadratically in one transaction: 10,000 Services took 69-87 s to load against
   * ~3 s as a cascade. Both spread evenly.
   */
  loadBalancing?: LoadBalancing;
}

export class NftablesProxier implements Proxier {
  readonly mode = 'nftables' as const;
  private readonly log: (m: string) => void;
  private readonly table: string;
  private readonly runner: CommandRunner;
  private readonly loadBalancing: LoadBalancing;
  /** What the last successful sync left in the table; undefined until then or after a failure. */
  private programmed: ProgrammedRuleset | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** UDP service ports and their endpoint IPs as of the last sync, to clear stale conntrack entries. */
  private udp = new Map<string, UdpServiceSnapshot>();

  constructor(opts: NftablesProxierOptions = {}) {
    this.log = opts.log ?? (() => {});
    this.table = opts.tableName ?? DEFAULT_TABLE;
    this.runner = opts.runner ?? execRunner(opts.netns);
    this.loadBalancing = opts.loadBalancing ?? 'cascade';
  }

  /** Syncs never overlap: each one diffs against the state the previous one left. */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  sync(state: ProxyState, changedIds?: Set<string>): Promise<SyncResult> {
    return this.serialize(async () => {
      const start = performance.now();
      const previous = this.programmed;
      const live = previous ? undefined : await listObjects(this.runner, this.table);
      const script = await buildNftScript(state, previous ? changedIds : undefined, { tableName: this.table, previous, live, loadBalancing: this.loadBalancing });
      try {
        await applyScript(this.runner, script.text);
      } catch (err) {
        this.programmed = undefined;
        this.log(`nftables sync failed: ${(err as Error).message}`);
        throw err;
      }
      this.programmed = script.programmed;
      const udp = udpSnapshot(state);
      const deletions = staleConntrackDeletions(this.udp, udp);
      this.udp = udp;
      for (const e of await clearStaleConntrack(this.runner, deletions)) this.log(`conntrack cleanup failed: ${e.message}`);
      const durationMs = performance.now() - start;
      this.log(`Syncing nftables rules: full=${script.full} changed=${script.changed} services=${state.services.size} lines=${script.lines} elapsed=${durationMs.toFixed(1)}ms`);
      return { changed: script.changed, full: script.full, lines: script.lines, durationMs };
    });
  }

  async rulesFor(namespace: string, name: string): Promise<string> {
    return filterServiceRules(await listTable(this.runner, this.table), namespace, name, this.table);
  }

  cleanup(): Promise<void> {
    return this.serialize(async () => {
      await deleteTable(this.runner, this.table);
      this.programmed = undefined;
    });
  }
}
