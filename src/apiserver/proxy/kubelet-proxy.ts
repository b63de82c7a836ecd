/**
 * @module apiserver/proxy/kubelet-proxy
 * The API server's connect subresources that end at a kubelet: `pods/log` (streamed through),
 * `pods/exec`, `pods/attach`, `pods/portforward` (upgraded connections: SPDY proxied byte for
 * byte, WebSocket translated or tunnelled) and `nodes/proxy`. The API server authenticates to
 * kubelets with its kubelet-client certificate (system:masters) and, as upstream by default,
 * does not verify their serving certificates.
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { StatusError, badRequest, methodNotAllowed, type StatusReason } from '../../machinery/status.js';
import type { RequestInfo } from '../request-info.js';
import type { LoopbackClient } from '../registry/loopback.js';
import type { Req, Res } from '../endpoints/response.js';
import { WEBSOCKET_REMOTECOMMAND_PROTOCOLS } from '../../machinery/streaming/channel.js';
import { PORTFORWARD_PROTOCOL, PORTFORWARD_TUNNEL_PROTOCOL } from '../../machinery/streaming/portforward.js';
import { remoteCommandOptions } from '../../machinery/streaming/remotecommand.js';
import { dialUpgrade, proxyUpgrade, type UpstreamTLS } from '../../machinery/streaming/upgrade-proxy.js';
import { STREAM_PROTOCOL_HEADER, isWebSocketUpgrade, webSocketProtocols, writeUpgradeError } from '../../machinery/streaming/upgrade.js';
import { nodeProxyURL, podSubresourceURL } from './location.js';
import { openRemoteCommandStreams, spdyOffer, spdyUpgradeHeaders, translate } from './stream-translator.js';
import { tunnel, tunnelHeaders } from './stream-tunnel.js';

/** The kubelet-client credentials (issued from the cluster CA at first use). */
export type KubeletClientCredentials = () => Promise<{ certPem: string; keyPem: string }>;

const POD_STREAMS = new Set(['exec', 'attach', 'portforward']);

const REASONS: Record<number, StatusReason> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 503: 'ServiceUnavailable' };

/** A kubelet's error answer as the API server's Status (the kubelet may send a Status or plain text). */
function upstreamError(code: number, body: string): StatusError {
  let message = body.trim();
  try { const o = JSON.parse(body); if (o?.kind === 'Status' && typeof o.message === 'string') message = o.message; } catch { /* plain text */ }
  return new StatusError(code >= 400 ? code : 500, REASONS[code] ?? 'InternalError', message);
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => { const c: Buffer[] = []; res.on('data', (b: Buffer) => c.push(b)); res.on('end', () => resolve(Buffer.concat(c).toString())); res.on('error', () => resolve(Buffer.concat(c).toString())); });
}

export class KubeletProxy {
  private readonly wss: WebSocketServer;
  private tls?: UpstreamTLS;

  constructor(private readonly client: LoopbackClient, private readonly credentials: KubeletClientCredentials) {
    this.wss = new WebSocketServer({
      noServer: true, perMessageDeflate: false,
      handleProtocols: (offered: Set<string>) => [...offered].find((p) => WEBSOCKET_REMOTECOMMAND_PROTOCOLS.includes(p)) ?? false,
    });
    tunnelHeaders(this.wss);
  }

  /** True for the requests this proxy answers. */
  handles(ri: RequestInfo): boolean {
    if (!ri.isResourceRequest || ri.apiGroup !== '' || !ri.name) return false;
    if (ri.resource === 'pods') return ri.subresource === 'log' || POD_STREAMS.has(ri.subresource);
    return ri.resource === 'nodes' && (ri.subresource === 'proxy' || ri.subresource.startsWith('proxy/'));
  }

  private async upstreamTLS(): Promise<UpstreamTLS> {
    if (!this.tls) { const c = await this.credentials(); this.tls = { cert: c.certPem, key: c.keyPem, rejectUnauthorized: false }; }
    return this.tls;
  }

  private async target(ri: RequestInfo, q: URLSearchParams): Promise<URL> {
    if (ri.resource === 'nodes') return nodeProxyURL(this.client, ri.name, ri.subresource.replace(/^proxy\/?/, ''), q);
    return podSubresourceURL(this.client, ri.namespace, ri.name, ri.subresource, q);
  }

