/**
 * @module kubelet/cri/process/cri-log
 * Turns a container's raw stdout/stderr files into its CRI log file, as containerd's shim does for
 * real containers: one record per line, `<RFC3339Nano> <stdout|stderr> <F|P> <text>\n`, `P` for a
 * piece of a line longer than the buffer.
 *
 * Why raw files and not pipes: a process container must outlive the agent that started it (the
 * kubelet restarts and adopts it). A pipe whose reader died would SIGPIPE the container, so the
 * process writes to plain files and the agent ships new bytes from a persisted offset; after a
 * restart it carries on where it stopped. The cost: a record's time is when the agent read it (up
 * to one poll late, later if the agent was down), and stdout/stderr interleave at poll granularity.
 */
import { open, appendFile, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Longest line kept whole; longer ones are split into `P` records, like containerd's 16 KiB buffer. */
const MAX_LINE = 16 * 1024;

const wallAtStart = BigInt(Date.now()) * 1_000_000n;
const hrAtStart = process.hrtime.bigint();

/** Now as RFC3339 with nanoseconds (UTC), the CRI log timestamp. */
export function rfc3339Nano(): string {
  const ns = wallAtStart + (process.hrtime.bigint() - hrAtStart);
  const secs = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return new Date(Number(secs) * 1000).toISOString().slice(0, 19) + '.' + frac + 'Z';
}

/** Read position of each stream, persisted with the container so a restarted agent resumes. */
export interface LogOffsets { stdout: number; stderr: number }

type Stream = 'stdout' | 'stderr';

/** Ships one container's raw output files into its CRI log file. */
export class CriLogShipper {
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly raw: Record<Stream, string>,
    /** Absolute CRI log path; empty: output is read and dropped (no logPath in the config). */
    private readonly logPath: string,
    readonly offsets: LogOffsets,
  ) {}

  /** Ship what is new. `final` (the process has exited) also ships a last line with no newline. */
  pump(final = false): Promise<void> {
    this.busy = this.busy.then(() => this.pumpOnce(final)).catch(() => undefined);
    return this.busy;
  }

  private async pumpOnce(final: boolean): Promise<void> {
    let out = '';
    for (const stream of ['stdout', 'stderr'] as const) out += await this.read(stream, final);
    if (out && this.logPath) {
      await mkdir(dirname(this.logPath), { recursive: true });
      await appendFile(this.logPath, out);
    }
  }

  private async read(stream: Stream, final: boolean): Promise<string> {
    // A stat first: most polls find nothing new, and that should cost no open/close.
    const seen = await stat(this.raw[stream]).catch(() => undefined);
    if (!seen || seen.size <= this.offsets[stream]) return '';
    let fh;
    try { fh = await open(this.raw[stream], 'r'); } catch { return ''; }
    try {
      const { size } = await fh.stat();
      const start = this.offsets[stream];
      if (size <= start) return '';
      const buf = Buffer.alloc(size - start);
      const { bytesRead } = await fh.read(buf, 0, buf.length, start);
      const data = buf.subarray(0, bytesRead);
      let consumed = 0;
      let records = '';
      for (;;) {
        const nl = data.indexOf(0x0a, consumed);
        const rest = data.length - consumed;
        if (nl < 0 || nl - consumed > MAX_LINE) {
          // No newline yet: hold it unless it is too long to hold or the process is gone.
          if (rest === 0 || (rest <= MAX_LINE && !final)) break;
          const take = Math.min(rest, MAX_LINE);
          const isLast = final && take === rest;
          records += this.record(stream, isLast ? 'F' : 'P', data.subarray(consumed, consumed + take));
          consumed += take;
          continue;
        }
        records += this.record(stream, 'F', data.subarray(consumed, nl));
        consumed = nl + 1;
      }
      this.offsets[stream] = start + consumed;
      return records;
    } finally {
      await fh.close();
    }
  }

  private record(stream: Stream, tag: 'F' | 'P', text: Buffer): string {
    return `${rfc3339Nano()} ${stream} ${tag} ${text.toString('utf8')}\n`;
  }
}
