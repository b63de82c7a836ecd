/**
 * @module machinery/streaming/channel
 * The WebSocket channel protocols of `kubectl exec`/`attach` (wsstream): every binary message
 * starts with one byte naming the channel (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize), or for
 * the base64 variants one ASCII digit followed by base64 text. v5 adds a close signal, channel 255
 * followed by the channel being closed, so a client can end stdin without closing the socket.
 */

export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 } as const;
export const CLOSE_SIGNAL = 255;

/** Remote command subprotocols the API server accepts from WebSocket clients, preferred first. */
export const WEBSOCKET_REMOTECOMMAND_PROTOCOLS = [
  'v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io',
  'channel.k8s.io', 'base64.channel.k8s.io',
];

export const isBase64Protocol = (p: string): boolean => p.includes('base64');

/** The SPDY remote command protocol that carries the same semantics toward the kubelet. */
export function spdyProtocolFor(wsProtocol: string): string {
  const m = /^(v\d)\./.exec(wsProtocol);
  return m ? `${m[1]}.channel.k8s.io` : 'channel.k8s.io';
}

export function encodeChannelMessage(protocol: string, channel: number, data: Buffer): Buffer | string {
  if (isBase64Protocol(protocol)) return String.fromCharCode(48 + channel) + data.toString('base64');
  const out = Buffer.allocUnsafe(data.length + 1);
  out[0] = channel;
  data.copy(out, 1);
  return out;
}

/** The channel and payload of one message; undefined for an empty message. */
export function decodeChannelMessage(protocol: string, msg: Buffer): { channel: number; data: Buffer } | undefined {
  if (msg.length === 0) return undefined;
  if (isBase64Protocol(protocol)) return { channel: msg[0]! - 48, data: Buffer.from(msg.subarray(1).toString('latin1'), 'base64') };
  return { channel: msg[0]!, data: msg.subarray(1) };
}
