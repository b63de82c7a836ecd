/**
 * @module kubelet/cri/process/container-processes
 * The running half of the process runtime: starts a container's process, watches it (as its parent,
 * or by polling its PID when adopted from an earlier agent), ships its output into the CRI log,
 * stops it with SIGTERM then SIGKILL after the grace period, and records how it ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, statSync, symlinkSync, lstatSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RemoteCommandIO } from '../../../machinery/streaming/remotecommand.js';
import { CriCode, CriError, type AttachRequest, type ExecRequest, type ExecSyncResponse, type PortForwardRequest } from '../api.js';
import { CriLogShipper } from './cri-log.js';
import { exitReason } from './filters.js';
import { groupUsage, isAlive, lookPath, processStartTicks, signalGroup, spawnContainerProcess } from './host-process.js';
import type { ContainerRecord } from './state.js';

/** What a streaming server needs to run an exec "in" a process container. */
export interface ContainerProcessInfo { id: string; pid?: number; env: Record<string, string>; cwd: string; root: string }

/** A streaming server for exec/attach/port-forward (the kubelet server's, for runtimes without one). */
export interface StreamingProvider {
  exec(req: ExecRequest, container: ContainerProcessInfo): Promise<{ url: string }>;
  attach(req: AttachRequest, container: ContainerProcessInfo): Promise<{ url: string }>;
  portForward(req: PortForwardRequest): Promise<{ url: string }>;
}

interface Live {
  rec: ContainerRecord;
  shipper: CriLogShipper;
  /** Set when this agent started the process (it is our child); unset when adopted. */
  child?: ChildProcess;
  exited: Promise<void>;
  markExited: () => void;
  finishing: boolean;
  /** We sent SIGKILL: an adopted process that vanishes without a recorded code was killed by us. */
  killed: boolean;
  execs: Set<ChildProcess>;
}

/** Wait for `p` at most `ms`; the timer is cleared either way so no stop keeps the agent alive. */
async function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try { await Promise.race([p, new Promise<void>((r) => { timer = setTimeout(r, ms); })]); } finally { clearTimeout(timer); }
}
/** How long to wait for a process to vanish after SIGKILL before calling the stop failed. */
const KILL_WAIT_MS = 10_000;

export class ContainerProcesses {
  private readonly live = new Map<string, Live>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private lastOffsetSave = 0;
  private savedOffsets = 0;

  constructor(private readonly o: { pollMs: number; persist: () => Promise<void> }) {
    this.timer = setInterval(() => this.tick(), o.pollMs);
    this.timer.unref();
  }

  private track(rec: ContainerRecord, child?: ChildProcess): Live {
    let markExited!: () => void;
    const exited = new Promise<void>((r) => { markExited = r; });
    const raw = { stdout: join(rec.dir, 'stdout'), stderr: join(rec.dir, 'stderr') };
    const l: Live = { rec, shipper: new CriLogShipper(raw, rec.logPath, rec.offsets), child, exited, markExited, finishing: false, killed: false, execs: new Set() };
    this.live.set(rec.id, l);
    return l;
  }

  /** Take over a RUNNING container from an earlier agent: watch it if alive, else record its end. */
  adopt(rec: ContainerRecord): void {
    const l = this.track(rec);
    if (rec.pid === undefined || !isAlive(rec.pid, rec.pidStartTicks)) setImmediate(() => void this.finish(l, null, null));
  }

