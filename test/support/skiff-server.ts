/**
 * @module test/support/skiff-server
 * Start a real `skiff server` process for an end-to-end test: its own temp data dir, a free
 * port, wait for /readyz; stop() kills it by PID and removes the data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface SkiffServer {
  url: string;
  dataDir: string;
  kubeconfig: string;
  proc: ChildProcess;
  /** Admin credentials for direct HTTPS calls. */
  tls: { ca: string; cert: string; key: string };
  stop(opts?: { keepData?: boolean; signal?: NodeJS.Signals }): Promise<void>;
}

const BIN = resolve(process.cwd(), 'bin/skiff.js');

/**
 * `agent: true` keeps the server's embedded node agent on; by default tests run without it
 * (`--disable-agent`), so no test gets a node, a runtime or a kubelet it did not ask for.
 */
export async function startSkiffServer(opts: { args?: string[]; dataDir?: string; env?: Record<string, string>; agent?: boolean; nodeArgs?: string[] } = {}): Promise<SkiffServer> {
  const dataDir = opts.dataDir ?? await mkdtemp(join(tmpdir(), 'skiff-e2e-'));
  const noAgent = opts.agent || (opts.args ?? []).includes('--disable-agent') ? [] : ['--disable-agent'];
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, 'server', '--data-dir', dataDir, '--port', '0', ...noAgent, ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env },
  });
  let log = '';
  const started = new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`skiff server did not become ready in 30s:\n${log}`)), 30_000);
    const onData = (b: Buffer) => {
      log += b.toString();
      const m = /API server ready at (https:\/\/\S+)/.exec(log);
      if (m) { clearTimeout(timer); resolveUrl(m[1]); }
    };
    proc.stderr!.on('data', onData);
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`skiff server exited with ${code}:\n${log}`)); });
  });
  let url: string;
  try {
    url = await started;
  } catch (e) {
    // A server that never became ready leaves nothing behind either.
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  proc.stdout!.resume();
  proc.stderr!.resume();
  const pki = join(dataDir, 'pki');
  const tls = { ca: await readFile(join(pki, 'ca.crt'), 'utf8'), cert: await readFile(join(pki, 'admin.crt'), 'utf8'), key: await readFile(join(pki, 'admin.key'), 'utf8') };
  return {
    url, dataDir, kubeconfig: join(dataDir, 'kubeconfig'), proc, tls,
    async stop(o = {}) {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill(o.signal ?? 'SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      if (!o.keepData && !opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
