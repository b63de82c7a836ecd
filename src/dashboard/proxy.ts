/**
 * @module dashboard/proxy
 * `skiff dashboard`: a loopback HTTP server, like `kubectl proxy`, that serves the dashboard and
 * forwards its API calls to the API server with a kubeconfig's credentials. A page cannot present
 * a client certificate, so this is how a kubeconfig identity (the admin's certificate, say) signs
 * in: the proxy holds the credentials and the page never sees them.
 *
 * Upstream it speaks HTTP/2, one connection for every request and watch (as client-go does); watch
 * responses are streamed to the browser chunk by chunk as they arrive. Like kubectl proxy it only
 * answers requests addressed to a loopback host name (a DNS-rebinding page cannot borrow it) and
 * refuses exec/attach/port-forward; it also refuses requests a page on another origin sent
 * (CSRF: the browser marks them with its Origin).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { ClientConfig } from '../client/transport.js';
import { DashboardFiles, isDashboardPath, DEFAULT_DASHBOARD_DIR } from './static.js';

/** What the proxy forwards: the API, the health checks, and skiff's debug endpoints. */
const FORWARDED = [/^\/api(\/|$)/, /^\/apis(\/|$)/, /^\/debug\/skiff\//, /^\/livez(\/|$)/, /^\/readyz(\/|$)/, /^\/version(\/|$)/];
/** kubectl proxy's default --reject-paths: streams into containers are not a dashboard's business. */
const REJECTED = /^\/api\/.*\/pods\/.*\/(exec|attach|portforward)/;
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;
/** Response headers passed back to the page (hop-by-hop and HTTP/2 pseudo headers are not). */
const PASSED = ['content-type', 'cache-control', 'warning', 'audit-id', 'location', 'retry-after', 'x-content-type-options'];

export interface DashboardProxyOptions {
  config: ClientConfig;
  address?: string;
  port?: number;
  /** Where the built app is (default dist/dashboard). */
  filesDir?: string;
  log?: (msg: string) => void;
}

export class DashboardProxy {
  private server?: Server;
  private session?: ClientHttp2Session;
  private readonly files: DashboardFiles;
  url = '';

  constructor(private readonly o: DashboardProxyOptions) {
    this.files = new DashboardFiles(o.filesDir ?? DEFAULT_DASHBOARD_DIR, 'proxy');
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => { void this.handle(req, res); });
    // Watches are long-lived: no idle or request timeout may cut them.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 60_000;
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port ?? 8001, this.o.address ?? '127.0.0.1', () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    this.url = `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.session?.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  /** The one HTTP/2 connection to the API server, made again if it broke. */
  private upstream(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const c = this.o.config;
    // Go's HTTP/2 windows (4 MiB per stream, 1 GiB per connection): with Node's 64 KiB default a
    // LIST of 1,000 pods would wait on window updates, and the first load with it.
    const s = connect(c.server, { ca: c.ca, cert: c.cert, key: c.key, settings: { enablePush: false, initialWindowSize: 4 << 20 } });
    s.once('connect', () => { try { s.setLocalWindowSize(1 << 30); } catch { /* closed already */ } });
    s.on('error', (e) => this.o.log?.(`API server connection: ${e.message}`));
    s.on('close', () => { if (this.session === s) this.session = undefined; });
    // Idle sessions should not keep a stopped proxy's process alive.
    s.unref();
    this.session = s;
    return s;
  }

  private refuse(res: ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const path = target.split('?')[0]!;
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return this.refuse(res, 403, 'Forbidden', `host "${req.headers.host}" is not a loopback name this proxy answers to`);
    const origin = req.headers.origin;
    if (origin && origin !== `http://${req.headers.host}`) return this.refuse(res, 403, 'Forbidden', `requests from origin "${origin}" are refused`);
    if (path === '/') { res.writeHead(302, { Location: '/dashboard/' }); res.end(); return; }
    if (isDashboardPath(path)) return this.files.serve(path, req, res).catch(() => this.refuse(res, 500, 'InternalError', 'reading the dashboard files failed'));
    if (!FORWARDED.some((r) => r.test(path))) return this.refuse(res, 404, 'NotFound', 'the server could not find the requested resource');
    if (REJECTED.test(path)) return this.refuse(res, 403, 'Forbidden', 'this proxy does not forward exec, attach or port-forward');
    this.forward(req, res, target);
  }

  private forward(req: IncomingMessage, res: ServerResponse, target: string): void {
    const headers: Record<string, string> = { [constants.HTTP2_HEADER_METHOD]: req.method ?? 'GET', [constants.HTTP2_HEADER_PATH]: target };
    for (const h of ['accept', 'content-type']) { const v = req.headers[h]; if (typeof v === 'string') headers[h] = v; }
    headers['user-agent'] = 'skiff-dashboard';
    // The kubeconfig's token, when it has one; a client certificate rides on the TLS connection.
    if (this.o.config.token) headers['authorization'] = `Bearer ${this.o.config.token}`;
    let stream;
    try { stream = this.upstream().request(headers); } catch (e) { return this.refuse(res, 503, 'ServiceUnavailable', `API server unreachable: ${(e as Error).message}`); }
    stream.on('response', (h) => {
      const out: Record<string, string> = {};
      for (const k of PASSED) { const v = h[k]; if (typeof v === 'string') out[k] = v; }
      res.writeHead(Number(h[constants.HTTP2_HEADER_STATUS]) || 502, out);
      // A watch's headers go out at once: the page waits on them before it reads any event.
      res.flushHeaders();
    });
    stream.on('data', (b: Buffer) => res.write(b));
    stream.on('end', () => res.end());
    stream.on('error', (e) => {
      if (!res.headersSent) this.refuse(res, 502, 'InternalError', `API server: ${e.message}`);
      else res.destroy();
    });
    // The page went away (a watch it stopped, a closed tab): end the upstream stream with it.
    res.on('close', () => { if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL); });
    req.pipe(stream);
  }
}
