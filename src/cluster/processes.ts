/**
 * @module cluster/processes
 * The processes `skiff up` leaves running after it returns (the control plane, one agent per node,
 * the registry mirror): each started detached in its own session with its output in a log file,
 * waited for by reading that log, and stopped later by PID — only after checking that the PID still
 * runs the command it was given, since a PID recorded in a state file can be reused.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StartedProcess } from './state.js';

/** Start `cmd args` detached, stdout and stderr appended to `logFile`; returns its PID. */
export function spawnDetached(cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
    if (child.pid === undefined) throw new Error(`${cmd} failed to start`);
    child.unref();
    return child.pid;
  } finally { closeSync(fd); }
}

/** Is `pid` alive and still running a command line that contains `match`? */
export function isOurs(pid: number, match: string): boolean {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(match); } catch { return false; }
}

/** Is `pid` alive (a zombie counts as gone)? */
export const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); } catch { return false; }
  // A zombie (our own unreaped child) counts as gone.
  try { return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return false; }
};

/**
 * Wait until `logFile` (from byte `fromOffset` on: a restarted process appends to its old log) matches
 * `re`; fails early if `pid` dies, and with the log's tail at the deadline.
 */
export async function waitForLog(logFile: string, re: RegExp, pid: number, timeoutMs: number, what: string, fromOffset = 0): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text = '';
    try { text = readFileSync(logFile).subarray(fromOffset).toString('utf8'); } catch { /* not yet written */ }
    const m = re.exec(text);
    if (m) return m;
    const tail = text.trimEnd().split('\n').slice(-15).join('\n');
    if (!alive(pid)) throw new Error(`${what} exited before it was ready; its log (${logFile}) ends:\n${tail}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms; its log (${logFile}) ends:\n${tail}`);
    await sleep(100);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. A PID no longer ours is left alone. */
export async function stopProcess(p: StartedProcess, graceMs = 15_000): Promise<'stopped' | 'killed' | 'gone'> {
  if (!isOurs(p.pid, p.match) || !alive(p.pid)) return 'gone';
  try { process.kill(p.pid, 'SIGTERM'); } catch { return 'gone'; }
  const until = Date.now() + graceMs;
  while (alive(p.pid) && Date.now() < until) await sleep(50);
  if (!alive(p.pid)) return 'stopped';
  try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
  const hard = Date.now() + 5_000;
  while (alive(p.pid) && Date.now() < hard) await sleep(50);
  return 'killed';
}