  /** Plain (not upgraded) requests: logs and node proxy are streamed through; the rest need an upgrade. */
  async serve(ri: RequestInfo, q: URLSearchParams, req: Req, res: Res): Promise<void> {
    if (POD_STREAMS.has(ri.subresource)) throw badRequest('Upgrade request required');
    if (ri.subresource === 'log' && req.method !== 'GET') throw methodNotAllowed();
    const url = await this.target(ri, q);
    const tls = await this.upstreamTLS();
    const headers: Record<string, string> = {};
    if (ri.resource === 'nodes') for (const h of ['content-type', 'accept']) { const v = req.headers[h]; if (typeof v === 'string') headers[h] = v; }
    await new Promise<void>((resolve, reject) => {
      const up = httpsRequest({ method: req.method, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: url.pathname + url.search, headers, ...tls }, (kres) => {
        const code = kres.statusCode ?? 500;
        if (code >= 300 && ri.resource === 'pods') { void readAll(kres).then((b) => reject(upstreamError(code, b))); return; }
        const out: Record<string, string> = { 'Content-Type': String(kres.headers['content-type'] ?? 'text/plain') };
        (res as any).writeHead(code, out);
        // Followed logs must reach the client as they are written, not when a buffer fills.
        (res as any).flushHeaders?.();
        kres.on('data', (b: Buffer) => (res as any).write(b));
        kres.on('end', () => { (res as any).end(); resolve(); });
        kres.on('error', () => { (res as any).end(); resolve(); });
      });
      up.on('error', (e) => reject(new StatusError(503, 'ServiceUnavailable', `error trying to reach service: ${e.message}`)));
      (req as any).on('close', () => up.destroy());
      if (req.method === 'GET' || req.method === 'HEAD') up.end(); else (req as any).pipe(up);
    });
  }

  /** Upgraded requests: exec, attach, port-forward and node proxy. Errors are answered on the socket. */
  async serveUpgrade(ri: RequestInfo, q: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    try {
      if (ri.subresource === 'log') throw badRequest('log does not support upgrades');
      const url = await this.target(ri, q);
      const tls = await this.upstreamTLS();
      const ws = isWebSocketUpgrade(req.headers);
      if (!ws || ri.resource === 'nodes') return await proxyUpgrade(req, socket, head, url, tls);
      const offered = webSocketProtocols(req.headers);
      if (ri.subresource === 'portforward') {
        if (!offered.includes(PORTFORWARD_TUNNEL_PROTOCOL)) throw badRequest(`unable to upgrade: no supported port-forward subprotocol in ${JSON.stringify(offered)}`);
        const r = await dialUpgrade(url, 'POST', { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', [STREAM_PROTOCOL_HEADER]: PORTFORWARD_PROTOCOL }, tls);
        if (!r.upgraded) throw upstreamError(r.res.statusCode ?? 500, await readAll(r.res));
        return tunnel(this.wss, req, socket, head, r.socket, r.head);
      }
      const protocol = offered.find((p) => WEBSOCKET_REMOTECOMMAND_PROTOCOLS.includes(p));
      if (!protocol) throw badRequest(`unable to upgrade: no supported subprotocol in ${JSON.stringify(offered)}`);
      const r = await dialUpgrade(url, 'POST', spdyUpgradeHeaders(spdyOffer(protocol)), tls);
      if (!r.upgraded) throw upstreamError(r.res.statusCode ?? 500, await readAll(r.res));
      const spdyProtocol = String(r.res.headers[STREAM_PROTOCOL_HEADER] ?? '');
      const session = await openRemoteCommandStreams(r.socket, r.head, spdyProtocol, remoteCommandOptions(q));
      translate(this.wss, req, socket, head, session);
    } catch (e) {
      const se = e instanceof StatusError ? e : new StatusError(503, 'ServiceUnavailable', `error dialing backend: ${(e as Error).message}`);
      writeUpgradeError(socket, se.code, JSON.stringify(se.toStatus()), 'application/json');
    }
  }

  close(): void { this.wss.close(); }
}
