/**
 * @module dns/cache
 * The answer cache for forwarded names, after CoreDNS's `cache` plugin: positive answers kept for
 * their smallest TTL, negative ones (NXDOMAIN, NODATA) for the SOA's negative TTL (RFC 2308),
 * both capped (3600 s and 1800 s by default), with a bounded number of entries (oldest evicted
 * first). A hit is served with the TTLs counted down by the time it spent in the cache; the
 * encoded reply is kept per elapsed second so a hot name costs one copy, not one encode.
 */
import dnsPacket, { type Answer, type Packet } from 'dns-packet';

export interface CacheOptions {
  /** Most entries kept (default 10,000). */
  maxEntries?: number;
  /** Cap on a positive answer's TTL in seconds (default 3600). */
  maxTTL?: number;
  /** Cap on a negative answer's TTL in seconds (default 1800). */
  maxNegativeTTL?: number;
  /** Clock in ms (tests move it). */
  now?: () => number;
}

interface Entry { packet: Packet; storedAt: number; expiresAt: number; wire?: Buffer; wireSecond?: number }

/** The cache key: name (case-folded), type and class, as CoreDNS keys its cache. */
export const cacheKey = (name: string, type: string, klass = 'IN'): string => `${name.toLowerCase().replace(/\.$/, '')}|${type}|${klass}`;

const RCODE_NXDOMAIN = 3;

export class ResponseCache {
  private entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxTTL: number;
  private readonly maxNegativeTTL: number;
  private readonly now: () => number;
  hits = 0;
  misses = 0;

  constructor(o: CacheOptions = {}) {
    this.maxEntries = o.maxEntries ?? 10_000;
    this.maxTTL = o.maxTTL ?? 3600;
    this.maxNegativeTTL = o.maxNegativeTTL ?? 1800;
    this.now = o.now ?? Date.now;
  }

  get size(): number { return this.entries.size; }

  /**
   * Keep an upstream reply. Only NOERROR and NXDOMAIN replies are cached (a SERVFAIL or a
   * truncated reply is not an answer). Returns the TTL used, or 0 when not cached.
   */
  put(key: string, reply: Packet): number {
    const rcode = (reply.flags ?? 0) & 0xf;
    if ((rcode !== 0 && rcode !== RCODE_NXDOMAIN) || (reply.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) return 0;
    const answers = reply.answers ?? [];
    let ttl: number;
    if (rcode === 0 && answers.length) {
      ttl = Math.min(this.maxTTL, ...answers.map((a) => a.ttl ?? 0));
    } else {
      // RFC 2308: the negative TTL is the smaller of the SOA's TTL and its MINIMUM field.
      const s = (reply.authorities ?? []).find((a) => a.type === 'SOA');
      ttl = Math.min(this.maxNegativeTTL, s ? Math.min(s.ttl ?? 0, s.data?.minimum ?? 0) : 5);
    }
    if (ttl <= 0) return 0;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const t = this.now();
    this.entries.set(key, { packet: reply, storedAt: t, expiresAt: t + ttl * 1000 });
    return ttl;
  }

  /** The cached reply for `key` as wire bytes with the asker's `id`, TTLs counted down; undefined on a miss. */
  get(key: string, id: number): Buffer | undefined {
    const e = this.entries.get(key);
    const t = this.now();
    if (!e || t >= e.expiresAt) {
      if (e) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    const elapsed = Math.floor((t - e.storedAt) / 1000);
    if (!e.wire || e.wireSecond !== elapsed) {
      const age = (rs: Answer[] | undefined) => (rs ?? []).map((r) => (r.type === 'OPT' ? r : { ...r, ttl: Math.max(0, (r.ttl ?? 0) - elapsed) }));
      e.wire = dnsPacket.encode({ ...e.packet, answers: age(e.packet.answers), authorities: age(e.packet.authorities), additionals: age(e.packet.additionals) });
      e.wireSecond = elapsed;
    }
    const out = Buffer.from(e.wire);
    out.writeUInt16BE(id, 0);
    return out;
  }

  clear(): void { this.entries.clear(); }
}
