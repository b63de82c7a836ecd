/**
 * @module dns/forward
 * Names outside the cluster go to the configured upstream servers, as CoreDNS's `forward` plugin
 * sends them: over UDP, again over TCP when the UDP reply comes back truncated, the next upstream
 * when one times out or fails. Every upstream failing is the caller's SERVFAIL. One UDP socket
 * per upstream carries all queries in flight, told apart by a fresh message id.
 */
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { randomInt } from 'node:crypto';

export interface Upstream { host: string; port: number }

/** `IP:PORT`, `[IPv6]:PORT` or a bare IP (port 53). */
export function parseUpstream(s: string): Upstream {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1], port: Number(v6[2] ?? 53) };
  const i = s.lastIndexOf(':');
  if (i > 0 && s.indexOf(':') === i) return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
  return { host: s, port: 53 };
}

const TC = 1 << 9;

interface Pending { resolve(b: Buffer): void; reject(e: Error): void; timer: NodeJS.Timeout; id: number }

class UDPUpstream {
  private sock: Socket | undefined;
  private pending = new Map<number, Pending>();
  constructor(readonly u: Upstream, private readonly timeoutMs: number) {}

  private socket(): Socket {
    if (this.sock) return this.sock;
    const s = createSocket(this.u.host.includes(':') ? 'udp6' : 'udp4');
    s.on('message', (msg) => {
      if (msg.length < 12) return;
      const p = this.pending.get(msg.readUInt16BE(0));
      if (!p) return; // late or spoofed: nobody is waiting for it
      this.pending.delete(p.id);
      clearTimeout(p.timer);
      p.resolve(msg);
    });
    s.on('error', () => { /* a send error is reported by send's callback */ });
    s.unref();
    this.sock = s;
    return s;
  }

  query(q: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      let id = randomInt(0, 65536);
      while (this.pending.has(id)) id = (id + 1) & 0xffff;
      const msg = Buffer.from(q);
      msg.writeUInt16BE(id, 0);
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error(`upstream ${this.u.host}:${this.u.port}: i/o timeout`)); }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer, id });
      this.socket().send(msg, this.u.port, this.u.host, (err) => {
        if (!err) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  close(): void {
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new Error('forwarder closed')); }
    this.pending.clear();
    this.sock?.close();
    this.sock = undefined;
  }
}

/** One query over TCP (RFC 1035 4.2.2: two-byte length prefix). */
export function queryTCP(u: Upstream, q: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: u.host, port: u.port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`upstream ${u.host}:${u.port} (tcp): i/o timeout`)); }, timeoutMs);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(q.length);
    sock.on('connect', () => sock.end(Buffer.concat([len, q])));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => { clearTimeout(timer); reject(new Error(`upstream ${u.host}:${u.port} (tcp): connection closed`)); });
  });
}

export class Forwarder {
  private udp: UDPUpstream[];
  constructor(readonly upstreams: Upstream[], private readonly timeoutMs = 2000) {
    this.udp = upstreams.map((u) => new UDPUpstream(u, timeoutMs));
  }

  /**
   * The upstream's reply to `query` (wire bytes, the id as in `query`), trying each upstream in
   * turn; rejects when every one failed.
   */
  async forward(query: Buffer): Promise<Buffer> {
    if (!this.udp.length) throw new Error('no upstream servers configured');
    const id = query.readUInt16BE(0);
    let last: unknown;
    for (let i = 0; i < this.udp.length; i++) {
      const up = this.udp[i];
      try {
        let reply = await up.query(query);
        if (reply.readUInt16BE(2) & TC) reply = Buffer.from(await queryTCP(up.u, query, this.timeoutMs));
        reply.writeUInt16BE(id, 0);
        return reply;
      } catch (e) { last = e; }
    }
    throw last instanceof Error ? last : new Error(String(last));
  }

  close(): void { for (const u of this.udp) u.close(); }
}
