/**
 * @module dashboard/static
 * Serves the dashboard's built files (`dist/dashboard/`, made by Vite from web/dashboard/) under
 * `/dashboard/`, for `skiff server` and for the `skiff dashboard` proxy alike. The files hold no
 * cluster data (every object comes from the API with the viewer's own credentials), so they are
 * served before authentication: a browser cannot show a sign-in page it may not load.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

export const DASHBOARD_PREFIX = '/dashboard';

/** dist/src/dashboard/static.js -> dist/dashboard/ (where `vite build` writes). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.map': 'application/json',
  '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
};

type AnyReq = IncomingMessage | Http2ServerRequest;
type AnyRes = ServerResponse | Http2ServerResponse;

/** True for `/dashboard` and everything under `/dashboard/`; nothing else (no API path starts so). */
export function isDashboardPath(pathname: string): boolean {
  return pathname === DASHBOARD_PREFIX || pathname.startsWith(DASHBOARD_PREFIX + '/');
}

export class DashboardFiles {
  /** Files read once: the bundle is small and never changes while the server runs. */
  private readonly cache = new Map<string, Buffer | null>();

  /**
   * `auth`: how the page gets its credentials, written into index.html's `skiff-auth` meta tag:
   * 'token' (ask for a bearer token; skiff server) or 'proxy' (the `skiff dashboard` proxy adds them).
   */
  constructor(private readonly root = DEFAULT_DASHBOARD_DIR, private readonly auth: 'token' | 'proxy' = 'token') {}

  private async read(rel: string): Promise<Buffer | null> {
    if (this.cache.has(rel)) return this.cache.get(rel)!;
    const file = normalize(join(this.root, rel));
    // `..` in the path must not leave the dashboard's folder.
    const inside = file.startsWith(normalize(this.root.endsWith(sep) ? this.root : this.root + sep));
    let body: Buffer | null = null;
    if (inside) try { body = await readFile(file); } catch { body = null; }
    if (body && rel === 'index.html' && this.auth !== 'token') {
      body = Buffer.from(body.toString('utf8').replace('<meta name="skiff-auth" content="token">', `<meta name="skiff-auth" content="${this.auth}">`));
    }
    this.cache.set(rel, body);
    return body;
  }

  /** Answer a request for a path under /dashboard. */
  async serve(pathname: string, req: AnyReq, res: AnyRes): Promise<void> {
    const r = res as ServerResponse;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      r.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' });
      r.end('method not allowed\n');
      return;
    }
    // `/dashboard` -> `/dashboard/`, so the page's relative asset URLs resolve under it.
    if (pathname === DASHBOARD_PREFIX) {
      r.writeHead(301, { Location: DASHBOARD_PREFIX + '/' });
      r.end();
      return;
    }
    let rel = decodeURIComponent(pathname.slice(DASHBOARD_PREFIX.length + 1));
    // Paths without an extension are the app's own views: the app reads them from the URL.
    if (rel === '' || !extname(rel)) rel = 'index.html';
    const body = await this.read(rel);
    if (!body) {
      const built = await this.read('index.html');
      r.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      r.end(built ? `not found: ${pathname}\n` : 'the dashboard is not built: run `npm run build` (it writes dist/dashboard/)\n');
      return;
    }
    r.writeHead(200, {
      'Content-Type': TYPES[extname(rel)] ?? 'application/octet-stream',
      'Content-Length': String(body.length),
      // Vite names assets by content hash: they never change. The page itself must be re-read.
      'Cache-Control': rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
    });
    r.end(req.method === 'HEAD' ? undefined : body);
  }
}
