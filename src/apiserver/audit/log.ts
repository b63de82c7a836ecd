/**
 * @module apiserver/audit/log
 * The log backend (--audit-log-path): one JSON line per event, appended to a file (or stdout for
 * `-`). Requests never wait for the disk: events are serialized at once (so later changes to the
 * objects do not leak in) and queued, and the queue is written in batches in the background. With
 * --audit-log-maxsize the file is renamed to `<path>.1` (older backups shifted up to maxBackups)
 * before a write would make it larger than the limit. When the disk cannot keep up and the queue is
 * full, events are dropped and counted rather than letting memory grow without bound.
 */
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { serializeEvent, type AuditEvent } from './event.js';

/** Where events go (audit.Sink). processEvent must not block and must not throw. */
export interface AuditSink {
  processEvent(event: AuditEvent): void;
}

export interface AuditLogOptions {
  /** --audit-log-maxsize, in megabytes; 0 or absent: never rotate. */
  maxSizeMB?: number;
  /** Exact byte limit instead of maxSizeMB (tests). */
  maxSizeBytes?: number;
  /** --audit-log-maxbackup: how many rotated files to keep (`.1` newest). Default 1. */
  maxBackups?: number;
  /** Events queued but not yet written before new ones are dropped. Default 10000. */
  maxBuffered?: number;
  /** Called for write errors (default: console.error once per distinct message). */
  onError?: (err: Error) => void;
  /** For `-`: the stream to write to (default process.stdout). */
  stdout?: NodeJS.WritableStream;
}

export class AuditLog implements AuditSink {
  private pending: string[] = [];
  private draining: Promise<void> | null = null;
  private handle?: FileHandle;
  private size = 0;
  private closed = false;
  private readonly maxBytes: number;
  private readonly maxBackups: number;
  private readonly maxBuffered: number;
  private readonly reported = new Set<string>();
  /** Events lost to a full queue or a failed write. */
  dropped = 0;

  constructor(readonly path: string, private readonly opts: AuditLogOptions = {}) {
    this.maxBytes = opts.maxSizeBytes ?? Math.max(0, opts.maxSizeMB ?? 0) * 1024 * 1024;
    this.maxBackups = Math.max(1, opts.maxBackups ?? 1);
    this.maxBuffered = opts.maxBuffered ?? 10000;
  }

  processEvent(event: AuditEvent): void {
    this.writeLine(serializeEvent(event));
  }

  /** Queue one already-serialized event. */
  writeLine(json: string): void {
    if (this.closed) return;
    if (this.pending.length >= this.maxBuffered) { this.dropped++; return; }
    this.pending.push(json + '\n');
    this.schedule();
  }

  private schedule(): void {
    if (this.draining) return;
    this.draining = new Promise<void>((r) => setImmediate(r))
      .then(() => this.drain())
      .finally(() => {
        this.draining = null;
        if (this.pending.length) this.schedule();
      });
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      try {
        if (this.path === '-') await this.writeStdout(batch.join(''));
        else await this.writeFile(batch);
      } catch (e) {
        this.dropped += batch.length;
        this.report(e as Error);
      }
    }
  }

  private writeStdout(data: string): Promise<void> {
    const out = this.opts.stdout ?? process.stdout;
    return new Promise((resolve, reject) => { out.write(data, (err) => (err ? reject(err) : resolve())); });
  }

  private async ensureOpen(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o755 });
    const h = await open(this.path, 'a', 0o600);
    this.size = (await h.stat()).size;
    this.handle = h;
    return h;
  }

  private async writeFile(lines: string[]): Promise<void> {
    let chunk: string[] = [];
    let chunkBytes = 0;
    const flushChunk = async (): Promise<void> => {
      if (!chunk.length) return;
      const h = await this.ensureOpen();
      await h.write(chunk.join(''));
      this.size += chunkBytes;
      chunk = [];
      chunkBytes = 0;
    };
    for (const line of lines) {
      const n = Buffer.byteLength(line);
      if (this.maxBytes > 0) {
        await this.ensureOpen();
        if (this.size + chunkBytes > 0 && this.size + chunkBytes + n > this.maxBytes) {
          await flushChunk();
          await this.rotate();
        }
      }
      chunk.push(line);
      chunkBytes += n;
    }
    await flushChunk();
  }

  private async rotate(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
    for (let i = this.maxBackups - 1; i >= 1; i--) {
      await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch((e) => { if (e.code !== 'ENOENT') throw e; });
    }
    await rename(this.path, `${this.path}.1`);
    await this.ensureOpen();
  }

  private report(e: Error): void {
    if (this.opts.onError) { this.opts.onError(e); return; }
    if (this.reported.has(e.message)) return;
    this.reported.add(e.message);
    console.error(`skiff apiserver: audit log ${this.path}: ${e.message}`);
  }

  /** Resolves once every event queued so far is written. */
  async flush(): Promise<void> {
    while (this.draining || this.pending.length) {
      if (!this.draining) this.schedule();
      await this.draining;
    }
  }

  /** Write what is queued, then close the file; later events are ignored. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }
}
