/**
 * @module dns/stub-upstream
 * A tiny authoritative DNS server on loopback (UDP and TCP) for tests and benchmarks: it stands in
 * for the "upstream" resolver so nothing ever asks the machine's real resolver. It answers from a
 * fixed table, NXDOMAIN (with an SOA) for anything else, and counts the queries it saw.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TCPSocket } from 'node:net';
import dnsPacket, { type Answer } from 'dns-packet';

export interface StubUpstream {
  /** `127.0.0.1:PORT`, for DNSServerOptions.upstreams. */
  address: string;
  port: number;
  /** Queries seen, by `name|type` (lower case). */
  queries: Map<string, number>;
  /** Number of queries seen over TCP. */
  tcpQueries(): number;
  stop(): Promise<void>;
}

export interface StubRecord { type: string; data: any; ttl?: number }

/**
 * Serve `records` (name -> records) on 127.0.0.1. Names listed in `truncate` get a UDP reply with
 * the TC bit and no answers, so a client must come back over TCP.
 */
export async function startStubUpstream(records: Record<string, StubRecord[]>, o: { host?: string; truncate?: string[] } = {}): Promise<StubUpstream> {
  const host = o.host ?? '127.0.0.1';
  const queries = new Map<string, number>();
  let tcpCount = 0;
  const table = new Map(Object.entries(records).map(([k, v]) => [k.toLowerCase(), v]));
  const answer = (msg: Buffer, tcp: boolean): Buffer | undefined => {
    let q;
    try { q = dnsPacket.decode(msg); } catch { return undefined; }
    const question = q.questions?.[0];
    if (!question) return undefined;
    const name = question.name.toLowerCase();
    queries.set(`${name}|${question.type}`, (queries.get(`${name}|${question.type}`) ?? 0) + 1);
    const base = { id: q.id, type: 'response' as const, questions: [question] };
    if (!tcp && o.truncate?.includes(name)) return dnsPacket.encode({ ...base, flags: dnsPacket.TRUNCATED_RESPONSE | dnsPacket.RECURSION_AVAILABLE });
    const recs = table.get(name);
    if (!recs) {
      return dnsPacket.encode({ ...base, flags: 3 | dnsPacket.RECURSION_AVAILABLE, authorities: [{ name: name.split('.').slice(-1)[0] || '.', type: 'SOA', ttl: 60, data: { mname: 'ns.stub', rname: 'hostmaster.stub', serial: 1, refresh: 60, retry: 60, expire: 60, minimum: 30 } }] });
    }
    const answers: Answer[] = recs.filter((r) => r.type === question.type).map((r) => ({ name: question.name, type: r.type, ttl: r.ttl ?? 60, data: r.data }));
    return dnsPacket.encode({ ...base, flags: dnsPacket.RECURSION_AVAILABLE, answers });
  };
  const udp: Socket = createSocket('udp4');
  udp.on('message', (msg, r) => { const out = answer(msg, false); if (out) udp.send(out, r.port, r.address); });
  await new Promise<void>((res) => udp.bind(0, host, () => res()));
  const port = udp.address().port;
  const conns = new Set<TCPSocket>();
  const tcp: Server = createServer((s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    s.on('error', () => s.destroy());
    let buf = Buffer.alloc(0);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        tcpCount++;
        const out = answer(msg, true);
        if (out) { const len = Buffer.alloc(2); len.writeUInt16BE(out.length); s.write(Buffer.concat([len, out])); }
      }
    });
  });
  await new Promise<void>((res, rej) => { tcp.once('error', rej); tcp.listen(port, host, () => res()); });
  return {
    address: `${host}:${port}`, port, queries, tcpQueries: () => tcpCount,
    async stop() {
      for (const c of conns) c.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
