/**
 * @module dns/server
 * skiff's cluster DNS server, the CoreDNS of the cluster's DNS addon: UDP and TCP on one
 * address:port, the cluster zone answered from watches (records.ts), every other name forwarded
 * to the upstream servers (forward.ts) through a cache (cache.ts). A UDP reply larger than 512
 * bytes, or than the client's EDNS buffer, is cut down and marked truncated (TC), so the client
 * asks again over TCP. Until the watches have listed, names in the zone get SERVFAIL rather than
 * a wrong NXDOMAIN, as CoreDNS does before its API connection has synced.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TCPSocket, type AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import dnsPacket, { type Answer, type Packet, type Question } from 'dns-packet';
import type { SharedInformerFactory } from '../client/informer-factory.js';
import { SharedInformerFactory as Factory } from '../client/informer-factory.js';
import type { Clientset } from '../client/clientset.js';
import { ClusterIndex } from './cluster-index.js';
import { lookup, RCODE, type LookupResult, type ZoneConfig } from './records.js';
import { CIDRSet } from './reverse.js';
import { ResponseCache, cacheKey, type CacheOptions } from './cache.js';
import { Forwarder, parseUpstream } from './forward.js';
import { watchCluster } from './watch.js';

export interface DNSServerOptions {
  /** Address to listen on (UDP and TCP). */
  address: string;
  /** Port; 0 picks a free one (the same for UDP and TCP). */
  port: number;
  /** Cluster domain (default cluster.local). */
  zone?: string;
  /** Upstream servers for other names, `IP:PORT`. None: other names get SERVFAIL. */
  upstreams: string[];
  /** Watches to feed the records from (started by the server if not yet started). */
  informers?: SharedInformerFactory;
  /** Or a clientset: the server makes (and stops) its own informers. */
  clientset?: Clientset;
  /** Or a ready index (tests). */
  index?: ClusterIndex;
  /** TTL of cluster records in seconds (default 5, CoreDNS's kubernetes plugin default). */
  ttl?: number;
  /** Service and pod CIDRs whose reverse names are ours (default 10.96.0.0/12 and 10.244.0.0/16). */
  reverseCIDRs?: string[];
  /** Addresses for ns.dns.<zone> (default: the listen address). */
  nsAddresses?: string[];
  cache?: CacheOptions;
  /** Per-upstream timeout in ms (default 2000). */
  upstreamTimeoutMs?: number;
  /** How long start() waits for the watches to list before serving anyway (default 5000 ms, as CoreDNS). */
  syncTimeoutMs?: number;
  log?: (msg: string) => void;
}

/** Our EDNS buffer size (the 2020 DNS flag day value). */
const EDNS_SIZE = 1232;
const TCP_IDLE_MS = 10_000;
const OPCODE_QUERY = 0;

/** An OPT pseudo-record (RFC 6891), 11 bytes on the wire. */
function optRecord(): Answer { return { name: '.', type: 'OPT', udpPayloadSize: EDNS_SIZE, flags: 0, options: [] }; }

/** Append our OPT record to an encoded reply (bumping ARCOUNT), without a decode/encode round. */
function appendOPT(wire: Buffer): Buffer {
  const opt = Buffer.from([0, 0, 41, EDNS_SIZE >> 8, EDNS_SIZE & 0xff, 0, 0, 0, 0, 0, 0]);
  const out = Buffer.concat([wire, opt]);
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
}

/** Fit a reply into `max` bytes: drop additional records first (no TC needed), then answers (TC set). */
export function truncate(p: Packet, max: number): Buffer {
  let wire = dnsPacket.encode(p);
  if (wire.length <= max) return wire;
  const opt = (p.additionals ?? []).filter((a) => a.type === 'OPT');
  const q: Packet = { ...p, additionals: opt };
  wire = dnsPacket.encode(q);
  if (wire.length <= max) return wire;
  q.flags = (q.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE;
  const answers = [...(p.answers ?? [])];
  q.authorities = [];
  while (answers.length) {
    answers.pop();
    q.answers = answers;
    wire = dnsPacket.encode(q);
    if (wire.length <= max) return wire;
  }
  q.answers = [];
  return dnsPacket.encode(q);
}

interface Query { id: number; question: Question; edns: boolean; maxUDP: number; rd: boolean }

const TYPES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 255: 'ANY' };

