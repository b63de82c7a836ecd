/**
 * @module proxy/nftables/rules-for
 * One Service's share of the live nftables table, for `skiff proxy rules SERVICE`: the map
 * elements that send its addresses and NodePorts to its chains (or to reject), its chains and its
 * affinity sets, cut out of `nft list table` text so it reads exactly as nft prints it.
 */
import { serviceObjectPattern } from './names.js';

interface Block { kind: 'chain' | 'set' | 'map'; name: string; lines: string[] }

/** Split `nft list table` output into its top-level map/set/chain blocks. */
export function parseTableBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let cur: Block | undefined;
  for (const line of text.split('\n')) {
    const open = /^\t(chain|set|map) (\S+) \{$/.exec(line);
    if (open) { cur = { kind: open[1] as Block['kind'], name: open[2]!, lines: [line] }; continue; }
    if (!cur) continue;
    cur.lines.push(line);
    if (line === '\t}') { blocks.push(cur); cur = undefined; }
  }
  return blocks;
}

/** The elements of a map block, one string each (`key [comment "..."] : verdict`). */
export function mapElements(block: Block): string[] {
  const body = block.lines.join('\n');
  const at = body.indexOf('elements = {');
  if (at < 0) return [];
  const end = body.indexOf('}', at + 'elements = {'.length);
  return body.slice(at + 'elements = {'.length, end).split(',').map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

/** The part of `nft list table` text that belongs to Service `namespace/name` (all its ports). */
export function filterServiceRules(tableText: string, namespace: string, name: string, table = 'kube-proxy'): string {
  const owned = serviceObjectPattern(namespace, name);
  const chainRef = new RegExp(`(goto|jump) \\S+-[A-Z2-7]{8}-${namespace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`);
  const commentRef = `comment "${namespace}/${name}:`;
  const out: string[] = [];
  const blocks = parseTableBlocks(tableText);
  for (const b of blocks) {
    if (b.kind !== 'map') continue;
    const mine = mapElements(b).filter((e) => chainRef.test(e) || e.includes(commentRef));
    if (mine.length > 0) out.push(`map ${b.name} {`, ...mine.map((e) => `\t${e}`), '}');
  }
  for (const b of blocks) {
    if (b.kind === 'map' || !owned.test(b.name)) continue;
    out.push(...b.lines.map((l) => l.replace(/^\t/, '')));
  }
  if (out.length === 0) return '';
  return `table ip ${table} (Service ${namespace}/${name})\n${out.join('\n')}\n`;
}
