/**
 * @module dns/reverse
 * Reverse-lookup names: the IP in a `d.c.b.a.in-addr.arpa` or nibble `ip6.arpa` name, the reverse
 * zone that covers a CIDR (the service and pod CIDRs, whose PTR queries cluster DNS must answer
 * itself and never forward), and CIDR membership.
 */
import { BlockList, isIP } from 'node:net';

/** Kubernetes writes IPv6 addresses in their canonical (RFC 5952) form; so do we before comparing. */
export function canonicalIP(ip: string): string | undefined {
  const fam = isIP(ip);
  if (fam === 4) return ip.split('.').map((o) => String(Number(o))).join('.');
  if (fam === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return undefined;
}

/** The IP a full reverse name stands for, or undefined (a partial name, or not a reverse name). */
export function ipFromReverseName(name: string): string | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.endsWith('.in-addr.arpa')) {
    const labels = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (labels.length !== 4 || !labels.every((l) => /^\d{1,3}$/.test(l) && Number(l) <= 255)) return undefined;
    return canonicalIP(labels.reverse().join('.'));
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    const hex = nibbles.reverse().join('');
    return canonicalIP(hex.match(/.{4}/g)!.join(':'));
  }
  return undefined;
}

/** True for names under in-addr.arpa or ip6.arpa. */
export function isReverseName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === 'in-addr.arpa' || n === 'ip6.arpa' || n.endsWith('.in-addr.arpa') || n.endsWith('.ip6.arpa');
}

/** The PTR owner name of an IP (`1.0.96.10.in-addr.arpa`). */
export function reverseName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const full = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const groups = expandIPv6(full);
  return `${groups.join('').split('').reverse().join('.')}.ip6.arpa`;
}

function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const fill = ip.includes('::') ? Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0'));
}

/** The largest reverse zone inside a CIDR on an octet (nibble) boundary: 10.96.0.0/12 -> 10.in-addr.arpa. */
export function reverseZoneOf(cidr: string): string {
  const [ip, bits] = cidr.split('/');
  const len = Number(bits);
  if (isIP(ip) === 4) {
    const octets = ip.split('.').slice(0, Math.floor(len / 8)).reverse();
    return [...octets, 'in-addr', 'arpa'].join('.');
  }
  const nibbles = expandIPv6(canonicalIP(ip)!).join('').split('').slice(0, Math.floor(len / 4)).reverse();
  return [...nibbles, 'ip6', 'arpa'].join('.');
}

/** A set of CIDRs that answers "is this IP inside one of them". */
export class CIDRSet {
  private list = new BlockList();
  readonly zones: string[];
  constructor(readonly cidrs: string[]) {
    for (const c of cidrs) {
      const [ip, bits] = c.split('/');
      this.list.addSubnet(ip, Number(bits), isIP(ip) === 6 ? 'ipv6' : 'ipv4');
    }
    this.zones = cidrs.map(reverseZoneOf);
  }
  has(ip: string): boolean {
    const fam = isIP(ip);
    return fam !== 0 && this.list.check(ip, fam === 6 ? 'ipv6' : 'ipv4');
  }
  /** The reverse zone (of one of the CIDRs) that `name` is in, if any. */
  zoneOf(name: string): string | undefined {
    const n = name.toLowerCase().replace(/\.$/, '');
    return this.zones.find((z) => n === z || n.endsWith(`.${z}`));
  }
}
