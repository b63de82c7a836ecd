/**
 * @module proxy/iptables/save
 * Reading `iptables-save` output: which chains exist (so a sync can delete stale ones), whether the
 * jumps from the built-in chains are in place, and which rules belong to one Service (what
 * `skiff proxy rules SERVICE` prints, the live-rules view the seed's debugging tip reads with
 * `iptables -t nat -L`).
 */
import { JUMP_RULES } from './rules.js';

/** One table of an iptables-save dump: chain names (in order) and each chain's `-A` rules. */
export interface SavedTable { chains: string[]; rules: Map<string, string[]> }

export function parseSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, SavedTable>();
  let cur: SavedTable | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) { cur = { chains: [], rules: new Map() }; tables.set(line.slice(1).trim(), cur); continue; }
    if (!cur) continue;
    if (line.startsWith(':')) { const c = line.slice(1).split(' ')[0]; cur.chains.push(c); cur.rules.set(c, []); continue; }
    if (line.startsWith('-A ')) {
      const c = line.slice(3, line.indexOf(' ', 3));
      (cur.rules.get(c) ?? cur.rules.set(c, []).get(c)!).push(line);
    }
  }
  return tables;
}

/** `table:chain:target` for each of kube-proxy's jumps present in the built-in chains. */
export function presentJumps(tables: Map<string, SavedTable>): Set<string> {
  const out = new Set<string>();
  for (const j of JUMP_RULES) {
    const rules = tables.get(j.table)?.rules.get(j.chain) ?? [];
    if (rules.some((r) => r.endsWith(` -j ${j.target}`) && r.includes('kubernetes'))) out.add(`${j.table}:${j.chain}:${j.target}`);
  }
  return out;
}

const COMMENT = /--comment (?:"([^"]*)"|(\S+))/;

/** Whether a rule's comment names a port of Service ns/name (`ns/name`, `ns/name:port`, `ns/name:port cluster IP`, ...). */
export function commentIsFor(rule: string, namespace: string, name: string): boolean {
  const m = COMMENT.exec(rule);
  const c = m ? (m[1] ?? m[2]) : '';
  const svc = `${namespace}/${name}`;
  const at = c.indexOf(svc);
  if (at < 0) return false;
  // "masquerade traffic for ns/name:p external destinations" names the Service in the middle.
  if (at > 0 && c[at - 1] !== ' ') return false;
  const next = c[at + svc.length];
  return next === undefined || next === ':' || next === ' ';
}

const JUMP = /-j (KUBE-(?:SVC|SVL|EXT|FW|SEP)-[A-Z2-7]{16})\b/g;

/**
 * The rules of one Service in a dump, table by table: dispatch lines naming it (KUBE-SERVICES,
 * KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES, KUBE-PROXY-FIREWALL) and every per-Service chain they
 * lead to, followed down to the KUBE-SEP chains.
 */
export function serviceRulesFromSave(text: string, namespace: string, name: string): string {
  const tables = parseSave(text);
  const out: string[] = [];
  for (const t of ['nat', 'filter']) {
    const table = tables.get(t);
    if (!table) continue;
    const lines: string[] = [];
    const queue: string[] = [];
    for (const chain of ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-EXTERNAL-SERVICES', 'KUBE-PROXY-FIREWALL']) {
      for (const r of table.rules.get(chain) ?? []) {
        if (!commentIsFor(r, namespace, name)) continue;
        lines.push(r);
        for (const m of r.matchAll(JUMP)) queue.push(m[1]);
      }
    }
    const seen = new Set<string>();
    while (queue.length) {
      const c = queue.shift()!;
      if (seen.has(c)) continue;
      seen.add(c);
      for (const r of table.rules.get(c) ?? []) {
        lines.push(r);
        for (const m of r.matchAll(JUMP)) queue.push(m[1]);
      }
    }
    if (lines.length) out.push(`*${t}`, ...lines);
  }
  return out.length ? out.join('\n') + '\n' : '';
}
