/**
 * @module cluster/registry-mirror
 * How nodes in network namespaces pull from a registry that listens on the host's loopback (a node
 * namespace has its own `lo`, so `127.0.0.1:PORT` there is not the host's): `skiff up --registry
 * 127.0.0.1:PORT` runs Debian's `docker-registry` as a pull-through cache (`proxy.remoteurl`) on the
 * underlay host address, and each node's containerd is told (hosts.toml) to pull `127.0.0.1:PORT/...`
 * from that mirror. Image references in pod specs stay exactly as pushed.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnDetached } from './processes.js';
import type { StartedProcess } from './state.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** A port the kernel hands out on `host` right now (closed again for the mirror to take). */
export function freePort(host: string): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, host, () => { const a = s.address(); s.close(() => res(typeof a === 'object' && a ? a.port : 0)); });
  });
}

/** The registry's origin URL: plain http for loopback registries (as the nodes' own hosts.toml would use), https otherwise. */
export function originURL(registry: string): string {
  return /^(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$/.test(registry) ? `http://${registry}` : `https://${registry}`;
}

/**
 * Start the pull-through mirror of `registry` on `hostIP` and wait until it answers `GET /v2/`.
 * Returns the process record and the agents' `--registry` value (`ORIGIN=http://HOSTIP:PORT`).
 */
export async function startRegistryMirror(o: { registry: string; hostIP: string; dir: string; timeoutMs?: number; onStarted?: (p: StartedProcess) => void }): Promise<{ proc: StartedProcess; agentFlag: string }> {
  mkdirSync(join(o.dir, 'data'), { recursive: true });
  const port = await freePort(o.hostIP);
  const config = join(o.dir, 'config.yml');
  writeFileSync(config, [
    'version: 0.1',
    'log:', '  level: warn', '  accesslog:', '    disabled: true',
    'storage:', '  filesystem:', `    rootdirectory: ${join(o.dir, 'data')}`,
    'http:', `  addr: ${o.hostIP}:${port}`,
    'proxy:', `  remoteurl: ${originURL(o.registry)}`,
    '',
  ].join('\n'));
  const log = join(o.dir, 'registry-mirror.log');
  const pid = spawnDetached(REGISTRY_BIN, ['serve', config], log);
  const proc: StartedProcess = { role: 'registry-mirror', name: `mirror of ${o.registry}`, component: 'registry-mirror', pid, match: config, log,
    cmd: REGISTRY_BIN, args: ['serve', config], ready: { tcp: `${o.hostIP}:${port}` } };
  o.onStarted?.(proc);
  const url = `http://${o.hostIP}:${port}`;
  const deadline = Date.now() + (o.timeoutMs ?? 15_000);
  for (;;) {
    const ok = await fetch(`${url}/v2/`).then((r) => { void r.arrayBuffer(); return r.status === 200; }, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`registry mirror on ${url} did not answer GET /v2/ (log: ${log})`);
    await sleep(50);
  }
  return { proc, agentFlag: `${o.registry}=${url}` };
}
