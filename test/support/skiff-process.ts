/**
 * @module test/support/skiff-process
 * Run another `skiff` command as its own process (`skiff scheduler`, `skiff controller-manager`,
 * `skiff simulated-nodes`) for a test or a benchmark: wait until its stderr says it is ready,
 * keep its log, stop it by PID (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(process.cwd(), 'bin/skiff.js');

export interface SkiffProcess {
  proc: ChildProcess;
  log(): string;
  /** Resolves when the log matches `re` (from the start of the log). */
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A `server` started here runs without its embedded node agent unless `agent: true` (see skiff-server.ts). */
export async function startSkiff(args: string[], ready: RegExp, opts: { timeoutMs?: number; env?: Record<string, string>; agent?: boolean; nodeArgs?: string[] } = {}): Promise<SkiffProcess> {
  if (args[0] === 'server' && !opts.agent && !args.includes('--disable-agent')) args = [...args, '--disable-agent'];
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let log = '';
  const listeners = new Set<() => void>();
  const onData = (b: Buffer) => { log += b.toString(); for (const l of listeners) l(); };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const p: SkiffProcess = {
    proc,
    log: () => log,
    waitFor(re, ms = 30_000) {
      return new Promise((res, rej) => {
        const check = () => { const m = re.exec(log); if (m) { done(); res(m); } };
        const onExit = (code: number | null) => { done(); rej(new Error(`skiff ${args[0]} exited with ${code} before ${re}:\n${log}`)); };
        const timer = setTimeout(() => { done(); rej(new Error(`skiff ${args[0]}: no ${re} within ${ms} ms:\n${log}`)); }, ms);
        const done = () => { clearTimeout(timer); listeners.delete(check); proc.off('exit', onExit); };
        listeners.add(check);
        proc.once('exit', onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
  try { await p.waitFor(ready, opts.timeoutMs ?? 30_000); } catch (e) { await p.stop('SIGKILL'); throw e; }
  return p;
}
