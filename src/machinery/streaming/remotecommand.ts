/**
 * @module machinery/streaming/remotecommand
 * The remote command protocol behind `kubectl exec` and `kubectl attach`, server side over SPDY
 * (k8s.io/kubelet/pkg/cri/streaming/remotecommand): the client opens one stream per stdio
 * (header `streamType`: error, stdin, stdout, stderr, resize), the server runs the command and
 * writes how it ended to the error stream: for v4 and later a v1 Status (`NonZeroExitCode` with
 * an `ExitCode` cause), before v4 a plain message.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import { SpdyConnection, type SpdyStream } from './spdy-connection.js';
import { headerValue } from './spdy-frames.js';
import { acceptSpdyUpgrade, clientStreamProtocols, negotiateProtocol, writeUpgradeError } from './upgrade.js';

export const StreamType = { error: 'error', stdin: 'stdin', stdout: 'stdout', stderr: 'stderr', resize: 'resize' } as const;

/** Remote command protocol versions, newest first (the server's preference when asked). */
export const REMOTECOMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

export interface RemoteCommandOptions { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }

export interface TerminalSize { width: number; height: number }

/** What a command is given: the client's stdio (those it asked for) and its terminal resizes. */
export interface RemoteCommandIO {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  /** Called with every resize the client sends (tty only). */
  onResize(cb: (size: TerminalSize) => void): void;
}

/** How a command ended: an exit code (0 = success), or an error that kept it from running. */
export type RemoteCommandResult = { exitCode: number } | { error: string };

function flag(q: URLSearchParams, name: string, legacy?: string): boolean {
  const v = q.get(name) ?? (legacy ? q.get(legacy) : null);
  return v === 'true' || v === '1';
}

/** The stdio a request asks for (`stdin`, `stdout`, `stderr`, `tty`; `input`/`output` are the old names). */
export function remoteCommandOptions(q: URLSearchParams): RemoteCommandOptions {
  const tty = flag(q, 'tty');
  return { stdin: flag(q, 'stdin', 'input'), stdout: flag(q, 'stdout', 'output'), stderr: flag(q, 'stderr') && !tty, tty };
}

/** The Status the error stream carries for v4+ (what kubectl turns into its exit code). */
export function exitStatus(result: RemoteCommandResult, command: string[] = []): object {
  if ('error' in result) return { metadata: {}, status: 'Failure', message: result.error, reason: 'InternalError', details: { causes: [{ message: result.error }] }, code: 500 };
  if (result.exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${result.exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] },
  };
}

/** What the error stream carries for a protocol version, or undefined when nothing is written. */
export function errorStreamPayload(protocol: string, result: RemoteCommandResult, command: string[] = []): Buffer | undefined {
  if (protocol === 'v4.channel.k8s.io' || protocol === 'v5.channel.k8s.io') return Buffer.from(JSON.stringify(exitStatus(result, command)));
  if ('error' in result) return Buffer.from(result.error);
  if (result.exitCode !== 0) return Buffer.from(`command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${result.exitCode}`);
  return undefined;
}

/** Decodes the resize stream: concatenated JSON objects `{"Width":80,"Height":24}`. */
export class ResizeDecoder {
  private buf = '';
  push(chunk: Buffer | string): TerminalSize[] {
    this.buf += chunk.toString();
    const out: TerminalSize[] = [];
    let depth = 0, start = -1;
    let consumed = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (c === '{') { if (depth++ === 0) start = i; } else if (c === '}' && depth > 0 && --depth === 0) {
        try { const o = JSON.parse(this.buf.slice(start, i + 1)); out.push({ width: Number(o.Width ?? o.width ?? 0), height: Number(o.Height ?? o.height ?? 0) }); } catch { /* skip a malformed size */ }
        consumed = i + 1;
      }
    }
    this.buf = this.buf.slice(consumed);
    return out;
  }
}

/** Wait until a writable has flushed everything and ended. */
export function endAndWait(w: Writable | undefined): Promise<void> {
  if (!w || w.writableFinished || w.destroyed) return Promise.resolve();
  return new Promise((resolve) => { w.once('finish', resolve); w.once('close', resolve); w.end(); });
}

export interface ServeRemoteCommandOptions {
  /** The command line, for the exit-code message (exec only). */
  command?: string[];
  /** How long to wait for the client to open its streams. */
  streamCreationTimeoutMs?: number;
  /** Protocols this server speaks (default: all). */
  protocols?: string[];
}

/**
 * Serve one exec/attach on a SPDY upgrade request: negotiate, accept, collect the client's
 * streams, run `run`, report the result on the error stream, and close.
 */
export async function serveRemoteCommandSPDY(req: IncomingMessage, socket: Duplex, head: Buffer, opts: RemoteCommandOptions,
  run: (io: RemoteCommandIO) => Promise<RemoteCommandResult>, o: ServeRemoteCommandOptions = {}): Promise<void> {
  const server = o.protocols ?? REMOTECOMMAND_PROTOCOLS;
  const offered = clientStreamProtocols(req.headers);
  const protocol = negotiateProtocol(offered, server);
  if (protocol === undefined) {
    writeUpgradeError(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(server)}`);
    return;
  }
  acceptSpdyUpgrade(socket, protocol);
  const conn = new SpdyConnection(socket, { server: true });
  const streams: Partial<Record<string, SpdyStream>> = {};
  const wantResize = opts.tty && protocol !== 'channel.k8s.io' && protocol !== 'v2.channel.k8s.io';
  const expected = 1 + (opts.stdin ? 1 : 0) + (opts.stdout ? 1 : 0) + (opts.stderr ? 1 : 0) + (wantResize ? 1 : 0);
  const ready = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), o.streamCreationTimeoutMs ?? 30_000);
    timer.unref();
    conn.on('close', () => { clearTimeout(timer); resolve(false); });
    conn.on('stream', (s: SpdyStream) => {
      const type = headerValue(s.headers, 'streamtype') ?? '';
      s.reply();
      if (!(type in StreamType) || streams[type]) { s.reset(); return; }
      streams[type] = s;
      if (Object.keys(streams).length >= expected) { clearTimeout(timer); resolve(true); }
    });
  });
  conn.feed(head);
  if (!(await ready)) {
    // Go as far as the client let us: report on the error stream if there is one.
    streams.error?.end(Buffer.from('timed out waiting for client to create streams'));
    conn.close();
    return;
  }
  const resizeHandlers: ((s: TerminalSize) => void)[] = [];
  if (streams.resize) {
    const dec = new ResizeDecoder();
    streams.resize.on('data', (b: Buffer) => { for (const sz of dec.push(b)) for (const h of resizeHandlers) h(sz); });
  }
  // Data the client keeps sending on streams nobody reads must not pile up.
  streams.error?.resume();
  let result: RemoteCommandResult;
  try {
    result = await run({ stdin: streams.stdin, stdout: streams.stdout, stderr: streams.stderr, tty: opts.tty, onResize: (cb) => resizeHandlers.push(cb) });
  } catch (e) {
    result = { error: (e as Error).message };
  }
  await Promise.all([endAndWait(streams.stdout), endAndWait(streams.stderr)]);
  const payload = errorStreamPayload(protocol, result, o.command);
  if (streams.error) { if (payload) streams.error.write(payload); await endAndWait(streams.error); }
  streams.stdin?.resume();
  conn.close();
}
