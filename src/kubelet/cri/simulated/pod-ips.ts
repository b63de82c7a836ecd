/**
 * @module kubelet/cri/simulated/pod-ips
 * IPv4 addresses for simulated sandboxes, handed out from a CIDR as CNI's host-local IPAM would:
 * the network address and the gateway (.1) are never given, released addresses are reused.
 */

const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export class PodIPs {
  private readonly first: number;
  private readonly last: number;
  private readonly used = new Set<number>();
  private next: number;

  constructor(cidr: string) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
    if (!m || Number(m[2]) > 30) throw new Error(`invalid pod CIDR "${cidr}"`);
    const size = 2 ** (32 - Number(m[2]));
    const base = toInt(m[1]!) - (toInt(m[1]!) % size);
    this.first = base + 2;
    this.last = base + size - 2; // the broadcast address is not a pod's
    this.next = this.first;
  }

  /** The next free address; throws when the range is exhausted, as host-local does. */
  allocate(): string {
    const span = this.last - this.first + 1;
    for (let i = 0; i < span; i++) {
      const n = this.first + ((this.next - this.first + i) % span);
      if (!this.used.has(n)) { this.used.add(n); this.next = n + 1 > this.last ? this.first : n + 1; return toIp(n); }
    }
    throw new Error('failed to allocate for range 0: no IP addresses available in range set');
  }

  reserve(ip: string): void { this.used.add(toInt(ip)); }
  release(ip: string): void { this.used.delete(toInt(ip)); }
}
