/**
 * @module kubelet/cri/process/host-process
 * A process container's life on the host: started through a tiny `sh` shim in its own process
 * group, found again by PID after an agent restart, signalled as a group, and measured from /proc.
 *
 * The shim plays the part of containerd's shim: it waits for the container's command and writes
 * the exit code to a file, so a code is known even when the process exited while the agent was
 * down. It traps TERM/INT/HUP with a no-op handler (not an ignore: ignored signals are inherited
 * across exec, handled ones are reset), so a group SIGTERM reaches the command with its default
 * action while the shim lives on to record how it ended. SIGKILL takes the shim too; then the
 * agent, if it is the parent, sees the signal; if not, the code is unknown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, delimiter } from 'node:path';

const SHIM = 'trap : TERM INT HUP; "$@"; code=$?; echo "$code" > "$0"';

export interface SpawnSpec { argv: string[]; env: Record<string, string>; cwd: string; stdoutFd: number; stderrFd: number; exitFile: string }

/** Start the command under the shim, detached (own process group, survives the agent). */
export function spawnContainerProcess(spec: SpawnSpec): ChildProcess {
  const child = spawn('/bin/sh', ['-c', SHIM, spec.exitFile, ...spec.argv], {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', spec.stdoutFd, spec.stderrFd],
  });
  child.unref();
  return child;
}

/** The kernel's start time of a PID (field 22 of /proc/PID/stat), to tell a reused PID apart. */
export function processStartTicks(pid: number): number | undefined {
  const st = readStat(pid);
  return st?.startTicks;
}

interface ProcStat { pid: number; state: string; pgrp: number; utime: number; stime: number; startTicks: number; rssPages: number }

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try { text = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: f[0]!, pgrp: Number(f[2]), utime: Number(f[11]), stime: Number(f[12]), startTicks: Number(f[19]), rssPages: Number(f[21]) };
}

/** True when `pid` is alive (not a zombie) and is still the process that started at `startTicks`. */
export function isAlive(pid: number, startTicks?: number): boolean {
  const st = readStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTicks === undefined || st.startTicks === startTicks;
}

/** Signal a whole process group; false when it no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try { process.kill(-pgid, signal); return true; } catch { return false; }
}

/** CPU time (ns) and resident memory (bytes) of every process in a group, from /proc. */
export function groupUsage(pgids: Set<number>): Map<number, { cpuNs: number; rssBytes: number }> {
  const out = new Map<number, { cpuNs: number; rssBytes: number }>();
  for (const g of pgids) out.set(g, { cpuNs: 0, rssBytes: 0 });
  if (pgids.size === 0) return out;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const st = readStat(Number(e));
    const u = st && out.get(st.pgrp);
    if (!st || !u) continue;
    // USER_HZ is 100 on Linux; pages are 4 KiB on the architectures we run on.
    u.cpuNs += ((st.utime + st.stime) / 100) * 1e9;
    u.rssBytes += st.rssPages * 4096;
  }
  return out;
}

/** Resolve a command like execve(2) with PATH would; undefined when not found or not executable. */
export function lookPath(cmd: string, env: Record<string, string>, cwd: string): string | undefined {
  const executable = (p: string): boolean => {
    try { accessSync(p, constants.X_OK); return statSync(p).isFile(); } catch { return false; }
  };
  if (cmd.includes('/')) { const p = cmd.startsWith('/') ? cmd : join(cwd, cmd); return executable(p) ? p : undefined; }
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir && executable(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}
