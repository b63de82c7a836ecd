/**
 * @module cluster/servicelb-pool
 * The address pool of skiff's service load balancer and the allocator over it, pure (no I/O), as
 * MetalLB's IPAddressPool and allocator: a pool is a list of IPv4 CIDRs and `first-last` ranges;
 * the allocator hands each LoadBalancer Service (by `namespace/name`) one address, honours a
 * requested one when it is in the pool and free, never gives one address to two Services, and is
 * rebuilt from the Services' own `status.loadBalancer.ingress` when the controller starts, so a
 * restart keeps every address where it is.
 */
import { intToIpv4, ipv4ToInt } from './topology.js';

/** An inclusive range of IPv4 addresses, as numbers. */
export interface AddressRange { first: number; last: number }

/** A parsed pool: its ranges in the order given, and its spelling (for messages). */
export interface AddressPool { spec: string; ranges: AddressRange[] }

/** Is `s` a dotted-quad IPv4 address? */
export function isIPv4(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  try { ipv4ToInt(s); return true; } catch { return false; }
}

/**
 * Parse `--pool`: comma-separated CIDRs (`172.30.0.200/29`) and ranges (`172.30.0.200-172.30.0.250`).
 * A CIDR of /30 or wider leaves out its network and broadcast addresses (MetalLB's avoidBuggyIPs),
 * since those are never a host's address on a real link.
 */
export function parsePool(spec: string): AddressPool {
  const ranges: AddressRange[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const bad = (why: string): Error => new Error(`invalid address pool "${part}": ${why}; want an IPv4 CIDR (172.30.0.200/29) or a range (172.30.0.200-172.30.0.250)`);
    if (part.includes('/')) {
      const [addr, bitsS] = part.split('/');
      const bits = Number(bitsS);
      if (!isIPv4(addr) || !/^\d+$/.test(bitsS ?? '') || bits < 1 || bits > 32) throw bad('not a CIDR');
      const size = 2 ** (32 - bits);
      const network = Math.floor(ipv4ToInt(addr) / size) * size;
      ranges.push(bits <= 30 ? { first: network + 1, last: network + size - 2 } : { first: network, last: network + size - 1 });
    } else if (part.includes('-')) {
      const [a, b] = part.split('-').map((s) => s.trim());
      if (!isIPv4(a) || !isIPv4(b)) throw bad('not two IPv4 addresses');
      const first = ipv4ToInt(a), last = ipv4ToInt(b);
      if (last < first) throw bad(`${b} comes before ${a}`);
      ranges.push({ first, last });
    } else if (isIPv4(part)) {
      ranges.push({ first: ipv4ToInt(part), last: ipv4ToInt(part) });
    } else throw bad('not an address');
  }
  if (!ranges.length) throw new Error(`invalid address pool "${spec}": it has no addresses`);
  for (let i = 0; i < ranges.length; i++) for (let j = i + 1; j < ranges.length; j++) {
    const x = ranges[i]!, y = ranges[j]!;
    if (x.first <= y.last && y.first <= x.last) throw new Error(`invalid address pool "${spec}": ${intToIpv4(y.first)}-${intToIpv4(y.last)} overlaps ${intToIpv4(x.first)}-${intToIpv4(x.last)}`);
  }
  return { spec, ranges };
}

export const poolContains = (pool: AddressPool, ip: string): boolean => {
  if (!isIPv4(ip)) return false;
  const n = ipv4ToInt(ip);
  return pool.ranges.some((r) => n >= r.first && n <= r.last);
};

export const poolSize = (pool: AddressPool): number => pool.ranges.reduce((s, r) => s + r.last - r.first + 1, 0);

/** Why an allocation failed, in MetalLB's words (its AllocationFailed event carries them). */
export class AllocationError extends Error {}

/**
 * Who holds which address. Keys are Services' `namespace/name`; one address per key. Not
 * concurrency-safe by itself: the controller calls it from its single worker.
 */
export class PoolAllocator {
  private byKey = new Map<string, string>();
  private byIP = new Map<string, string>();

  constructor(readonly pool: AddressPool) {}

  /** The address `key` holds, if any. */
  assigned(key: string): string | undefined { return this.byKey.get(key); }

  /** The key holding `ip`, if any. */
  holder(ip: string): string | undefined { return this.byIP.get(ip); }

  get inUse(): number { return this.byIP.size; }

  /**
   * Record an address a Service already has (its status, read at start). False, and nothing
   * changed, when the address is outside the pool or another key holds it: that Service then
   * gets a new one on its next sync.
   */
  restore(key: string, ip: string): boolean {
    if (!poolContains(this.pool, ip)) return false;
    const h = this.byIP.get(ip);
    if (h !== undefined && h !== key) return false;
    this.release(key);
    this.byKey.set(key, ip);
    this.byIP.set(ip, key);
    return true;
  }

  /**
   * Give `key` an address: `wanted` when given (it must be in the pool and not held by another
   * key), else the one it holds already, else the lowest free one. Throws AllocationError when
   * that cannot be done; the key keeps what it held before.
   */
  allocate(key: string, wanted?: string): string {
    if (wanted) {
      if (!poolContains(this.pool, wanted)) throw new AllocationError(`"${wanted}" is not allowed in config (not in pool ${this.pool.spec})`);
      const h = this.byIP.get(wanted);
      if (h !== undefined && h !== key) throw new AllocationError(`can't change sharing key for "${key}", address ${wanted} is already in use by "${h}"`);
      this.restore(key, wanted);
      return wanted;
    }
    const cur = this.byKey.get(key);
    if (cur) return cur;
    for (const r of this.pool.ranges) {
      for (let n = r.first; n <= r.last; n++) {
        const ip = intToIpv4(n);
        if (!this.byIP.has(ip)) { this.restore(key, ip); return ip; }
      }
    }
    throw new AllocationError(`no available IPs in pool ${this.pool.spec} (${poolSize(this.pool)} addresses, all in use)`);
  }

  /** Give back what `key` holds; returns the released address. */
  release(key: string): string | undefined {
    const ip = this.byKey.get(key);
    if (ip === undefined) return undefined;
    this.byKey.delete(key);
    this.byIP.delete(ip);
    return ip;
  }
}

/**
 * The pool `skiff up` gives its load balancer: the top of the underlay, `.200-.250` of a /24 (or
 * of the first /24 of a larger underlay), or the top quarter of a smaller one — always above the
 * host (.1) and the nodes (.11 and up), which `planTopology` puts at the bottom.
 */
export function underlayPool(underlayCIDR: string, nodes: number): string {
  const [addr, bitsS] = underlayCIDR.split('/');
  const bits = Number(bitsS);
  const size = 2 ** (32 - bits);
  const network = Math.floor(ipv4ToInt(addr!) / size) * size;
  let first = size >= 256 ? network + 200 : network + (size * 3) / 4;
  const last = size >= 256 ? network + 250 : network + size - 2;
  first = Math.max(first, network + 10 + nodes + 1);
  if (first > last) throw new Error(`underlay ${underlayCIDR} has no room for a load-balancer pool above its ${nodes} nodes`);
  return `${intToIpv4(first)}-${intToIpv4(last)}`;
}
