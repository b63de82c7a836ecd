/**
 * @module test/support/registry
 * A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) serving plain http
 * on a free loopback port, storing blobs in a temp dir. Stopped by PID; its dir is removed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRegistry {
  /** "127.0.0.1:PORT": the registry part of image references. */
  host: string;
  /** The registry's own log (stderr), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

const REGISTRY_BIN = '/usr/bin/docker-registry';

/** Start a registry and wait until `GET /v2/` answers 200. Retries on another port if one was taken meanwhile. */
export async function startRegistry(opts: { timeoutMs?: number } = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-registry-'));
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try { return await startOn(dir, await freePort(), opts.timeoutMs ?? 15_000); } catch (e) { lastErr = e; }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastErr;
}

async function startOn(dir: string, port: number, timeoutMs: number): Promise<TestRegistry> {
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  await writeFile(config, [
    'version: 0.1',
    'log:', '  level: warn', '  accesslog:', '    disabled: true',
    'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true',
    '  maintenance:', '    uploadpurging:', '      enabled: false',
    'http:', `  addr: ${host}`,
    '',
  ].join('\n'));
  const proc = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (b: Buffer) => { log += b.toString(); if (log.length > 200_000) log = log.slice(-100_000); });
  let exited: number | null | undefined;
  const exit = new Promise<void>((res) => proc.once('exit', (code) => { exited = code; res(); }));
  const kill = async () => { if (exited === undefined) { proc.kill('SIGTERM'); const t = setTimeout(() => proc.kill('SIGKILL'), 3000); await exit; clearTimeout(t); } };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`docker-registry exited with ${exited} before serving on ${host}:\n${log}`);
    const ok = await fetch(`http://${host}/v2/`).then((r) => { void r.arrayBuffer(); return r.status === 200; }, () => false);
    if (ok) break;
    if (Date.now() > deadline) { await kill(); throw new Error(`docker-registry did not answer GET /v2/ on ${host} within ${timeoutMs} ms:\n${log}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    log: () => log,
    async stop() { await kill(); await rm(dir, { recursive: true, force: true }); },
  };
}

/** A port the kernel just handed out on 127.0.0.1 (closed again for the registry to take). */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => res(typeof a === 'object' && a ? a.port : 0)); });
  });
}
