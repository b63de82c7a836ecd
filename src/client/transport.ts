/**
 * @module client/transport
 * How components talk to the API server: one HTTP/2 connection over TLS (the cluster CA; a client
 * certificate or a bearer token), many concurrent requests and watch streams on it, reconnected
 * when it drops. Components never reach storage: this is their only way in, as in the seed.
 */
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { readFileSync } from 'node:fs';
import { parse as parseYAML } from 'yaml';
import { formatTraceparent } from '../tracing/traceparent.js';
import { currentSpanContext } from '../tracing/provider.js';

export interface ClientConfig {
  server: string; ca: string; cert?: string; key?: string; token?: string; userAgent?: string;
  /**
   * client-go's client-side rate limit (rest.Config QPS and Burst): requests per second, and how
   * many may go at once after a quiet spell. Watches are not limited. Unset: no limit.
   */
  qps?: number;
  burst?: number;
}

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

/** A token bucket that makes callers wait for their turn (client-go's flowcontrol.NewTokenBucketRateLimiter). */
class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private queue: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly qps: number, private readonly burst: number) { this.tokens = burst; }

  wait(): Promise<void> {
    this.refill();
    if (this.queue.length === 0 && this.tokens >= 1) { this.tokens -= 1; return Promise.resolve(); }
    return new Promise((r) => { this.queue.push(r); this.schedule(); });
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.queue.length && this.tokens >= 1) { this.tokens -= 1; this.queue.shift()!(); }
      if (this.queue.length) this.schedule();
    }, Math.max(1, Math.ceil(((1 - this.tokens) / this.qps) * 1000)));
  }
}

/** Go's http2 transportDefaultStreamFlow and transportDefaultConnFlow. */
export const STREAM_WINDOW = 4 << 20;
export const CONNECTION_WINDOW = 1 << 30;

export class Transport {
  private session: ClientHttp2Session | undefined;
  private closed = false;
  private readonly limiter: TokenBucket | undefined;

  constructor(readonly config: ClientConfig) {
    if (config.qps && config.qps > 0) this.limiter = new TokenBucket(config.qps, Math.max(1, config.burst ?? config.qps));
  }

  private sessionNow(): ClientHttp2Session {
    if (this.closed) throw new Error('transport closed');
    if (!this.session || this.session.closed || this.session.destroyed) {
      const c = this.config;
      // Flow-control windows as Go's HTTP/2 transport (client-go) sets them: 4 MiB per stream, 1 GiB
      // for the connection. With Node's 64 KiB defaults every watch on the connection shares 64 KiB
      // in flight, so a busy server waits a round trip for each window update: a pod watch then
      // carries ~20 events per round trip, which capped the simulated kubelet at ~115 pods/s.
      const s = connect(c.server, { ca: c.ca, cert: c.cert, key: c.key, settings: { enablePush: false, initialWindowSize: STREAM_WINDOW } });
      s.once('connect', () => { try { s.setLocalWindowSize(CONNECTION_WINDOW); } catch { /* closed already */ } });
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

  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    // A request made inside a span (a reconcile, a scheduling cycle, a kubelet sync) carries it, so
    // the API server's request span joins that trace (W3C Trace Context). Read before any await.
    const sc = currentSpanContext();
    if (this.limiter) await this.limiter.wait();
    return this.send(method, path, body, contentType, sc ? formatTraceparent(sc) : undefined);
  }

  private send(method: string, path: string, body: unknown, contentType: string, traceparent?: string): Promise<Response> {
    return new Promise((resolve, reject) => {
      let req;
      try {
        // Node ends a DELETE's stream with its headers unless told otherwise; DeleteOptions travel in the body.
        const extra: Record<string, string> = body === undefined ? {} : { 'content-type': contentType };
        if (traceparent) extra.traceparent = traceparent;
        req = this.sessionNow().request(this.headers(method, path, extra), { endStream: body === undefined });
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