/**
 * The hot path's parser: one plain query (one question of a common type in class IN, at most an
 * OPT record after it) read straight off the wire, without building the whole message. Anything
 * else returns undefined and goes through dns-packet's full decode.
 */
function parseQuery(msg: Buffer, transport: 'udp' | 'tcp'): Query | undefined {
  if (msg.length < 17) return undefined;
  const flags = msg.readUInt16BE(2);
  // QR clear, opcode QUERY, one question, no answer/authority records, at most one additional.
  if (flags & 0xf800 || msg.readUInt16BE(4) !== 1 || msg.readUInt16BE(6) || msg.readUInt16BE(8) || msg.readUInt16BE(10) > 1) return undefined;
  let off = 12;
  const labels: string[] = [];
  for (;;) {
    const len = msg[off];
    if (len === undefined || len > 63) return undefined;
    off++;
    if (len === 0) break;
    if (off + len > msg.length) return undefined;
    labels.push(msg.toString('latin1', off, off + len));
    off += len;
  }
  if (off + 4 > msg.length) return undefined;
  const type = TYPES[msg.readUInt16BE(off)];
  if (!type || msg.readUInt16BE(off + 2) !== 1) return undefined;
  off += 4;
  let edns = false;
  let size = 512;
  if (msg.readUInt16BE(10) === 1) {
    // The OPT pseudo-record: root name (0), type 41, CLASS = the client's UDP payload size.
    if (off + 11 > msg.length || msg[off] !== 0 || msg.readUInt16BE(off + 1) !== 41) return undefined;
    edns = true;
    size = Math.max(512, msg.readUInt16BE(off + 3));
  }
  const name = labels.length ? labels.join('.') : '.';
  if (labels.some((l) => /[^\x21-\x7e]|\./.test(l))) return undefined;
  return { id: msg.readUInt16BE(0), question: { name, type, class: 'IN' }, edns, rd: !!(flags & dnsPacket.RECURSION_DESIRED), maxUDP: transport === 'tcp' ? 65535 : size };
}

export class DNSServer {
  readonly index: ClusterIndex;
  private readonly zone: string;
  private readonly cfg: ZoneConfig;
  private readonly cache: ResponseCache;
  private readonly forwarder: Forwarder;
  private readonly log: (msg: string) => void;
  private ownInformers: SharedInformerFactory | undefined;
  private udp: Socket | undefined;
  private tcp: Server | undefined;
  private conns = new Set<TCPSocket>();
  private synced = false;
  private lastGeneration = -1;
  /** Encoded zone replies (id 0, no OPT) for the current index generation. */
  private memo = new Map<string, Buffer>();
  private inflight = new Map<string, Promise<Buffer>>();

