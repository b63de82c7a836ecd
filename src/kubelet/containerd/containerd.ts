/**
 * @module kubelet/containerd/containerd
 * A containerd the node agent runs itself when no `--container-runtime-endpoint` is given, as k3s
 * does: configured under the node's data dir, started as a child in its own process group (so a
 * terminal's Ctrl-C reaches the agent, which then decides), and ready once the CRI plugin answers
 * Version. Stopping ends it by PID and can also tear down every pod it ran and its files.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriCode } from '../cri/api.js';
import { newRemoteRuntime, type RemoteRuntime } from '../cri/remote/remote-runtime.js';
import { deleteRuncContainers, pidAlive, shimPids, signalPid, unmountUnder } from './cleanup.js';
import { containerdLayout, writeContainerdConfig, type ContainerdLayout } from './config.js';

export interface ContainerdOptions {
  /** Data dir holding root, state, socket, config and log. Created if missing. */
  dir: string;
  sandboxImage: string;
  cniConfDir: string;
  cniBinDir?: string;
  /** Registry hosts (`127.0.0.1:5000`) given a hosts.toml; loopback ones are reached over plain http. */
  registries?: string[];
  logLevel?: string;
  /** How long to wait for the CRI plugin to answer (ms, default 30 s). */
  startTimeoutMs?: number;
  /** The containerd binary (default `containerd` on PATH). */
  containerdPath?: string;
}

export interface StopContainerdOptions {
  /** Stop and remove every pod sandbox through CRI first (tears down CNI, containers and shims). */
  removePods?: boolean;
  /**
   * Remove the data dir afterwards (implies a full teardown: leftover runc containers and shims are
   * killed). Without either flag only containerd stops: its shims and containers run on, as they do
   * when a real node's containerd restarts, and a later start from the same dir finds them again.
   */
  removeDirs?: boolean;
  /** Grace before SIGKILL (ms, default 10 s). */
  timeoutMs?: number;
}

export interface ManagedContainerd {
  /** CRI endpoint, `unix:///.../containerd.sock`. */
  endpoint: string;
  pid: number;
  layout: ContainerdLayout;
  /** Milliseconds from spawn to the CRI plugin answering Version. */
  startMs: number;
  /** True when an already-running containerd of this dir was adopted rather than started. */
  adopted: boolean;
  stop(opts?: StopContainerdOptions): Promise<void>;
}

function tail(file: string, lines = 20): string {
  try { return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

async function waitForCri(endpoint: string, socket: string, child: { exitCode: number | null }, deadline: number, logFile: string): Promise<void> {
  let rt: RemoteRuntime | undefined;
  let last = '';
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`containerd exited with code ${child.exitCode} while starting:\n${tail(logFile)}`);
      if (existsSync(socket)) {
        rt ??= newRemoteRuntime(endpoint, { requestTimeoutMs: 2_000 });
        try { await rt.version(); return; } catch (e) {
          last = (e as Error).message;
          // The socket answers but the CRI service is missing: its plugin failed to load; waiting will not help.
          if ((e as { code?: number }).code === CriCode.UNIMPLEMENTED) throw new Error(`containerd's CRI plugin is not serving (${last}):\n${tail(logFile)}`);
        }
      }
      await sleep(20);
    }
    throw new Error(`containerd did not answer CRI Version within the deadline (${last}):\n${tail(logFile)}`);
  } finally { await rt?.close(); }
}

/** Remove every pod sandbox through CRI; errors are collected, not thrown, so teardown continues. */
async function removeAllPods(endpoint: string): Promise<void> {
  const rt = newRemoteRuntime(endpoint, { requestTimeoutMs: 30_000 });
  try {
    for (const s of await rt.listPodSandbox()) {
      await rt.stopPodSandbox(s.id).catch(() => {});
      await rt.removePodSandbox(s.id).catch(() => {});
    }
  } catch { /* containerd may already be unreachable: the runc/shim sweep below still runs */ } finally { await rt.close(); }
}

/** Is a containerd already serving this socket (an agent restarted while its containerd ran on)? */
async function answering(endpoint: string, socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  const rt = newRemoteRuntime(endpoint, { requestTimeoutMs: 2_000 });
  try { await rt.version(); return true; } catch { return false; } finally { await rt.close(); }
}

/** The pid file may be stale and its pid reused: adopt (and later signal) only a containerd run with our config. */
function isOurContainerd(pid: number, configFile: string): boolean {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(configFile); } catch { return false; }
}

function readPid(file: string): number | undefined {
  try { const n = Number(readFileSync(file, 'utf8').trim()); return Number.isInteger(n) && n > 0 ? n : undefined; } catch { return undefined; }
}

/**
 * Write the config, start containerd, and resolve once its CRI plugin answers. When a containerd
 * started earlier from the same dir is still serving (the agent was restarted; its pods kept
 * running, as they do under a real kubelet), that one is adopted instead (`adopted: true`).
 */
export async function startContainerd(opts: ContainerdOptions): Promise<ManagedContainerd> {
  const layout = containerdLayout(opts.dir);
  if (layout.socket.length > 100) throw new Error(`containerd socket path too long for a unix socket: ${layout.socket}`);
  const endpoint = `unix://${layout.socket}`;
  const pidFile = join(layout.dir, 'containerd.pid');
  const started = Date.now();

  const oldPid = readPid(pidFile);
  if (oldPid !== undefined && isOurContainerd(oldPid, layout.configFile) && (await answering(endpoint, layout.socket))) {
    return managed(layout, endpoint, oldPid, () => !pidAlive(oldPid), Date.now() - started, true);
  }

  writeContainerdConfig(layout, opts);
  const log = openSync(layout.logFile, 'a');
  const child = spawn(opts.containerdPath ?? 'containerd', ['--config', layout.configFile], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('containerd failed to spawn');
  writeFileSync(pidFile, `${pid}\n`);
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const m = managed(layout, endpoint, pid, gone, 0, false);
  try {
    await waitForCri(endpoint, layout.socket, child, Date.now() + (opts.startTimeoutMs ?? 30_000), layout.logFile);
  } catch (e) {
    await m.stop({ timeoutMs: 2_000 });
    throw e;
  }
  return { ...m, startMs: Date.now() - started };
}

function managed(layout: ContainerdLayout, endpoint: string, pid: number, gone: () => boolean, startMs: number, adopted: boolean): ManagedContainerd {
  let stopped = false;
  const stop = async (s: StopContainerdOptions = {}): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const full = !!(s.removePods || s.removeDirs);
    if (full && !gone()) await removeAllPods(endpoint);
    if (signalPid(pid, 'SIGTERM')) {
      const until = Date.now() + (s.timeoutMs ?? 10_000);
      while (!gone() && Date.now() < until) await sleep(20);
      if (!gone()) {
        signalPid(pid, 'SIGKILL');
        while (!gone()) await sleep(20);
      }
    }
    if (full) {
      await deleteRuncContainers(layout.runcRoot);
      for (const p of shimPids(layout.socket)) signalPid(p, 'SIGKILL');
      // Only now: while pods run on, their rootfs, /dev/shm and netns mounts are in use.
      await unmountUnder(layout.dir);
    }
    if (s.removeDirs) rmSync(layout.dir, { recursive: true, force: true });
    else rmSync(join(layout.dir, 'containerd.pid'), { force: true });
  };
  return { endpoint, pid, layout, startMs, adopted, stop };
}
