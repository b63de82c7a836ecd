/**
 * @module machinery/streaming/upgrade
 * The HTTP/1.1 side of streaming: telling SPDY and WebSocket upgrades apart, negotiating the
 * `X-Stream-Protocol-Version` (client's order of preference wins, as httpstream.Handshake), and
 * writing a 101 or an error answer straight onto an upgraded socket.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';

export const STREAM_PROTOCOL_HEADER = 'x-stream-protocol-version';
export const SPDY_UPGRADE = 'SPDY/3.1';

function headerList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function isSpdyUpgrade(h: IncomingHttpHeaders): boolean {
  return headerList(h.upgrade).some((u) => u.toLowerCase() === SPDY_UPGRADE.toLowerCase());
}

export function isWebSocketUpgrade(h: IncomingHttpHeaders): boolean {
  return headerList(h.upgrade).some((u) => u.toLowerCase() === 'websocket');
}

/** The protocols a client offers in X-Stream-Protocol-Version, in its order. */
export function clientStreamProtocols(h: IncomingHttpHeaders): string[] {
  return headerList(h[STREAM_PROTOCOL_HEADER]);
}

/** The subprotocols a WebSocket client offers (Sec-WebSocket-Protocol). */
export function webSocketProtocols(h: IncomingHttpHeaders): string[] {
  return headerList(h['sec-websocket-protocol']);
}

/** The first protocol of the client's list the server supports; '' when the client offers none. */
export function negotiateProtocol(client: string[], server: string[]): string | undefined {
  if (client.length === 0) return '';
  return client.find((p) => server.includes(p));
}

/** Answer an upgrade with 101 and the extra headers. */
export function writeSwitchingProtocols(socket: Duplex, headers: Record<string, string>): void {
  const lines = ['HTTP/1.1 101 Switching Protocols', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.write(lines.join('\r\n') + '\r\n\r\n');
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** Answer an upgrade request with a plain HTTP response and close the socket. */
export function writeUpgradeError(socket: Duplex, code: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  if (socket.destroyed) return;
  const b = Buffer.from(body);
  socket.end(`HTTP/1.1 ${code} ${REASONS[code] ?? 'Error'}\r\nContent-Type: ${contentType}\r\nContent-Length: ${b.length}\r\nConnection: close\r\n\r\n` + b.toString('latin1'), 'latin1');
}

/** Accept a SPDY upgrade with the negotiated stream protocol. */
export function acceptSpdyUpgrade(socket: Duplex, protocol: string): void {
  const h: Record<string, string> = { Connection: 'Upgrade', Upgrade: SPDY_UPGRADE };
  if (protocol) h['X-Stream-Protocol-Version'] = protocol;
  writeSwitchingProtocols(socket, h);
}