  constructor(private readonly o: DNSServerOptions) {
    this.zone = (o.zone ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
    this.index = o.index ?? new ClusterIndex();
    this.cfg = {
      zone: this.zone, ttl: o.ttl ?? 5, nsAddresses: o.nsAddresses ?? (isIP(o.address) ? [o.address] : []),
      reverseCIDRs: new CIDRSet(o.reverseCIDRs ?? ['10.96.0.0/12', '10.244.0.0/16']), serial: Math.floor(Date.now() / 1000),
    };
    this.cache = new ResponseCache(o.cache);
    this.forwarder = new Forwarder(o.upstreams.map(parseUpstream), o.upstreamTimeoutMs);
    this.log = o.log ?? (() => {});
  }

  /** Bind UDP and TCP, start the watches and wait (up to syncTimeoutMs) for them to list. */
  async start(): Promise<{ udpPort: number; tcpPort: number }> {
    const ports = await this.listen();
    let informers = this.o.informers;
    if (!informers && this.o.clientset) informers = this.ownInformers = new Factory(this.o.clientset);
    if (informers) {
      watchCluster(informers, this.index);
      informers.start();
      const timeout = this.o.syncTimeoutMs ?? 5000;
      let timer: NodeJS.Timeout | undefined;
      const synced = await Promise.race([
        informers.waitForCacheSync().then(() => true),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(false), timeout); }),
      ]);
      clearTimeout(timer);
      if (synced) this.synced = true;
      else {
        this.log(`starting server with unsynced Kubernetes API (not listed after ${timeout} ms)`);
        void informers.waitForCacheSync().then(() => { this.synced = true; });
      }
    } else {
      this.synced = true;
    }
    return ports;
  }

  private async listen(): Promise<{ udpPort: number; tcpPort: number }> {
    // Port 0: take the UDP port the kernel gives and ask for the same TCP port; retry on a clash.
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket({ type: isIP(this.o.address) === 6 ? 'udp6' : 'udp4' });
      udp.on('message', (msg, rinfo) => { void this.onUDP(udp, msg, rinfo.port, rinfo.address); });
      await new Promise<void>((res, rej) => { udp.once('error', rej); udp.bind(this.o.port, this.o.address, () => { udp.off('error', rej); res(); }); });
      udp.on('error', (e) => this.log(`udp: ${e.message}`));
      const port = udp.address().port;
      const tcp = createServer((s) => this.onTCP(s));
      try {
        await new Promise<void>((res, rej) => { tcp.once('error', rej); tcp.listen(port, this.o.address, () => { tcp.off('error', rej); res(); }); });
      } catch (e) {
        udp.close();
        if (this.o.port === 0 && attempt < 10 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw e;
      }
      this.udp = udp;
      this.tcp = tcp;
      return { udpPort: port, tcpPort: (tcp.address() as AddressInfo).port };
    }
  }

  async stop(): Promise<void> {
    this.ownInformers?.stop();
    this.forwarder.close();
    for (const c of this.conns) c.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
    ]);
    this.udp = this.tcp = undefined;
  }

  private async onUDP(sock: Socket, msg: Buffer, port: number, address: string): Promise<void> {
    const reply = await this.handle(msg, 'udp').catch((e) => { this.log(`udp: ${(e as Error).message}`); return undefined; });
    if (reply) sock.send(reply, port, address);
  }

  private onTCP(s: TCPSocket): void {
    this.conns.add(s);
    s.setTimeout(TCP_IDLE_MS, () => s.destroy());
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.handle(msg, 'tcp').then((reply) => {
          if (!reply || s.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          s.write(Buffer.concat([len, reply]));
        }, (e) => this.log(`tcp: ${(e as Error).message}`));
      }
    });
    s.on('error', () => s.destroy());
    s.on('close', () => this.conns.delete(s));
  }

  /** One query in, one reply out (wire format); undefined when the message deserves no reply. */
  async handle(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const q = parseQuery(msg, transport) ?? this.decodeQuery(msg, transport);
    if (!q || typeof q === 'number') return q === undefined ? undefined : this.bareFor(msg, q);
    if (this.index.generation !== this.lastGeneration) {
      this.lastGeneration = this.index.generation;
      this.cfg.serial = Math.floor(Date.now() / 1000);
      this.memo.clear();
    }
    const memoKey = `${q.rd ? 1 : 0}|${q.question.type}|${q.question.name}`;
    const memo = this.synced ? this.memo.get(memoKey) : undefined;
    if (memo) return this.finish(memo, q.id, q);

    const r = lookup(this.index, q.question.name, q.question.type, this.cfg);
    if (r.forward) return this.forward(msg, q);
    if (!this.synced) return this.reply(q, { ...r, rcode: RCODE.SERVFAIL, answers: [], authorities: [], additionals: [] });
    if (r.chase) return this.reply(q, await this.chase(r));
    const wire = dnsPacket.encode(this.packet(q, r, 0));
    if (this.memo.size < 10_000) this.memo.set(memoKey, wire);
    return this.finish(wire, q.id, q);
  }

  /** The slow path: a full decode, for what parseQuery does not take (or an error rcode to send). */
  private decodeQuery(msg: Buffer, transport: 'udp' | 'tcp'): Query | number | undefined {
    let packet: Packet;
    try { packet = dnsPacket.decode(msg); } catch { return msg.length >= 12 ? RCODE.FORMERR : undefined; }
    if (packet.type !== 'query') return undefined;
    const flags = packet.flags ?? 0;
    if (((flags >> 11) & 0xf) !== OPCODE_QUERY) return RCODE.NOTIMP;
    if (packet.questions?.length !== 1) return RCODE.FORMERR;
    if ((packet.questions[0].class ?? 'IN') !== 'IN') return RCODE.NOTIMP;
    const opt = (packet.additionals ?? []).find((a) => a.type === 'OPT');
    return {
      id: packet.id ?? 0, question: packet.questions[0], edns: !!opt, rd: !!(flags & dnsPacket.RECURSION_DESIRED),
      maxUDP: transport === 'tcp' ? 65535 : opt ? Math.max(512, opt.udpPayloadSize ?? 512) : 512,
    };
  }

  private bareFor(msg: Buffer, rcode: number): Buffer {
    return this.bare(msg.readUInt16BE(0), (msg.readUInt16BE(2) >> 11) & 0xf, rcode);
  }

  /** Set the id, add OPT for an EDNS client, truncate for UDP if it does not fit. */
  private finish(wire: Buffer, id: number, q: Query): Buffer {
    let out = q.edns ? appendOPT(wire) : Buffer.from(wire);
    out.writeUInt16BE(id, 0);
    if (out.length > q.maxUDP) out = truncate(dnsPacket.decode(out), q.maxUDP);
    return out;
  }

  private packet(q: Query, r: LookupResult, id: number): Packet {
    let flags = r.rcode | dnsPacket.RECURSION_AVAILABLE;
    if (r.authoritative) flags |= dnsPacket.AUTHORITATIVE_ANSWER;
    if (q.rd) flags |= dnsPacket.RECURSION_DESIRED;
    return { id, type: 'response', flags, questions: [q.question], answers: r.answers, authorities: r.authorities, additionals: r.additionals };
  }

  private reply(q: Query, r: LookupResult): Buffer {
    return this.finish(dnsPacket.encode(this.packet(q, r, 0)), q.id, q);
  }

  private bare(id: number, opcode: number, rcode: number): Buffer {
    return dnsPacket.encode({ id, type: 'response', flags: (opcode << 11) | rcode | dnsPacket.RECURSION_AVAILABLE, questions: [], answers: [], authorities: [], additionals: [] });
  }

  /** An upstream reply from the cache, or from the upstream (one request per key in flight), cached. */
  private async upstreamReply(key: string, query: Buffer): Promise<Buffer> {
    const hit = this.cache.get(key, 0);
    if (hit) return hit;
    let p = this.inflight.get(key);
    if (!p) {
      p = (async () => {
        const raw = await this.forwarder.forward(query);
        const reply = dnsPacket.decode(raw);
        // Our own OPT goes on per client; the upstream's is not the client's business.
        reply.additionals = (reply.additionals ?? []).filter((a) => a.type !== 'OPT');
        this.cache.put(key, reply);
        return dnsPacket.encode(reply);
      })().finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async forward(msg: Buffer, q: Query): Promise<Buffer> {
    const key = cacheKey(q.question.name, q.question.type, q.question.class);
    try {
      return this.finish(await this.upstreamReply(key, msg), q.id, q);
    } catch (e) {
      this.log(`forward ${q.question.name} ${q.question.type}: ${(e as Error).message}`);
      return this.reply(q, { forward: true, rcode: RCODE.SERVFAIL, authoritative: false, answers: [], authorities: [], additionals: [] });
    }
  }

  /** Resolve an ExternalName's out-of-zone CNAME target upstream and append its answers (CoreDNS's upstream lookup). */
  private async chase(r: LookupResult): Promise<LookupResult> {
    const { name, type } = r.chase!;
    if (!this.forwarder.upstreams.length) return r;
    const query = dnsPacket.encode({ id: 0, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] });
    try {
      const reply = dnsPacket.decode(await this.upstreamReply(cacheKey(name, type), query));
      return { ...r, answers: [...r.answers, ...(reply.answers ?? [])] };
    } catch {
      return r;
    }
  }
}
