/**
 * @module bench/lib/h2client
 * A lean HTTP/2 client with the admin client certificate, as kubectl and client-go talk to the API
 * server (one TLS connection, many concurrent streams).
 */
import { connect, type ClientHttp2Session, constants } from 'node:http2';

export interface Tls { ca: string; cert?: string; key?: string }

export class H2Client {
  private session: ClientHttp2Session;
  private auth: Record<string, string>;
  /** With `token`, requests carry `Authorization: Bearer` instead of (or besides) a client certificate. */
  constructor(readonly url: string, tls: Tls, token?: string) {
    // Flow-control windows as Go's HTTP/2 transport (client-go, kubectl) sets them: 4 MiB per stream,
    // 1 GiB per connection. Node's default (64 KiB) would make large LISTs wait on window updates.
    this.session = connect(url, { ca: tls.ca, cert: tls.cert, key: tls.key, settings: { enablePush: false, initialWindowSize: 4 << 20 } });
    this.session.once('connect', () => { try { this.session.setLocalWindowSize(1 << 30); } catch { /* closed already */ } });
    this.auth = token ? { authorization: `Bearer ${token}` } : {};
    this.session.on('error', () => { /* surfaced per request */ });
  }

  request(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = this.session.request({ [constants.HTTP2_HEADER_METHOD]: method, [constants.HTTP2_HEADER_PATH]: path, 'content-type': 'application/json', accept: 'application/json', ...this.auth, ...headers });
      let status = 0;
      let hdrs: Record<string, unknown> = {};
      const chunks: Buffer[] = [];
      req.on('response', (h) => { status = Number(h[':status']); hdrs = h; });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8'), headers: hdrs }));
      req.on('error', reject);
      if (body !== undefined) req.end(body); else req.end();
    });
  }

  /** Open a watch and call onLine for every event line; returns a stop function. */
  watch(path: string, onLine: (line: string) => void): { stop(): void; opened: Promise<void> } {
    const req = this.session.request({ [constants.HTTP2_HEADER_METHOD]: 'GET', [constants.HTTP2_HEADER_PATH]: path, accept: 'application/json', ...this.auth });
    let buf = '';
    const opened = new Promise<void>((resolve, reject) => { req.once('response', () => resolve()); req.once('error', reject); });
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      buf += c;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); if (line) onLine(line); }
    });
    req.on('error', () => {});
    return { stop: () => req.close(), opened };
  }

  close(): void { this.session.close(); }
}

/** p-th percentile (0..100) of numbers. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function median(xs: number[]): number { return percentile(xs, 50); }
