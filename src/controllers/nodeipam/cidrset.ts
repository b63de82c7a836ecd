/**
 * @module controllers/nodeipam/cidrset
 * The cluster CIDR cut into equal per-node blocks (10.244.0.0/16 into /24s: 256 of them), with
 * which are taken; IPv4, as skiff's pod network is.
 */
export function parseCIDR(cidr: string): { base: number; bits: number } {
  const [ip, len] = cidr.split('/');
  const parts = ip.split('.').map(Number);
  const bits = Number(len);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255) || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new Error(`invalid CIDR address: ${cidr}`);
  }
  const n = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { base: (n & mask) >>> 0, bits };
}

const ipString = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export class CIDRSet {
  private readonly base: number;
  private readonly size: number;
  private readonly step: number;
  private readonly used = new Set<number>();
  private next = 0;

  constructor(clusterCIDR: string, readonly maskSize: number) {
    const { base, bits } = parseCIDR(clusterCIDR);
    if (maskSize < bits || maskSize > 32) throw new Error(`node CIDR mask size /${maskSize} does not fit in ${clusterCIDR}`);
    this.base = base;
    this.size = 2 ** (maskSize - bits);
    this.step = 2 ** (32 - maskSize);
  }

  get capacity(): number { return this.size; }

  private indexOf(cidr: string): number | undefined {
    try {
      const { base, bits } = parseCIDR(cidr);
      if (bits !== this.maskSize) return undefined;
      const i = (base - this.base) / this.step;
      return Number.isInteger(i) && i >= 0 && i < this.size ? i : undefined;
    } catch { return undefined; }
  }

  /** Mark a block taken (a node that already has it); false when it is outside the cluster CIDR. */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    this.used.add(i);
    return true;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.used.delete(i);
  }

  /** The next free block, or undefined when the cluster CIDR is exhausted. */
  allocateNext(): string | undefined {
    for (let k = 0; k < this.size; k++) {
      const i = (this.next + k) % this.size;
      if (!this.used.has(i)) {
        this.used.add(i);
        this.next = (i + 1) % this.size;
        return `${ipString((this.base + i * this.step) >>> 0)}/${this.maskSize}`;
      }
    }
    return undefined;
  }
}
