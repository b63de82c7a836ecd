/**
 * @module machinery/streaming/upgrade-proxy
 * Proxying an upgraded connection one hop further, byte for byte (UpgradeAwareHandler): the API
 * server to the kubelet, the kubelet to the runtime's streaming server. The upgrade request is
 * replayed upstream; a 101 answer is relayed and the two sockets are piped, any other answer is
 * relayed as a plain response.
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { writeUpgradeError } from './upgrade.js';

const HOP_BY_HOP = new Set(['host', 'content-length', 'transfer-encoding', 'keep-alive', 'proxy-connection', 'te', 'trailer']);

export interface UpstreamTLS { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean }

function forwardHeaders(h: IncomingHttpHeaders, drop: string[] = []): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || HOP_BY_HOP.has(k) || drop.includes(k) || k.startsWith(':')) continue;
    out[k] = v;
  }
  return out;
}

function statusLine(res: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}`];
  for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

/** Open an upgraded connection to `target` (returns the upstream socket and the 101 response), or the error response. */
export function dialUpgrade(target: URL, method: string, headers: Record<string, string | string[]>, tls: UpstreamTLS = {}):
  Promise<{ upgraded: true; res: IncomingMessage; socket: Duplex; head: Buffer } | { upgraded: false; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const opts = { method, headers, host: target.hostname.replace(/^\[|\]$/g, ''), port: target.port, path: target.pathname + target.search };
    const req = target.protocol === 'https:'
      ? httpsRequest({ ...opts, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized ?? false, servername: undefined as any })
      : httpRequest(opts);
    req.on('upgrade', (res, socket, head) => resolve({ upgraded: true, res, socket, head }));
    req.on('response', (res) => resolve({ upgraded: false, res }));
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`timed out connecting to ${target.host}`)));
    req.end();
  });
}

/** Pipe two sockets both ways; each end's close closes the other. */
export function joinSockets(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
  const closeBoth = () => { a.destroy(); b.destroy(); };
  a.on('error', closeBoth);
  b.on('error', closeBoth);
  a.on('close', closeBoth);
  b.on('close', closeBoth);
}

/**
 * Replay the client's upgrade request at `target` and join the connections. Errors before the
 * upgrade are answered on the client's socket (502 when the upstream cannot be reached).
 */
export async function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: URL, tls: UpstreamTLS = {}, dropHeaders: string[] = ['authorization']): Promise<void> {
  let r;
  try {
    r = await dialUpgrade(target, req.method ?? 'GET', forwardHeaders(req.headers, dropHeaders), tls);
  } catch (e) {
    writeUpgradeError(socket, 502, `error dialing backend: ${(e as Error).message}`);
    return;
  }
  if (!r.upgraded) {
    const res = r.res;
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}`, `Content-Type: ${res.headers['content-type'] ?? 'text/plain'}`, `Content-Length: ${body.length}`, 'Connection: close'];
      if (!socket.destroyed) socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]));
    });
    return;
  }
  if (socket.destroyed) { r.socket.destroy(); return; }
  socket.write(statusLine(r.res));
  if (r.head.length) socket.write(r.head);
  if (head.length) r.socket.write(head);
  joinSockets(socket, r.socket);
}