  /** Start the process of a CREATED container; on failure the container is EXITED with StartError, as containerd does. */
  async start(rec: ContainerRecord): Promise<void> {
    const root = rec.env.SKIFF_CONTAINER_ROOT!;
    let out = -1, err = -1;
    try {
      mkdirSync(root, { recursive: true });
      for (const m of rec.config.mounts ?? []) {
        // No mount namespace: the volume is a symlink under the container's own root.
        const at = join(root, m.containerPath);
        mkdirSync(dirname(at), { recursive: true });
        try { lstatSync(at); rmSync(at, { recursive: true, force: true }); } catch { /* absent */ }
        symlinkSync(m.hostPath, at);
      }
      if (rec.cwd.startsWith(root)) mkdirSync(rec.cwd, { recursive: true });
      else if (!existsSync(rec.cwd) || !statSync(rec.cwd).isDirectory()) {
        throw new Error(`chdir to cwd ("${rec.cwd}") set in config.json failed: no such file or directory`);
      }
      if (!lookPath(rec.argv[0]!, rec.env, rec.cwd)) throw new Error(`exec: "${rec.argv[0]}": executable file not found in $PATH`);
      out = openSync(join(rec.dir, 'stdout'), 'a');
      err = openSync(join(rec.dir, 'stderr'), 'a');
      rmSync(join(rec.dir, 'exitcode'), { force: true });
      const startedAtMs = Date.now();
      const child = spawnContainerProcess({ argv: rec.argv, env: rec.env, cwd: rec.cwd, stdoutFd: out, stderrFd: err, exitFile: join(rec.dir, 'exitcode') });
      if (child.pid === undefined) throw new Error('failed to start the container process');
      rec.pid = child.pid;
      rec.pidStartTicks = processStartTicks(child.pid);
      rec.state = 'CONTAINER_RUNNING';
      rec.startedAtMs = startedAtMs;
      const l = this.track(rec, child);
      child.on('exit', (code, signal) => void this.finish(l, code, signal));
      child.on('error', () => void this.finish(l, 128, null));
    } catch (e) {
      const message = `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${(e as Error).message}: unknown`;
      Object.assign(rec, { state: 'CONTAINER_EXITED', exitCode: 128, reason: 'StartError', message, startedAtMs: 0, finishedAtMs: Date.now() });
      await this.o.persist();
      throw new CriError(CriCode.UNKNOWN, `failed to start container "${rec.id}": ${message}`);
    } finally {
      if (out >= 0) closeSync(out);
      if (err >= 0) closeSync(err);
    }
    await this.o.persist();
  }

  /** Record the end of a container: its code (shim file, our own wait status, or unknown), its last output. */
  private async finish(l: Live, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (l.finishing || this.closed) return;
    l.finishing = true;
    const rec = l.rec;
    const exitFile = join(rec.dir, 'exitcode');
    let exitCode: number;
    let reason: string;
    let finishedAtMs = Date.now();
    let recorded: number | undefined;
    try { recorded = Number.parseInt(readFileSync(exitFile, 'utf8').trim(), 10); finishedAtMs = statSync(exitFile).mtimeMs; } catch { /* the shim did not get to write it */ }
    if (recorded !== undefined && !Number.isNaN(recorded)) { exitCode = recorded; reason = exitReason(exitCode); }
    else if (signal) { exitCode = 128 + (osConstants.signals[signal] ?? 0); reason = exitReason(exitCode); }
    else if (l.child && code !== null) { exitCode = code; reason = exitReason(exitCode); }
    else if (l.killed) { exitCode = 137; reason = exitReason(exitCode); }
    else { exitCode = 255; reason = 'Unknown'; }
    // The main process is gone: like a PID namespace losing its init, nothing else of it stays.
    if (rec.pid !== undefined) signalGroup(rec.pid, 'SIGKILL');
    for (const e of l.execs) if (e.pid) signalGroup(e.pid, 'SIGKILL');
    await l.shipper.pump(true);
    Object.assign(rec, { state: 'CONTAINER_EXITED', exitCode, reason, finishedAtMs: Math.max(Math.round(finishedAtMs), rec.startedAtMs) });
    await this.o.persist();
    l.markExited();
  }

  private tick(): void {
    for (const l of this.live.values()) {
      if (l.finishing) continue;
      void l.shipper.pump();
      if (!l.child && l.rec.pid !== undefined && !isAlive(l.rec.pid, l.rec.pidStartTicks)) void this.finish(l, null, null);
    }
    // Offsets are checkpointed at most once a second: after a crash, at worst a second of lines repeats.
    if (Date.now() - this.lastOffsetSave > 1000) {
      this.lastOffsetSave = Date.now();
      let total = 0;
      for (const l of this.live.values()) total += l.rec.offsets.stdout + l.rec.offsets.stderr;
      if (total !== this.savedOffsets) { this.savedOffsets = total; void this.o.persist(); }
    }
  }

  /** SIGTERM to the process group, SIGKILL after `timeoutSeconds`; resolves once the container is EXITED. */
  async stop(rec: ContainerRecord, timeoutSeconds: number): Promise<void> {
    const l = this.live.get(rec.id);
    if (rec.state !== 'CONTAINER_RUNNING' || !l || rec.pid === undefined) return;
    if (timeoutSeconds > 0 && signalGroup(rec.pid, 'SIGTERM')) {
      await within(l.exited, timeoutSeconds * 1000);
      if (rec.state !== 'CONTAINER_RUNNING') return;
    }
    l.killed = true;
    signalGroup(rec.pid, 'SIGKILL');
    await within(l.exited, KILL_WAIT_MS);
    if (rec.state === 'CONTAINER_RUNNING') throw new CriError(CriCode.UNKNOWN, `failed to stop container "${rec.id}": process ${rec.pid} did not exit after SIGKILL`);
  }

