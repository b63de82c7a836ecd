/**
 * @module apiserver/proxy/stream-translator
 * WebSocket in, SPDY out (apiserver/pkg/util/proxy/streamtranslator.go): kubectl 1.30+ execs and
 * attaches over WebSocket (`v5.channel.k8s.io`), while kubelets and container runtimes speak the
 * SPDY remote command protocol. The API server opens the SPDY session to the kubelet first (so a
 * failure is an HTTP error kubectl can read), then accepts the WebSocket and moves each channel
 * to and from its SPDY stream. v5's close signal on stdin becomes the stdin stream's FIN.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { SpdyConnection, type SpdyStream } from '../../machinery/streaming/spdy-connection.js';
import { Channel, CLOSE_SIGNAL, decodeChannelMessage, encodeChannelMessage, spdyProtocolFor } from '../../machinery/streaming/channel.js';
import type { RemoteCommandOptions } from '../../machinery/streaming/remotecommand.js';
import { STREAM_PROTOCOL_HEADER } from '../../machinery/streaming/upgrade.js';

/** An open SPDY remote command session toward the kubelet, with the client's streams created. */
export interface SpdySession { conn: SpdyConnection; streams: Partial<Record<'error' | 'stdin' | 'stdout' | 'stderr' | 'resize', SpdyStream>>; protocol: string }

/** SPDY protocols to offer the kubelet for a WebSocket protocol: the same version and the older ones. */
export function spdyOffer(wsProtocol: string): string[] {
  const all = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
  const want = spdyProtocolFor(wsProtocol) === 'v5.channel.k8s.io' ? 'v4.channel.k8s.io' : spdyProtocolFor(wsProtocol);
  const i = all.indexOf(want);
  return i < 0 ? all : all.slice(i);
}

/** Headers of a SPDY upgrade request for the remote command protocol. */
export function spdyUpgradeHeaders(protocols: string[]): Record<string, string | string[]> {
  return { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', [STREAM_PROTOCOL_HEADER]: protocols };
}

/** Create the client streams on an upgraded SPDY socket, in the order kubectl does. */
export async function openRemoteCommandStreams(socket: Duplex, head: Buffer, protocol: string, o: RemoteCommandOptions): Promise<SpdySession> {
  const conn = new SpdyConnection(socket, { server: false });
  conn.feed(head);
  const streams: SpdySession['streams'] = {};
  const open = async (type: keyof SpdySession['streams']) => { streams[type] = await conn.createStream({ streamtype: [type] }); };
  await open('error');
  if (o.stdin) await open('stdin');
  if (o.stdout) await open('stdout');
  if (o.stderr) await open('stderr');
  if (o.tty && protocol !== 'channel.k8s.io' && protocol !== 'v2.channel.k8s.io') await open('resize');
  return { conn, streams, protocol };
}

const ended = (s: SpdyStream | undefined) => new Promise<void>((r) => { if (!s || s.readableEnded) return r(); s.once('end', r); s.once('close', r); });

/** Accept the WebSocket and join its channels to the SPDY session; closes both when either ends. */
export function translate(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, session: SpdySession): void {
  wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    const protocol = ws.protocol;
    const { streams, conn } = session;
    const send = (ch: number, data: Buffer) => { if (ws.readyState === ws.OPEN) ws.send(encodeChannelMessage(protocol, ch, data)); };
    streams.stdout?.on('data', (b: Buffer) => send(Channel.stdout, b));
    streams.stderr?.on('data', (b: Buffer) => send(Channel.stderr, b));
    const errorChunks: Buffer[] = [];
    streams.error?.on('data', (b: Buffer) => errorChunks.push(b));
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const m = decodeChannelMessage(protocol, isBinary ? buf : Buffer.from(buf.toString(), 'latin1'));
      if (!m) return;
      if (m.channel === Channel.stdin) { if (m.data.length) streams.stdin?.write(m.data); }
      else if (m.channel === Channel.resize) streams.resize?.write(m.data);
      else if (m.channel === CLOSE_SIGNAL && m.data[0] === Channel.stdin) streams.stdin?.end();
    });
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      const status = Buffer.concat(errorChunks);
      if (status.length) send(Channel.error, status);
      if (ws.readyState === ws.OPEN) ws.close(1000);
      conn.close();
    };
    // A kubelet that goes away ends every stream too (after their data), so this covers both.
    void Promise.all([ended(streams.stdout), ended(streams.stderr), ended(streams.error)]).then(finish);
    ws.on('close', () => { if (!finished) { finished = true; conn.destroy(); } });
    ws.on('error', () => conn.destroy());
  });
}
