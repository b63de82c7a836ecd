/**
 * @module proxy/iptables/proxier
 * kube-proxy's iptables mode: each sync hands one iptables-restore file (filter + nat) to the
 * kernel with --noflush, so the update is atomic and rules of other owners are untouched. The first
 * sync (and any after a failure, or when the ProxyServer asks for a full resync) reads the live
 * chains with iptables-save and rewrites all of ours; later syncs rewrite only the chains of the
 * service ports that changed. After a sync, stale UDP conntrack entries are cleared.
 */
import { execRunner, type CommandRunner } from '../exec.js';
import { clearStaleConntrack, staleConntrackDeletions, udpSnapshot, type UdpServiceSnapshot } from '../conntrack.js';
import type { Proxier, ProxyState, SyncResult } from '../types.js';
import { KUBE_MARK_MASQ, MASQ_MARK, SERVICE_CHAIN } from './chains.js';
import { FILTER_CHAINS, JUMP_RULES, KUBE_PROXY_CANARY, NAT_CHAINS, buildRestore } from './rules.js';
import { parseSave, presentJumps, serviceRulesFromSave } from './save.js';

/** Service ports per iptables-restore in a large full sync. */
export const FULL_SYNC_BATCH = 1000;

export interface IptablesProxierOptions {
  log?: (msg: string) => void;
  /** Program this network namespace (`ip netns` name) instead of the process's own. */
  netns?: string;
  /** How to run iptables-save/-restore and conntrack (default: execRunner(netns)). */
  runner?: CommandRunner;
}

export class IptablesProxier implements Proxier {
  readonly mode = 'iptables' as const;
  private readonly runner: CommandRunner;
  private readonly log: (msg: string) => void;
  /** Our per-Service nat chains as of the last successful sync; empty means "read them from the kernel". */
  private natChains = new Set<string>();
  private needFull = true;
  private udp = new Map<string, UdpServiceSnapshot>();
  /** The last restore file applied (for tests and debugging). */
  lastRestore = '';

  constructor(o: IptablesProxierOptions = {}) {
    this.runner = o.runner ?? execRunner(o.netns);
    this.log = o.log ?? (() => {});
  }

  async sync(state: ProxyState, changedIds?: Set<string>): Promise<SyncResult> {
    const started = performance.now();
    const full = this.needFull || changedIds === undefined || await this.canaryGone();
    let existing: Iterable<string> = this.natChains;
    let jumps: Set<string>;
    let haveMarkMasq = true;
    if (full) {
      const tables = parseSave(await this.runner.run('iptables-save', []));
      existing = tables.get('nat')?.chains.filter((c) => SERVICE_CHAIN.test(c)) ?? [];
      haveMarkMasq = tables.get('nat')?.chains.includes(KUBE_MARK_MASQ) ?? false;
      jumps = presentJumps(tables);
    } else {
      // Checked on every full sync; a partial one trusts they are still there (upstream does likewise between full syncs).
      jumps = new Set(JUMP_RULES.map((j) => `${j.table}:${j.chain}:${j.target}`));
    }
    let write = full ? undefined : changedIds;
    let batchLines = 0;
    let batchWritten = 0;
    try {
      if (full && state.services.size > FULL_SYNC_BATCH) {
        // iptables-nft's restore slows down with (rules x chains created in one transaction): 10,000
        // Services in one file take minutes, in batches of 1,000 seconds. Each batch holds whole
        // Services (their KUBE-SVC/SEP/EXT chains together) and nothing points at a new chain until
        // the last restore rewrites the dispatch chains, so every Service is consistent throughout.
        const ids = [...state.services.keys()].sort();
        const last = Math.floor((ids.length - 1) / FULL_SYNC_BATCH) * FULL_SYNC_BATCH;
        // The batches' KUBE-SEP chains jump to KUBE-MARK-MASQ: on a fresh node, create it first.
        if (!haveMarkMasq) await this.runner.run('iptables-restore', ['--noflush'], { input: `*nat\n:${KUBE_MARK_MASQ} - [0:0]\n-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${MASQ_MARK}\nCOMMIT\n` });
        for (let i = 0; i < last; i += FULL_SYNC_BATCH) {
          const part = buildRestore({ state, write: new Set(ids.slice(i, i + FULL_SYNC_BATCH)), existingNatChains: [], chainsOnly: true });
          await this.runner.run('iptables-restore', ['--noflush'], { input: part.text });
          batchLines += part.lines;
          batchWritten += part.written;
        }
        write = new Set(ids.slice(last));
      }
    } catch (e) {
      this.needFull = true;
      throw e;
    }
    const out = buildRestore({ state, write, existingNatChains: existing, presentJumps: jumps });
    try {
      await this.runner.run('iptables-restore', ['--noflush'], { input: out.text });
    } catch (e) {
      this.needFull = true;
      throw e;
    }
    this.lastRestore = out.text;
    this.natChains = out.activeNatChains;
    this.needFull = false;
    const udp = udpSnapshot(state);
    const deletions = staleConntrackDeletions(this.udp, udp);
    this.udp = udp;
    for (const e of await clearStaleConntrack(this.runner, deletions)) this.log(`conntrack cleanup failed: ${e.message}`);
    return { changed: out.written + batchWritten, full, lines: out.lines + batchLines, durationMs: performance.now() - started };
  }

  /** Whether a table was flushed behind our back since the last sync (its canary chain is gone). */
  private async canaryGone(): Promise<boolean> {
    for (const table of ['nat', 'filter']) {
      try { await this.runner.run('iptables', ['-w', '5', '-t', table, '-n', '-L', KUBE_PROXY_CANARY]); } catch {
        this.log(`${table} table was flushed (${KUBE_PROXY_CANARY} is gone): doing a full sync`);
        return true;
      }
    }
    return false;
  }

  async rulesFor(namespace: string, name: string): Promise<string> {
    return serviceRulesFromSave(await this.runner.run('iptables-save', []), namespace, name);
  }

  /** Remove our jumps from the built-in chains, then flush and delete every chain we own (kube-proxy --cleanup). */
  async cleanup(): Promise<void> {
    const tables = parseSave(await this.runner.run('iptables-save', []));
    const text: string[] = [];
    for (const [t, owned] of [['filter', FILTER_CHAINS], ['nat', NAT_CHAINS]] as const) {
      const table = tables.get(t);
      if (!table) continue;
      const ours = table.chains.filter((c) => (owned as readonly string[]).includes(c) || (t === 'nat' && SERVICE_CHAIN.test(c)));
      if (!ours.length) continue;
      text.push(`*${t}`);
      for (const c of ours) text.push(`:${c} - [0:0]`);
      for (const j of JUMP_RULES.filter((x) => x.table === t)) {
        for (const r of table.rules.get(j.chain) ?? []) if (r.endsWith(` -j ${j.target}`) && r.includes('kubernetes')) text.push(`-D${r.slice(2)}`);
      }
      for (const c of ours) text.push(`-X ${c}`);
      text.push('COMMIT');
    }
    if (text.length) await this.runner.run('iptables-restore', ['--noflush'], { input: text.join('\n') + '\n' });
    this.natChains.clear();
    this.udp.clear();
    this.needFull = true;
  }
}
