/**
 * @module kubelet/server/streaming-server
 * A CRI streaming server for runtimes that have none of their own (the process runtime), as
 * k8s.io/kubelet/pkg/cri/streaming: the runtime's Exec/Attach/PortForward return a one-time URL
 * here (`/exec/<token>`, valid for a minute), the kubelet proxies the client's upgraded
 * connection to it, and this server speaks the SPDY remote command and port-forward protocols,
 * handing the streams to a small backend that knows how to run things in a container.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { AttachRequest, ExecRequest, PortForwardRequest } from '../cri/api.js';
import { serveRemoteCommandSPDY, type RemoteCommandIO } from '../../machinery/streaming/remotecommand.js';
import { servePortForwardSPDY } from '../../machinery/streaming/portforward.js';
import { isSpdyUpgrade, writeUpgradeError } from '../../machinery/streaming/upgrade.js';

/** What the streaming server needs from a runtime. */
export interface StreamingBackend {
  /** Run `cmd` in the container with the client's stdio; resolve with its exit code. */
  exec(containerId: string, cmd: string[], io: RemoteCommandIO): Promise<number>;
  /** Connect the client's stdio to the container's main process; resolve when detached or it exits. */
  attach(containerId: string, io: RemoteCommandIO): Promise<void>;
  /** Connect `stream` to `port` in the pod's network; resolve when either side is done. */
  portForward(podSandboxId: string, port: number, stream: Duplex): Promise<void>;
}

type Pending =
  | { kind: 'exec'; req: ExecRequest; expires: number }
  | { kind: 'attach'; req: AttachRequest; expires: number }
  | { kind: 'portforward'; req: PortForwardRequest; expires: number };

/** How long a URL handed out by getExec/getAttach/getPortForward stays valid (upstream: 1 minute). */
const TOKEN_TTL_MS = 60_000;

export class StreamingServer {
  private server?: Server;
  private readonly sockets = new Set<Duplex>();
  private readonly pending = new Map<string, Pending>();
  private base = '';

  constructor(private readonly backend: StreamingBackend, private readonly o: { address?: string; port?: number } = {}) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('Upgrade request required');
      req.resume();
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server.on('clientError', (_e, s) => s.destroy());
    // Upgraded connections leave the server's books: keep them here so stop() can end them.
    this.server.on('connection', (sock: Duplex) => { this.sockets.add(sock); sock.once('close', () => this.sockets.delete(sock)); });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port ?? 0, this.o.address ?? '127.0.0.1', () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    this.base = `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
    return this.base;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections?.();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  getExec(req: ExecRequest): { url: string } { return this.issue({ kind: 'exec', req, expires: 0 }); }
  getAttach(req: AttachRequest): { url: string } { return this.issue({ kind: 'attach', req, expires: 0 }); }
  getPortForward(req: PortForwardRequest): { url: string } { return this.issue({ kind: 'portforward', req, expires: 0 }); }

  private issue(p: Pending): { url: string } {
    if (!this.base) throw new Error('streaming server is not started');
    const now = Date.now();
    for (const [t, v] of this.pending) if (v.expires < now) this.pending.delete(t);
    const token = randomBytes(12).toString('base64url');
    p.expires = now + TOKEN_TTL_MS;
    this.pending.set(token, p);
    const path = p.kind === 'portforward' ? 'portforward' : p.kind;
    return { url: `${this.base}/${path}/${token}` };
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const m = /^\/(exec|attach|portforward)\/([A-Za-z0-9_-]+)(?:\?.*)?$/.exec(req.url ?? '');
    const p = m ? this.pending.get(m[2]!) : undefined;
    if (!m || !p || p.kind !== m[1] || p.expires < Date.now()) return writeUpgradeError(socket, 404, 'invalid or expired token');
    this.pending.delete(m[2]!);
    if (!isSpdyUpgrade(req.headers)) return writeUpgradeError(socket, 400, 'only SPDY/3.1 upgrades are served here');
    if (p.kind === 'exec') {
      const r = p.req;
      void serveRemoteCommandSPDY(req, socket, head, { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr && !r.tty, tty: r.tty },
        async (io) => ({ exitCode: await this.backend.exec(r.containerId, r.cmd, io) }), { command: r.cmd });
    } else if (p.kind === 'attach') {
      const r = p.req;
      void serveRemoteCommandSPDY(req, socket, head, { stdin: r.stdin, stdout: r.stdout, stderr: r.stderr && !r.tty, tty: r.tty },
        async (io) => { await this.backend.attach(r.containerId, io); return { exitCode: 0 }; });
    } else {
      const r = p.req;
      servePortForwardSPDY(req, socket, head, (port, data) => {
        if (r.port.length && !r.port.includes(port)) return Promise.reject(new Error(`port ${port} was not requested`));
        return this.backend.portForward(r.podSandboxId, port, data);
      }, `pod sandbox ${r.podSandboxId}`);
    }
  }
}

/**
 * Run a host process with the client's stdio (a non-tty exec; with a tty, `script` from util-linux
 * gives it a pseudo-terminal). Resolves with its exit code, 128+n for a signal, 126/127 when it
 * cannot be started (as a shell would report).
 */
export function execHostProcess(spec: { argv: string[]; env?: Record<string, string>; cwd?: string }, io: RemoteCommandIO): Promise<number> {
  return new Promise((resolve) => {
    let argv = spec.argv;
    if (io.tty) argv = ['script', '-qfec', argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' '), '/dev/null'];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: spec.cwd, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let done = false;
    const finish = (code: number) => { if (!done) { done = true; resolve(code); } };
    child.on('error', (e: NodeJS.ErrnoException) => {
      io.stderr?.write(`exec: ${e.message}\n`);
      finish(e.code === 'ENOENT' ? 127 : 126);
    });
    if (io.stdin) { io.stdin.pipe(child.stdin!); child.stdin!.on('error', () => { /* the process closed its stdin */ }); } else child.stdin!.end();
    if (io.stdout) child.stdout!.pipe(io.stdout, { end: false }); else child.stdout!.resume();
    if (io.stderr) child.stderr!.pipe(io.stderr, { end: false }); else if (io.tty && io.stdout) child.stderr!.pipe(io.stdout, { end: false }); else child.stderr!.resume();
    child.on('close', (code, signal) => {
      io.stdin?.unpipe(child.stdin!);
      finish(code ?? (signal ? 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 } as Record<string, number>)[signal] ?? 1) : 1));
    });
  });
}

/** Forward a stream to a TCP port on loopback (the process runtime's pods share the host network). */
export function forwardToLocalPort(port: number, stream: Duplex, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let connected = false;
    sock.once('connect', () => {
      connected = true;
      stream.pipe(sock);
      sock.pipe(stream);
    });
    sock.on('error', (e) => { if (!connected) reject(e); else { stream.end(); resolve(); } });
    sock.on('close', () => { if (connected) resolve(); });
    stream.on('end', () => sock.end());
  });
}
