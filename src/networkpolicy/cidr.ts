/**
 * @module networkpolicy/cidr
 * IPv4 address arithmetic for NetworkPolicy ipBlocks. An ipBlock is `cidr` minus its `except`
 * blocks; iptables has no "in A but not in B" match without ipset (not packaged here), so the
 * translator turns each ipBlock into the exact list of CIDRs that cover A \ B and matches those.
 * The node's filter rules are IPv4 (iptables, not ip6tables), so IPv6 blocks are reported as such
 * and left out by the caller.
 */

/** A parsed IPv4 CIDR: network base as an unsigned 32-bit number and prefix length. */
export interface Cidr4 { base: number; bits: number }

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The IPv4 address as an unsigned 32-bit number, or undefined when `s` is not a dotted quad. */
export function parseIPv4(s: string): number | undefined {
  const m = IPV4.exec(s);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const mask = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

/**
 * Parse `a.b.c.d/n` (a bare address is a /32). Host bits are cleared, as Go's net.ParseCIDR
 * returns the network: `10.0.0.5/24` is `10.0.0.0/24`. Undefined for anything not IPv4.
 */
export function parseCidr4(s: string): Cidr4 | undefined {
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIPv4(addr);
  if (ip === undefined) return undefined;
  const bits = len === undefined ? 32 : /^\d{1,2}$/.test(len) ? Number(len) : NaN;
  if (!(bits >= 0 && bits <= 32)) return undefined;
  return { base: (ip & mask(bits)) >>> 0, bits };
}

export function formatCidr4(c: Cidr4): string { return `${formatIPv4(c.base)}/${c.bits}`; }

/** Does `outer` contain all of `inner`? */
export function cidrContains(outer: Cidr4, inner: Cidr4): boolean {
  return inner.bits >= outer.bits && ((inner.base & mask(outer.bits)) >>> 0) === outer.base;
}

/** Does `c` contain address `ip` (a number from parseIPv4)? */
export function cidrContainsIP(c: Cidr4, ip: number): boolean {
  return ((ip & mask(c.bits)) >>> 0) === c.base;
}

/**
 * `block` minus every `except` CIDR, as a sorted list of disjoint CIDRs. Splitting works by halving:
 * a block that contains an except is cut into its two halves until each piece is either inside an
 * except (dropped) or clear of them all (kept), so the result has at most 32 pieces per except.
 */
export function subtractCidrs(block: Cidr4, except: Cidr4[]): Cidr4[] {
  const out: Cidr4[] = [];
  const visit = (c: Cidr4): void => {
    if (except.some((e) => cidrContains(e, c))) return;
    if (!except.some((e) => cidrContains(c, e))) { out.push(c); return; }
    const half = c.bits + 1;
    visit({ base: c.base, bits: half });
    visit({ base: (c.base + 2 ** (32 - half)) >>> 0, bits: half });
  };
  visit(block);
  return out.sort((a, b) => a.base - b.base || a.bits - b.bits);
}
