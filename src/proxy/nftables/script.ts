/**
 * @module proxy/nftables/script
 * Turns a ProxyState into ONE nft transaction (`nft -f -` applies it atomically: all or nothing).
 * A full sync flushes the verdict maps and rewrites every Service chain; a partial sync, given the
 * service ports that changed and a record of what the previous sync programmed, deletes only those
 * ports' old map elements, rewrites only their chains and sets, and removes what they no longer
 * use, leaving every other Service's objects untouched (upstream's partial sync, KEP-3866).
 *
 * The order of statements matters inside the transaction: chains exist before rules or map
 * elements name them, references are dropped (flushes, element deletes) before the objects they
 * point at are deleted.
 */
import type { ProxyState } from '../types.js';
import { DEFAULT_TABLE, SERVICE_MAPS, isAffinitySetName, isServiceChainName } from './names.js';
import { servicePortRules, type LoadBalancing, type MapElement, type ServicePortRules } from './service-rules.js';
import { setupStatements } from './setup.js';

/** What a sync programmed for one Service port: enough to undo it in a later partial sync. */
export interface ProgrammedServicePort {
  chains: string[];
  /** Affinity set name -> timeout seconds. */
  sets: Map<string, number>;
  /** Elements this port owns (a key two Services claim belongs to the first). */
  elements: Array<{ map: string; key: string }>;
}

/** What the table holds, by service port id, after a successful sync. */
export type ProgrammedRuleset = Map<string, ProgrammedServicePort>;

/** Chain and set names found in the live table (used on the first sync after a restart). */
export interface LiveObjects { chains: string[]; sets: Map<string, number> }

export interface BuildOptions {
  tableName?: string;
  /** The previous successful sync's record; without it a sync is always full. */
  previous?: ProgrammedRuleset;
  /** Objects already in the kernel table (kube-proxy restarted): stale ones are removed. */
  live?: LiveObjects;
  /** How Service chains choose an endpoint (default `vmap`, upstream's form). */
  loadBalancing?: LoadBalancing;
}

export interface NftScript {
  /** The transaction text for `nft -f -`. */
  text: string;
  lines: number;
  full: boolean;
  /** Service ports whose rules were written. */
  changed: number;
  /** The record to pass as `previous` to the next sync, once this script has been applied. */
  programmed: ProgrammedRuleset;
}

const mapKey = (e: { map: string; key: string }) => `${e.map}\u0000${e.key}`;

function elementStatement(t: string, e: MapElement): string {
  const comment = e.comment === undefined ? '' : ` comment "${e.comment.replaceAll('"', '')}"`;
  return `add element ${t} ${e.map} { ${e.key}${comment} : ${e.value} }`;
}

/**
 * Build the nft transaction for `state`. `changed` lists the service port ids changed since the
 * previous sync (`undefined`: full sync). Async so that huge states can be built without holding
 * the event loop for the whole generation.
 */
export async function buildNftScript(state: ProxyState, changed?: ReadonlySet<string>, opts: BuildOptions = {}): Promise<NftScript> {
  const table = opts.tableName ?? DEFAULT_TABLE;
  const t = `ip ${table}`;
  const previous = opts.previous;
  const full = changed === undefined || previous === undefined;
  const ids = full ? [...state.services.keys()].sort() : [...changed].sort();

  // Keys owned by ports this sync leaves alone: a changed port must not steal (or delete) them.
  const owners = new Map<string, string>();
  if (!full) {
    for (const [id, p] of previous) if (!changed.has(id)) for (const e of p.elements) owners.set(mapKey(e), id);
  }

  const programmed: ProgrammedRuleset = full ? new Map() : new Map(previous);
  const rules: ServicePortRules[] = [];
  let n = 0;
  for (const id of ids) {
    const svc = state.services.get(id);
    if (svc) rules.push(servicePortRules(svc, state, opts.loadBalancing));
    // Yield now and then so a 10,000-Service sync does not block other work for its whole length.
    if (++n % 2000 === 0) await new Promise<void>((r) => setImmediate(r));
  }

  const head = setupStatements(table, state.nodeIPs);
  const elementDeletes: string[] = [];
  const chainCreates: string[] = [];
  const setDeletes: string[] = [];
  const setCreates: string[] = [];
  const ruleAdds: string[] = [];
  const elementAdds: string[] = [];
  const chainDeletes: string[] = [];

  // Objects that existed before this sync for the ports being rewritten.
  const oldChains = new Set<string>();
  const oldSets = new Map<string, number>();
  if (full) {
    for (const m of SERVICE_MAPS) elementDeletes.push(`flush map ${t} ${m}`);
    for (const p of previous?.values() ?? []) { p.chains.forEach((c) => oldChains.add(c)); p.sets.forEach((v, k) => oldSets.set(k, v)); }
    for (const c of opts.live?.chains ?? []) if (isServiceChainName(c)) oldChains.add(c);
    for (const [s, v] of opts.live?.sets ?? []) if (isAffinitySetName(s)) oldSets.set(s, v);
  } else {
    for (const id of ids) {
      const p = previous.get(id);
      if (!p) continue;
      p.chains.forEach((c) => oldChains.add(c));
      p.sets.forEach((v, k) => oldSets.set(k, v));
      for (const e of p.elements) elementDeletes.push(`delete element ${t} ${e.map} { ${e.key} }`);
      programmed.delete(id);
    }
  }

  const claimed = new Set<string>();
  const activeChains = new Set<string>();
  const activeSets = new Set<string>();
  for (const r of rules) {
    const record: ProgrammedServicePort = { chains: [...r.chains.keys()], sets: new Map(), elements: [] };
    for (const [name, body] of r.chains) {
      activeChains.add(name);
      chainCreates.push(`add chain ${t} ${name}`, `flush chain ${t} ${name}`);
      for (const rule of body) ruleAdds.push(`add rule ${t} ${name} ${rule}`);
    }
    for (const s of r.sets) {
      activeSets.add(s.name);
      record.sets.set(s.name, s.timeoutSeconds);
      const had = oldSets.get(s.name);
      // nft keeps an existing set's timeout on `add`: a changed timeout needs a new set.
      if (had !== undefined && had !== s.timeoutSeconds) setDeletes.push(`delete set ${t} ${s.name}`);
      setCreates.push(`add set ${t} ${s.name} { type ipv4_addr ; flags dynamic,timeout ; timeout ${s.timeoutSeconds}s ; }`);
    }
    for (const e of r.elements) {
      const k = mapKey(e);
      if (claimed.has(k) || owners.has(k)) continue;
      claimed.add(k);
      record.elements.push({ map: e.map, key: e.key });
      elementAdds.push(elementStatement(t, e));
    }
    programmed.set(r.id, record);
  }

  // Stale per-Service objects: flush first (drops their references), delete at the end.
  // Service-level chains go before endpoint chains, which they jump to.
  const stale = [...oldChains].filter((c) => !activeChains.has(c)).sort((a, b) => Number(a.startsWith('endpoint-')) - Number(b.startsWith('endpoint-')) || a.localeCompare(b));
  for (const c of stale) { chainCreates.push(`flush chain ${t} ${c}`); chainDeletes.push(`delete chain ${t} ${c}`); }
  for (const s of [...oldSets.keys()].filter((s) => !activeSets.has(s)).sort()) setDeletes.push(`delete set ${t} ${s}`);

  const all = [...head, ...elementDeletes, ...chainCreates, ...setDeletes, ...setCreates, ...ruleAdds, ...elementAdds, ...chainDeletes];
  return { text: `${all.join('\n')}\n`, lines: all.length, full, changed: rules.length, programmed };
}
