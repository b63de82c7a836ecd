/**
 * @module machinery/streaming/spdy-frames
 * SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00 plus 3.1's session flow control): encoding and
 * decoding of control frames (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS,
 * WINDOW_UPDATE) and DATA frames, and the header blocks compressed with one zlib context per
 * direction that lives as long as the connection (so a header block can only be read by the end
 * that read every block before it, in order).
 *
 * This is the transport kubectl, the API server, the kubelet and containerd's streaming server
 * use for exec, attach and port-forward (Go's moby/spdystream); owning it keeps the project free
 * of a patched npm package.
 */
import { constants as Z, createInflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';

export const SPDY_VERSION = 3;

export const FrameType = {
  SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9,
} as const;

export const Flag = { FIN: 0x01, UNIDIRECTIONAL: 0x02 } as const;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, UNSUPPORTED_VERSION: 4, CANCEL: 5,
  INTERNAL_ERROR: 6, FLOW_CONTROL_ERROR: 7, STREAM_IN_USE: 8, STREAM_ALREADY_CLOSED: 9,
} as const;

/** SETTINGS ids this implementation reads. */
export const Setting = { INITIAL_WINDOW_SIZE: 7 } as const;

/** Header names are lowercase; a name may carry several values (NUL-separated on the wire). */
export type SpdyHeaders = Record<string, string[]>;

/** One frame as read off the wire, before its header block (if any) is decompressed. */
export interface RawFrame {
  control: boolean;
  /** Control frame type, 0 for DATA. */
  type: number;
  flags: number;
  /** DATA frames: the stream id; control frames: the stream id where the type has one, else 0. */
  streamId: number;
  payload: Buffer;
}

/** The largest frame length SPDY's 24-bit length field allows. */
export const MAX_FRAME_LENGTH = 0xffffff;

/** Adler-32, the checksum a zlib header names its preset dictionary by. */
export function adler32(b: Buffer): number {
  let a = 1, c = 0;
  for (let i = 0; i < b.length; i++) { a = (a + b[i]!) % 65521; c = (c + a) % 65521; }
  return ((c << 16) | a) >>> 0;
}

function headerBlockBytes(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const names = Object.keys(headers);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(names.length);
  parts.push(count);
  for (const name of names) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(headers[name]!.join('\0'), 'utf8');
    const ln = Buffer.alloc(4); ln.writeUInt32BE(n.length);
    const lv = Buffer.alloc(4); lv.writeUInt32BE(v.length);
    parts.push(ln, n, lv, v);
  }
  return Buffer.concat(parts);
}

/**
 * Writes header blocks as one zlib stream per connection. Node's zlib streams are asynchronous,
 * and frames must be written in order as they are made, so the blocks are written as deflate
 * *stored* (uncompressed) blocks, which any inflater reads: the stream starts with a zlib header
 * naming the SPDY dictionary, and every header block is a whole number of non-final stored
 * blocks followed by an empty one, exactly what a Z_SYNC_FLUSH leaves. Header blocks are a few hundred bytes
 * once per stream, so not compressing them costs nothing that matters.
 */
export class HeaderCompressor {
  private started = false;
  encode(headers: SpdyHeaders): Buffer {
    const raw = headerBlockBytes(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      const cmf = 0x78, flg0 = 0x20; // deflate, 32 KiB window; FDICT
      const flg = flg0 + (31 - ((cmf * 256 + flg0) % 31)) % 31;
      const h = Buffer.alloc(6);
      h[0] = cmf; h[1] = flg;
      h.writeUInt32BE(adler32(SPDY3_DICTIONARY), 2);
      parts.push(h);
    }
    for (let off = 0; off < raw.length || off === 0; off += 65535) {
      const chunk = raw.subarray(off, off + 65535);
      const h = Buffer.alloc(5);
      h[0] = 0x00; // BFINAL 0, BTYPE 00 (stored), padded to the byte
      h.writeUInt16LE(chunk.length, 1);
      h.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(h, chunk);
      if (raw.length === 0) break;
    }
    // End as Z_SYNC_FLUSH does, with an empty stored block: Go's inflater hands out what it has
    // decoded only when it reaches one, and would otherwise read past the frame and fail.
    parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }
  close(): void { /* nothing held */ }
}

/** Reads the peer's header blocks: one inflate context for the connection, fed in frame order. */
export class HeaderDecompressor {
  private readonly z: Inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
  private failed?: Error;
  constructor() { this.z.on('error', (e) => { this.failed = e; }); }

  decode(block: Buffer): Promise<SpdyHeaders> {
    if (this.failed) return Promise.reject(this.failed);
    if (block.length === 0) return Promise.resolve({});
    return new Promise((resolve, reject) => {
      this.z.write(block);
      this.z.flush(Z.Z_SYNC_FLUSH, () => {
        if (this.failed) return reject(this.failed);
        const chunks: Buffer[] = [];
        let c: Buffer | null;
        while ((c = this.z.read() as Buffer | null) !== null) chunks.push(c);
        try { resolve(parseHeaderBlock(Buffer.concat(chunks))); } catch (e) { reject(e); }
      });
    });
  }
  close(): void { this.z.close(); }
}

