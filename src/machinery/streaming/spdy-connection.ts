/**
 * @module machinery/streaming/spdy-connection
 * A SPDY/3.1 session over an upgraded socket, either end: streams opened by the peer arrive as
 * `stream` events (answer with `reply()`), streams opened here wait for the peer's SYN_REPLY, as
 * Go's spdystream does (kubectl creates the error/stdin/stdout/... streams this way).
 *
 * Flow control: received DATA is acknowledged with WINDOW_UPDATE as it is consumed, so a strict
 * peer never stalls; outgoing DATA is not held back by the peer's window, because spdystream (the
 * peer in every Kubernetes deployment) never sends WINDOW_UPDATE and would otherwise deadlock us
 * after 64 KiB.
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import {
  Flag, FrameReader, FrameType, HeaderCompressor, HeaderDecompressor, RstStatus, encodeData, encodeGoAway,
  encodePing, encodeRstStream, encodeSynReply, encodeSynStream, encodeWindowUpdate, replyHeaderBlock,
  synStreamHeaderBlock, type RawFrame, type SpdyHeaders,
} from './spdy-frames.js';

/** SPDY/3.1's initial per-stream and session window. */
const INITIAL_WINDOW = 64 * 1024;
/** Largest DATA payload written in one frame (large enough for throughput, small enough to interleave). */
const MAX_DATA_CHUNK = 32 * 1024;

export class SpdyStream extends Duplex {
  /** Headers of the SYN_STREAM (peer-created) or of the SYN_REPLY (created here). */
  headers: SpdyHeaders;
  private remoteFin = false;
  private localFin = false;
  private unacked = 0;
  replied = false;

  constructor(private readonly conn: SpdyConnection, readonly id: number, headers: SpdyHeaders) {
    super({ allowHalfOpen: true });
    this.headers = headers;
  }

  /** Answer a stream the peer opened (SYN_REPLY). */
  reply(headers: SpdyHeaders = {}, fin = false): void {
    if (this.replied) return;
    this.replied = true;
    this.conn.sendReply(this.id, headers, fin);
    if (fin) this.localFin = true;
  }

  /** Abort the stream (RST_STREAM CANCEL). */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.destroyed) return;
    this.conn.sendRst(this.id, status);
    this.onClosed();
  }

  override _read(): void { /* data is pushed as frames arrive */ }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.localFin || this.conn.closed) return cb();
    let off = 0;
    let ok = true;
    while (off < chunk.length) {
      const part = chunk.subarray(off, off + MAX_DATA_CHUNK);
      ok = this.conn.sendFrame(encodeData(this.id, part));
      off += part.length;
    }
    if (ok) cb(); else this.conn.afterDrain(() => cb());
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (!this.localFin && !this.conn.closed) this.conn.sendFrame(encodeData(this.id, Buffer.alloc(0), Flag.FIN));
    this.localFin = true;
    this.maybeForget();
    cb();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.conn.forget(this.id);
    cb(err);
  }

  /** @internal DATA from the peer. */
  onData(payload: Buffer, fin: boolean): void {
    if (payload.length) {
      this.push(payload);
      this.unacked += payload.length;
      // Acknowledge early and in bulk, as HTTP/2 peers do: half a window at a time.
      if (this.unacked >= INITIAL_WINDOW / 2) { this.conn.sendFrame(encodeWindowUpdate(this.id, this.unacked)); this.unacked = 0; }
    }
    if (fin) this.onRemoteFin();
  }

  /** @internal */
  onRemoteFin(): void {
    if (this.remoteFin) return;
    this.remoteFin = true;
    this.push(null);
    this.maybeForget();
  }

  /** @internal The peer reset the stream or the session went away: readers see EOF, writes are dropped. */
  onClosed(): void {
    this.localFin = true;
    if (!this.remoteFin) { this.remoteFin = true; this.push(null); }
    this.conn.forget(this.id);
  }

  private maybeForget(): void { if (this.remoteFin && this.localFin) this.conn.forget(this.id); }
}

export interface SpdyConnectionOptions {
  /** true when this end accepted the upgrade (its streams get even ids). */
  server: boolean;
  /** How long createStream waits for the peer's SYN_REPLY. */
  replyTimeoutMs?: number;
}

/**
 * Events: `stream` (SpdyStream opened by the peer), `close` (socket gone), `goaway`.
 */
export class SpdyConnection extends EventEmitter {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly pending = new Map<number, { resolve: (s: SpdyStream) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private nextId: number;
  private lastPeerId = 0;
  private sessionUnacked = 0;
  private drainWaiters: (() => void)[] = [];
  private gone = false;
  private inbound: Promise<void> = Promise.resolve();
  closed = false;

  constructor(readonly socket: Duplex, private readonly opts: SpdyConnectionOptions) {
    super();
    this.nextId = opts.server ? 2 : 1;
    socket.on('data', (b: Buffer) => this.onBytes(b));
    socket.on('drain', () => { const w = this.drainWaiters; this.drainWaiters = []; for (const f of w) f(); });
    // The socket's end is handled after the frames that came before it.
    const closed = () => { this.inbound = this.inbound.then(() => this.onSocketClosed()); };
    socket.on('close', closed);
    socket.on('end', closed);
    socket.on('error', closed);
  }

  /** Feed bytes that arrived with the upgrade (the `head` of an HTTP upgrade). */
  feed(b: Buffer): void { if (b.length) this.onBytes(b); }

