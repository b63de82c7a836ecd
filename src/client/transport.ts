/**
 * @module client/transport
 * How components talk to the API server: one HTTP/2 connection over TLS (the cluster CA; a client
 * certificate or a bearer token), many concurrent requests and watch streams on it, reconnected
 * when it drops. Components never reach storage: this is their only way in, as in the seed.
 */
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { readFileSync } from 'node:fs';
import { parse as parseYAML } from 'yaml';

export interface ClientConfig { server: string; ca: string; cert?: string; key?: string; token?: string; userAgent?: string }

/** The current context of a kubeconfig file (embedded data or file paths). */
export function configFromKubeconfig(path: string): ClientConfig {
  const kc: any = parseYAML(readFileSync(path, 'utf8'));
  const ctx = kc.contexts?.find((c: any) => c.name === kc['current-context'])?.context ?? kc.contexts?.[0]?.context;
  const cluster = kc.clusters?.find((c: any) => c.name === ctx?.cluster)?.cluster ?? kc.clusters?.[0]?.cluster;
  const user = kc.users?.find((u: any) => u.name === ctx?.user)?.user ?? kc.users?.[0]?.user ?? {};
  const data = (inline: string | undefined, file: string | undefined) => (inline ? Buffer.from(inline, 'base64').toString('utf8') : file ? readFileSync(file, 'utf8') : undefined);
  return { server: cluster.server, ca: data(cluster['certificate-authority-data'], cluster['certificate-authority'])!,
    cert: data(user['client-certificate-data'], user['client-certificate']), key: data(user['client-key-data'], user['client-key']), token: user.token };
}

export interface Response { status: number; body: string }

export class Transport {
  private session: ClientHttp2Session | undefined;
  private closed = false;

  constructor(readonly config: ClientConfig) {}

  private sessionNow(): ClientHttp2Session {
    if (this.closed) throw new Error('transport closed');
    if (!this.session || this.session.closed || this.session.destroyed) {
      const c = this.config;
      const s = connect(c.server, { ca: c.ca, cert: c.cert, key: c.key, settings: { enablePush: false } });
      s.on('error', () => { /* surfaced per request; the next request reconnects */ });
      s.on('goaway', () => { if (this.session === s) this.session = undefined; });
      s.on('close', () => { if (this.session === s) this.session = undefined; });
      this.session = s;
    }
    return this.session;
  }

  private headers(method: string, path: string, extra: Record<string, string>): Record<string, string> {
    return { [constants.HTTP2_HEADER_METHOD]: method, [constants.HTTP2_HEADER_PATH]: path, accept: 'application/json',
      'user-agent': this.config.userAgent ?? 'skiff-client', ...(this.config.token ? { authorization: `Bearer ${this.config.token}` } : {}), ...extra };
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    return new Promise((resolve, reject) => {
      let req;
      try {
        // Node ends a DELETE's stream with its headers unless told otherwise; DeleteOptions travel in the body.
        req = this.sessionNow().request(this.headers(method, path, body === undefined ? {} : { 'content-type': contentType }), { endStream: body === undefined });
      } catch (e) { reject(e); return; }
      let status = 0;
      const chunks: Buffer[] = [];
      req.on('response', (h) => { status = Number(h[':status']); });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
      req.on('error', reject);
      if (body !== undefined) req.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  }

  /** A long-running GET whose body is one JSON document per line (watch). */
  stream(path: string, onLine: (line: string) => void, onEnd: (err?: Error, status?: number, body?: string) => void): { stop(): void } {
    let req: ReturnType<ClientHttp2Session['request']>;
    try { req = this.sessionNow().request(this.headers('GET', path, {})); } catch (e) { queueMicrotask(() => onEnd(e as Error)); return { stop() {} }; }
    let buf = '';
    let status = 0;
    let ended = false;
    const end = (err?: Error) => { if (!ended) { ended = true; onEnd(err, status, status >= 300 ? buf : undefined); } };
    req.setEncoding('utf8');
    req.on('response', (h) => { status = Number(h[':status']); });
    req.on('data', (c: string) => {
      buf += c;
      if (status >= 300) return;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); if (line.trim()) onLine(line); }
    });
    req.on('end', () => end());
    req.on('close', () => end());
    req.on('error', (e) => end(e));
    return { stop: () => { ended = true; req.close(); } };
  }

  close(): void {
    this.closed = true;
    this.session?.close();
  }
}