/** Parse an uncompressed header block. */
export function parseHeaderBlock(raw: Buffer): SpdyHeaders {
  const out: SpdyHeaders = {};
  if (raw.length < 4) return out;
  let off = 0;
  const u32 = () => { if (off + 4 > raw.length) throw new Error('spdy: truncated header block'); const v = raw.readUInt32BE(off); off += 4; return v; };
  const bytes = (n: number) => { if (off + n > raw.length) throw new Error('spdy: truncated header block'); const b = raw.subarray(off, off + n); off += n; return b; };
  const count = u32();
  for (let i = 0; i < count; i++) {
    const name = bytes(u32()).toString('utf8').toLowerCase();
    const values = bytes(u32()).toString('utf8').split('\0');
    (out[name] ??= []).push(...values);
  }
  return out;
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_LENGTH) throw new Error('spdy: frame too large');
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([h, payload]);
}

export function encodeSynStream(c: HeaderCompressor, streamId: number, headers: SpdyHeaders, flags = 0, associatedId = 0, priority = 0): Buffer {
  const p = Buffer.alloc(10);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(associatedId & 0x7fffffff, 4);
  p.writeUInt8((priority & 0x7) << 5, 8);
  return controlFrame(FrameType.SYN_STREAM, flags, Buffer.concat([p, c.encode(headers)]));
}

export function encodeSynReply(c: HeaderCompressor, streamId: number, headers: SpdyHeaders, flags = 0): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  return controlFrame(FrameType.SYN_REPLY, flags, Buffer.concat([p, c.encode(headers)]));
}

export function encodeHeaders(c: HeaderCompressor, streamId: number, headers: SpdyHeaders, flags = 0): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  return controlFrame(FrameType.HEADERS, flags, Buffer.concat([p, c.encode(headers)]));
}

export function encodeRstStream(streamId: number, status: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return controlFrame(FrameType.RST_STREAM, 0, p);
}

export function encodeSettings(entries: { id: number; value: number; flags?: number }[]): Buffer {
  const p = Buffer.alloc(4 + 8 * entries.length);
  p.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    p.writeUInt32BE((((e.flags ?? 0) & 0xff) << 24 | (e.id & 0xffffff)) >>> 0, 4 + i * 8);
    p.writeUInt32BE(e.value >>> 0, 8 + i * 8);
  });
  return controlFrame(FrameType.SETTINGS, 0, p);
}

export function encodePing(id: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(id >>> 0, 0);
  return controlFrame(FrameType.PING, 0, p);
}

export function encodeGoAway(lastGoodStreamId: number, status = 0): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(lastGoodStreamId & 0x7fffffff, 0);
  p.writeUInt32BE(status, 4);
  return controlFrame(FrameType.GOAWAY, 0, p);
}

export function encodeWindowUpdate(streamId: number, delta: number): Buffer {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(streamId & 0x7fffffff, 0);
  p.writeUInt32BE(delta & 0x7fffffff, 4);
  return controlFrame(FrameType.WINDOW_UPDATE, 0, p);
}

export function encodeData(streamId: number, data: Buffer, flags = 0): Buffer {
  if (data.length > MAX_FRAME_LENGTH) throw new Error('spdy: frame too large');
  const h = Buffer.alloc(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE(((flags & 0xff) << 24 | data.length) >>> 0, 4);
  return data.length ? Buffer.concat([h, data]) : h;
}

/** Splits a byte stream into frames; feed it chunks as they arrive. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RawFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: RawFrame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const flags = this.buf[4]!;
      const payload = this.buf.subarray(8, 8 + len);
      const w0 = this.buf.readUInt32BE(0);
      if (w0 & 0x80000000) {
        const version = (w0 >>> 16) & 0x7fff;
        if (version !== SPDY_VERSION) throw new Error(`spdy: unsupported version ${version}`);
        const type = w0 & 0xffff;
        const hasStream = type === FrameType.SYN_STREAM || type === FrameType.SYN_REPLY || type === FrameType.RST_STREAM || type === FrameType.HEADERS || type === FrameType.WINDOW_UPDATE;
        out.push({ control: true, type, flags, streamId: hasStream && len >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0, payload });
      } else {
        out.push({ control: false, type: 0, flags, streamId: w0 & 0x7fffffff, payload });
      }
      this.buf = this.buf.subarray(8 + len);
    }
    return out;
  }
}

/** The header block of a SYN_STREAM (after stream, associated id, priority and slot). */
export function synStreamHeaderBlock(f: RawFrame): Buffer { return f.payload.subarray(10); }
/** The header block of a SYN_REPLY or HEADERS frame. */
export function replyHeaderBlock(f: RawFrame): Buffer { return f.payload.subarray(4); }

/** First value of a header, as Go's http.Header.Get. */
export function headerValue(h: SpdyHeaders, name: string): string | undefined {
  return h[name.toLowerCase()]?.[0];
}
