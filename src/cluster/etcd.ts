/**
 * @module cluster/etcd
 * `skiff up --etcd-members N`: the control plane's storage as a real etcd cluster (Debian's
 * `/usr/bin/etcd`) instead of embedded SQLite, so the failure lab can take members away — the
 * leader (Raft elects another), or a majority (quorum lost: no more writes). The members run on the
 * host's loopback with explicit ports and data dirs under the cluster's data dir, each its own
 * component (`etcd/1` ... `etcd/N`); `etcdctl` answers who leads.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComponentSpec } from './components.js';
import { freePort } from './registry-mirror.js';
import type { StartedProcess } from './state.js';

export const ETCD_BIN = '/usr/bin/etcd';
export const ETCDCTL_BIN = '/usr/bin/etcdctl';

/** The members of a new cluster: names, ports, data dirs and command lines (nothing started yet). */
export async function etcdMemberSpecs(dataDir: string, members: number): Promise<ComponentSpec[]> {
  if (!Number.isInteger(members) || members < 1 || members > 7) throw new Error(`invalid --etcd-members ${members}: want 1-7 (odd: 3 or 5)`);
  const token = `skiff-${randomBytes(6).toString('hex')}`;
  const m = [];
  for (let i = 1; i <= members; i++) {
    m.push({ i, name: `etcd-${i}`, client: `http://127.0.0.1:${await freePort('127.0.0.1')}`, peer: `http://127.0.0.1:${await freePort('127.0.0.1')}`, dir: join(dataDir, 'etcd', `etcd-${i}`) });
  }
  const initialCluster = m.map((x) => `${x.name}=${x.peer}`).join(',');
  return m.map((x) => {
    mkdirSync(x.dir, { recursive: true, mode: 0o700 });
    return {
      role: 'etcd', name: x.name, component: `etcd/${x.i}`, match: x.dir, log: join(dataDir, 'logs', `${x.name}.log`), cmd: ETCD_BIN,
      args: ['--name', x.name, '--data-dir', x.dir, '--listen-client-urls', x.client, '--advertise-client-urls', x.client,
        '--listen-peer-urls', x.peer, '--initial-advertise-peer-urls', x.peer,
        // Only read on the first start: a member that restarts finds its WAL and rejoins as it was.
        '--initial-cluster', initialCluster, '--initial-cluster-token', token, '--initial-cluster-state', 'new',
        // etcd's own defaults (100 ms heartbeats, 1 s election timeout): a lost leader is replaced in about a second.
        '--heartbeat-interval', '100', '--election-timeout', '1000',
        '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn'],
      ready: { tcp: x.client.replace(/^http:\/\//, '') },
    } satisfies ComponentSpec;
  });
}

/** A member's client URL, from its recorded command line. */
export function clientURL(p: StartedProcess): string | undefined {
  const a = p.args ?? [];
  const i = a.indexOf('--advertise-client-urls');
  return i >= 0 ? a[i + 1] : undefined;
}

export function etcdctl(args: string[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ETCDCTL_BIN, args, { env: { ...process.env, ETCDCTL_API: '3' }, timeout: timeoutMs, maxBuffer: 4 << 20 },
      (err, stdout, stderr) => (err ? reject(new Error(`etcdctl ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout)));
  });
}

/** Wait until the cluster takes a write (a quorum of members is up and has a leader). */
export async function waitEtcdWritable(endpoints: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try { await etcdctl(['--endpoints', endpoints.join(','), '--command-timeout=2s', 'put', '/skiff/health', String(Date.now())]); return; } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`etcd not writable within ${timeoutMs} ms: ${(last as Error).message}`);
    await sleep(200);
  }
}

/** Which of `members` (running ones) leads, by asking each for its status; undefined while none does. */
export async function etcdLeader(members: StartedProcess[]): Promise<StartedProcess | undefined> {
  const statuses = await Promise.all(members.map(async (p) => {
    const url = clientURL(p);
    if (!url) return undefined;
    try {
      // member ids are uint64: JSON.parse rounds them, but the same way on both sides of the comparison.
      const s = JSON.parse(await etcdctl(['--endpoints', url, '--command-timeout=2s', 'endpoint', 'status', '-w', 'json'], 4000))[0].Status;
      return s.leader !== 0 && s.header.member_id === s.leader ? p : undefined;
    } catch { return undefined; }
  }));
  return statuses.find((x) => x);
}
