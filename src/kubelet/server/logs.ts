/**
 * @module kubelet/server/logs
 * Reading a container's CRI log file for `kubectl logs` (pkg/kubelet/kuberuntime/logs): each
 * line is `<RFC3339Nano> <stdout|stderr> <P|F> <text>`, where P marks a partial line the runtime
 * split and that continues on the next. The PodLogOptions (`timestamps`, `tailLines`,
 * `sinceSeconds`, `sinceTime`, `limitBytes`, `follow`) are applied here, on whole lines.
 */
import { open, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';

export interface CRILogLine {
  /** The runtime's timestamp as written (RFC 3339 with nanoseconds). */
  time: string;
  ms: number;
  stream: 'stdout' | 'stderr';
  /** The text with its newline when the line is complete. */
  text: string;
}

export interface LogOptions {
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Only lines at or after this time (ms since the epoch), from sinceSeconds or sinceTime. */
  sinceMs?: number;
  limitBytes?: number;
  previous: boolean;
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`invalid ${name}: ${JSON.stringify(v)}`);
  return n;
}

/** PodLogOptions from a query (the kubelet's and the API server's spelling are the same). */
export function logOptionsFromQuery(q: URLSearchParams, now = Date.now()): LogOptions {
  const bool = (n: string) => q.get(n) === 'true' || q.get(n) === '1';
  const o: LogOptions = { follow: bool('follow'), timestamps: bool('timestamps'), previous: bool('previous') };
  const tail = intParam(q, 'tailLines');
  if (tail !== undefined) { if (tail < 0) throw new Error('tailLines must be greater than or equal to 0'); o.tailLines = tail; }
  const limit = intParam(q, 'limitBytes');
  if (limit !== undefined) { if (limit < 1) throw new Error('limitBytes must be greater than 0'); o.limitBytes = limit; }
  const since = intParam(q, 'sinceSeconds');
  const sinceTime = q.get('sinceTime');
  if (since !== undefined && sinceTime) throw new Error('at most one of sinceTime or sinceSeconds may be specified');
  if (since !== undefined) { if (since < 1) throw new Error('sinceSeconds must be greater than 0'); o.sinceMs = now - since * 1000; }
  if (sinceTime) { const t = Date.parse(sinceTime); if (Number.isNaN(t)) throw new Error(`invalid sinceTime: ${sinceTime}`); o.sinceMs = t; }
  return o;
}

/** Parse one CRI log line (without its trailing newline); undefined when it is not one. */
export function parseCRILogLine(line: string): { time: string; stream: 'stdout' | 'stderr'; partial: boolean; text: string } | undefined {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  // The tag is P or F (possibly with more ':'-separated tags later); older files have no tag.
  const c = line.indexOf(' ', b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  if (tag === 'P' || tag === 'F' || tag.startsWith('P:') || tag.startsWith('F:')) {
    return { time: line.slice(0, a), stream, partial: tag[0] === 'P', text: c < 0 ? '' : line.slice(c + 1) };
  }
  return { time: line.slice(0, a), stream, partial: false, text: line.slice(b + 1) };
}

/** Joins partial lines into whole ones; feed it raw file text. */
export class CRILogDecoder {
  private rest = '';
  private partial?: CRILogLine;

  push(text: string): CRILogLine[] {
    const all = this.rest + text;
    const lines = all.split('\n');
    this.rest = lines.pop() ?? '';
    const out: CRILogLine[] = [];
    for (const l of lines) {
      const p = parseCRILogLine(l);
      if (!p) continue;
      if (this.partial) {
        this.partial.text += p.text;
        if (!p.partial) { this.partial.text += '\n'; out.push(this.partial); this.partial = undefined; }
        continue;
      }
      const line: CRILogLine = { time: p.time, ms: Date.parse(p.time), stream: p.stream, text: p.text };
      if (p.partial) this.partial = line; else { line.text += '\n'; out.push(line); }
    }
    return out;
  }

  /** At the end of a file that will not grow: a trailing partial line, as written. */
  flush(): CRILogLine[] {
    const p = this.partial;
    this.partial = undefined;
    return p ? [p] : [];
  }
}

/** Renders lines under the options' since/timestamps/limitBytes rules; returns false once the limit is reached. */
export class LogWriter {
  private written = 0;
  constructor(private readonly out: Writable, private readonly o: LogOptions) {}

  write(lines: CRILogLine[]): boolean {
    for (const l of lines) {
      if (this.o.sinceMs !== undefined && l.ms < this.o.sinceMs) continue;
      let s = this.o.timestamps ? `${l.time} ${l.text}` : l.text;
      let b = Buffer.from(s);
      if (this.o.limitBytes !== undefined) {
        const left = this.o.limitBytes - this.written;
        if (left <= 0) return false;
        if (b.length > left) b = b.subarray(0, left);
      }
      this.out.write(b);
      this.written += b.length;
      if (this.o.limitBytes !== undefined && this.written >= this.o.limitBytes) return false;
    }
    return true;
  }
}

/**
 * Write a log file to `out` under the options. With `follow`, keep reading as the file grows
 * until `running()` says the container stopped (then drain what is left) or `signal` aborts.
 */
export async function readCRILog(path: string, o: LogOptions, out: Writable, running: () => Promise<boolean>, signal?: AbortSignal): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const dec = new CRILogDecoder();
    const w = new LogWriter(out, o);
    let pos = 0;
    const readMore = async (): Promise<string> => {
      const size = (await fh.stat()).size;
      if (size < pos) pos = 0; // truncated or rotated in place: start over
      if (size === pos) return '';
      const buf = Buffer.alloc(size - pos);
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      pos += bytesRead;
      return buf.subarray(0, bytesRead).toString('utf8');
    };
    let lines = dec.push(await readMore());
    if (!o.follow) lines.push(...dec.flush());
    if (o.sinceMs !== undefined) lines = lines.filter((l) => l.ms >= o.sinceMs!);
    if (o.tailLines !== undefined) lines = o.tailLines === 0 ? [] : lines.slice(-o.tailLines);
    if (!w.write(lines) || !o.follow) return;
    for (;;) {
      if (signal?.aborted) return;
      const text = await readMore();
      if (text) { if (!w.write(dec.push(text))) return; continue; }
      if (!(await running())) {
        // One last read: the runtime may have written its last lines as the container exited.
        w.write([...dec.push(await readMore()), ...dec.flush()]);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await fh.close();
  }
}

/** True when the file exists. */
export async function logFileExists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch { return false; }
}