  /** Open a stream and wait for the peer's SYN_REPLY. */
  createStream(headers: SpdyHeaders, fin = false): Promise<SpdyStream> {
    if (this.closed) return Promise.reject(new Error('spdy: connection closed'));
    const id = this.nextId;
    this.nextId += 2;
    const s = new SpdyStream(this, id, headers);
    this.streams.set(id, s);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error('spdy: timed out waiting for stream reply')); }, this.opts.replyTimeoutMs ?? 30_000);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.sendFrame(encodeSynStream(this.compressor, id, headers, fin ? Flag.FIN : 0));
      if (fin) s.end();
    });
  }

  /** Send a PING and resolve with the round trip in ms. */
  ping(): Promise<number> {
    const id = this.nextId; // any id of our parity
    const started = Date.now();
    return new Promise((resolve) => {
      this.once(`pong:${id}`, () => resolve(Date.now() - started));
      this.sendFrame(encodePing(id));
    });
  }

  /** GOAWAY, then close the socket once it has flushed. */
  close(): void {
    if (this.closed) return;
    this.sendFrame(encodeGoAway(this.lastPeerId));
    this.closed = true;
    this.socket.end();
    this.teardown();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
    this.teardown();
  }

  /** @internal */
  sendFrame(b: Buffer): boolean {
    if (this.socket.destroyed || (this.socket as any).writableEnded) return true;
    return this.socket.write(b);
  }
  /** @internal */
  afterDrain(f: () => void): void { this.drainWaiters.push(f); }
  /** @internal */
  sendReply(id: number, headers: SpdyHeaders, fin: boolean): void { this.sendFrame(encodeSynReply(this.compressor, id, headers, fin ? Flag.FIN : 0)); }
  /** @internal */
  sendRst(id: number, status: number): void { this.sendFrame(encodeRstStream(id, status)); }
  /** @internal */
  forget(id: number): void { this.streams.delete(id); }

  private onBytes(b: Buffer): void {
    let frames: RawFrame[];
    try { frames = this.reader.push(b); } catch { this.destroy(); return; }
    // Header blocks inflate asynchronously, and a stream's DATA must not overtake its SYN_STREAM:
    // frames are handled one after another, in the order they came.
    for (const f of frames) {
      this.inbound = this.inbound.then(() => (this.gone && f.control ? undefined : this.onFrame(f))).catch(() => this.destroy());
    }
  }

  private async onFrame(f: RawFrame): Promise<void> {
    if (!f.control) {
      this.sessionUnacked += f.payload.length;
      if (this.sessionUnacked >= INITIAL_WINDOW / 2) { this.sendFrame(encodeWindowUpdate(0, this.sessionUnacked)); this.sessionUnacked = 0; }
      const s = this.streams.get(f.streamId);
      if (!s) { if (f.payload.length || !(f.flags & Flag.FIN)) this.sendRst(f.streamId, RstStatus.INVALID_STREAM); return; }
      s.onData(f.payload, (f.flags & Flag.FIN) !== 0);
      return;
    }
    switch (f.type) {
      case FrameType.SYN_STREAM: {
        // Decompress even if the stream is refused: the zlib context must see every block.
        const headers = await this.decompressor.decode(synStreamHeaderBlock(f));
        if (this.closed) { this.sendRst(f.streamId, RstStatus.REFUSED_STREAM); return; }
        this.lastPeerId = Math.max(this.lastPeerId, f.streamId);
        const s = new SpdyStream(this, f.streamId, headers);
        this.streams.set(f.streamId, s);
        if (f.flags & Flag.FIN) s.onRemoteFin();
        this.emit('stream', s);
        return;
      }
      case FrameType.SYN_REPLY: {
        const headers = await this.decompressor.decode(replyHeaderBlock(f));
        const s = this.streams.get(f.streamId);
        const p = this.pending.get(f.streamId);
        if (s) { s.headers = headers; s.replied = true; }
        if (p) { clearTimeout(p.timer); this.pending.delete(f.streamId); if (s) p.resolve(s); }
        if (s && f.flags & Flag.FIN) s.onRemoteFin();
        return;
      }
      case FrameType.HEADERS: {
        const headers = await this.decompressor.decode(replyHeaderBlock(f));
        const s = this.streams.get(f.streamId);
        if (s) { Object.assign(s.headers, headers); if (f.flags & Flag.FIN) s.onRemoteFin(); }
        return;
      }
      case FrameType.RST_STREAM: {
        const s = this.streams.get(f.streamId);
        const p = this.pending.get(f.streamId);
        if (p) { clearTimeout(p.timer); this.pending.delete(f.streamId); p.reject(new Error(`spdy: stream ${f.streamId} reset (${f.payload.readUInt32BE(4)})`)); }
        s?.onClosed();
        return;
      }
      case FrameType.PING: {
        const id = f.payload.readUInt32BE(0);
        // Our own pings come back; the peer's are echoed. Parity says whose it is.
        const ours = (id % 2 === 0) === this.opts.server;
        if (ours) this.emit(`pong:${id}`); else this.sendFrame(encodePing(id));
        return;
      }
      case FrameType.GOAWAY:
        this.emit('goaway');
        return;
      default:
        // SETTINGS and WINDOW_UPDATE: nothing to do (see the module comment on flow control).
        return;
    }
  }

  private onSocketClosed(): void {
    if (this.gone) return;
    this.gone = true;
    this.closed = true;
    this.teardown();
    this.emit('close');
  }

  private teardown(): void {
    for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject(new Error('spdy: connection closed')); }
    this.pending.clear();
    for (const s of [...this.streams.values()]) s.onClosed();
    this.streams.clear();
    const w = this.drainWaiters; this.drainWaiters = []; for (const f of w) f();
  }
}