  /** Drop a removed container from the watch list. */
  forget(rec: ContainerRecord): void {
    this.live.delete(rec.id);
  }

  /** Run `cmd` in the container's environment and working dir, as the container's user. */
  async execSync(rec: ContainerRecord, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    const l = this.live.get(rec.id);
    if (rec.state !== 'CONTAINER_RUNNING' || !l) throw new CriError(CriCode.UNKNOWN, `container is in ${rec.state} state`);
    if (cmd.length === 0 || !lookPath(cmd[0]!, rec.env, rec.cwd)) {
      throw new CriError(CriCode.UNKNOWN, `failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd[0] ?? ''}": executable file not found in $PATH: unknown`);
    }
    return new Promise((resolve, reject) => {
      const child = spawn(cmd[0]!, cmd.slice(1), { cwd: rec.cwd, env: rec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      l.execs.add(child);
      const out: Buffer[] = [], err: Buffer[] = [];
      child.stdout!.on('data', (b: Buffer) => out.push(b));
      child.stderr!.on('data', (b: Buffer) => err.push(b));
      let timedOut = false;
      const timer = timeoutSeconds > 0 ? setTimeout(() => { timedOut = true; if (child.pid) signalGroup(child.pid, 'SIGKILL'); }, timeoutSeconds * 1000) : undefined;
      child.on('error', (e) => { clearTimeout(timer); l.execs.delete(child); reject(new CriError(CriCode.UNKNOWN, `failed to exec in container: ${e.message}`)); });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        l.execs.delete(child);
        if (timedOut) return reject(new CriError(CriCode.DEADLINE_EXCEEDED, `command ${JSON.stringify(cmd.join(' '))} timed out after ${timeoutSeconds}s`));
        resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: signal ? 128 + (osConstants.signals[signal] ?? 0) : code ?? 0 });
      });
    });
  }

  /** Copy what the container writes from now on to `io`, until it exits or the client's stdout closes. */
  async attachOutput(rec: ContainerRecord, io: RemoteCommandIO): Promise<void> {
    const l = this.live.get(rec.id);
    if (rec.state !== 'CONTAINER_RUNNING' || !l || l.finishing) throw new CriError(CriCode.UNKNOWN, `container is in ${rec.state} state`);
    const files = { stdout: join(rec.dir, 'stdout'), stderr: join(rec.dir, 'stderr') };
    const size = (f: string): number => { try { return statSync(f).size; } catch { return 0; } };
    const pos = { stdout: size(files.stdout), stderr: size(files.stderr) };
    let gone = false;
    io.stdout?.once('close', () => { gone = true; });
    let ended = false;
    void l.exited.then(() => { ended = true; });
    const copy = async (): Promise<void> => {
      for (const stream of ['stdout', 'stderr'] as const) {
        const to = stream === 'stderr' && !io.tty ? io.stderr : io.stdout;
        const end = size(files[stream]);
        if (end <= pos[stream]) continue;
        const fh = await open(files[stream], 'r');
        try {
          const buf = Buffer.alloc(end - pos[stream]);
          const { bytesRead } = await fh.read(buf, 0, buf.length, pos[stream]);
          pos[stream] += bytesRead;
          to?.write(buf.subarray(0, bytesRead));
        } finally { await fh.close(); }
      }
    };
    while (!gone && !ended && !this.closed) {
      await copy();
      await within(l.exited, this.o.pollMs);
    }
    if (!gone) await copy();
  }

  describe(rec: ContainerRecord): ContainerProcessInfo {
    return { id: rec.id, pid: rec.pid, env: { ...rec.env }, cwd: rec.cwd, root: rec.env.SKIFF_CONTAINER_ROOT! };
  }

  usage(recs: ContainerRecord[]): Map<number, { cpuNs: number; rssBytes: number }> {
    return groupUsage(new Set(recs.map((r) => r.pid!)));
  }

  /** Ship what is left and stop watching; the processes keep running. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.live.values()].filter((l) => !l.finishing).map((l) => l.shipper.pump()));
    this.closed = true;
  }
}
