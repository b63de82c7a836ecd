/**
 * @module apiserver/proxy/stream-tunnel
 * Port-forward over WebSocket (apiserver/pkg/util/proxy/streamtunnel.go): kubectl 1.30+ asks for
 * the subprotocol `SPDY/3.1+portforward.k8s.io` and runs an ordinary SPDY port-forward session
 * inside WebSocket binary messages. The API server opens a SPDY upgrade to the kubelet and moves
 * bytes between the two untouched; it never parses the SPDY inside.
 *
 * `ws` refuses that subprotocol (`/` is not a token character), so the header is taken off the
 * request before the handshake and the answer's header is added back by `tunnelHeaders`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { PORTFORWARD_TUNNEL_PROTOCOL } from '../../machinery/streaming/portforward.js';

const tunnelRequests = new WeakSet<IncomingMessage>();

/** Install on the WebSocketServer once: names the tunnel subprotocol in the 101 of tunnel requests. */
export function tunnelHeaders(wss: WebSocketServer): void {
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    if (tunnelRequests.has(req)) headers.push(`Sec-WebSocket-Protocol: ${PORTFORWARD_TUNNEL_PROTOCOL}`);
  });
}

/** Accept the WebSocket tunnel and join it to the kubelet's upgraded SPDY socket. */
export function tunnel(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, upstream: Duplex, upstreamHead: Buffer): void {
  delete req.headers['sec-websocket-protocol'];
  tunnelRequests.add(req);
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    if (upstreamHead.length) ws.send(upstreamHead);
    upstream.on('data', (b: Buffer) => { if (ws.readyState === ws.OPEN) ws.send(b); });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      upstream.write(buf);
    });
    const closeWs = () => { if (ws.readyState === ws.OPEN) ws.close(1000); };
    upstream.on('end', closeWs);
    upstream.on('close', closeWs);
    upstream.on('error', closeWs);
    ws.on('close', () => upstream.destroy());
    ws.on('error', () => upstream.destroy());
  });
}
