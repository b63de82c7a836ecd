/**
 * @module machinery/streaming/portforward
 * The port-forward protocol (`portforward.k8s.io`) server side over SPDY, as the kubelet's CRI
 * streaming server speaks it: for every local connection the client opens a pair of streams with
 * the same `requestID` header, an `error` stream and a `data` stream, both naming the `port`. The
 * server connects the data stream to that port in the pod and reports failures as text on the
 * error stream.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SpdyConnection, type SpdyStream } from './spdy-connection.js';
import { headerValue } from './spdy-frames.js';
import { acceptSpdyUpgrade, clientStreamProtocols, negotiateProtocol, writeUpgradeError } from './upgrade.js';

export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol kubectl 1.30+ uses to tunnel the SPDY session through the API server. */
export const PORTFORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** Connect one data stream to `port` in the pod; resolve when the forwarding is over, reject to report an error. */
export type ForwardFn = (port: number, data: Duplex) => Promise<void>;

interface Pair { error?: SpdyStream; data?: SpdyStream; port: number; started: boolean }

/** Serve a port-forward SPDY upgrade: pair the client's streams and forward each pair with `forward`. */
export function servePortForwardSPDY(req: IncomingMessage, socket: Duplex, head: Buffer, forward: ForwardFn, describe = 'pod'): void {
  const offered = clientStreamProtocols(req.headers);
  const protocol = negotiateProtocol(offered, [PORTFORWARD_PROTOCOL]);
  if (protocol === undefined) {
    writeUpgradeError(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify([PORTFORWARD_PROTOCOL])}`);
    return;
  }
  acceptSpdyUpgrade(socket, PORTFORWARD_PROTOCOL);
  const conn = new SpdyConnection(socket, { server: true });
  const pairs = new Map<string, Pair>();
  conn.on('stream', (s: SpdyStream) => {
    const type = headerValue(s.headers, 'streamtype');
    const port = Number(headerValue(s.headers, 'port'));
    // Clients before requestID paired streams by creation order: error (n) then data (n+2).
    const requestID = headerValue(s.headers, 'requestid') ?? String(type === 'data' ? s.id - 2 : s.id);
    if ((type !== 'error' && type !== 'data') || !Number.isInteger(port) || port <= 0 || port > 65535) {
      s.reply(); s.reset(); return;
    }
    s.reply();
    let pair = pairs.get(requestID);
    if (!pair) { pair = { port, started: false }; pairs.set(requestID, pair); }
    if (type === 'error') pair.error = s; else pair.data = s;
    if (pair.error && pair.data && !pair.started) {
      pair.started = true;
      const p = pair;
      p.error!.resume();
      forward(p.port, p.data!).catch((e) => {
        p.error!.write(`error forwarding port ${p.port} to ${describe}: ${(e as Error).message}`);
      }).finally(() => {
        p.error!.end();
        if (!p.data!.writableEnded) p.data!.end();
        pairs.delete(requestID);
      });
    }
  });
  conn.feed(head);
}
