/**
 * @module test/support/etcd-cluster
 * Start real etcd members (the system `/usr/bin/etcd`) on free loopback ports with their own data dirs,
 * for tests of the etcd storage driver: leader lookup, kill -9 / restart of one member, and stop() that
 * kills every process it spawned by PID and removes the temp dir.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { restoreEtcdSnapshot } from '../../src/storage/drivers/etcd/snapshot.js';

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';
export const ETCDCTL_BIN = process.env.ETCDCTL_BIN ?? '/usr/bin/etcdctl';

export interface EtcdClusterOptions {
  /** Member name prefix (default `m`). */
  namePrefix?: string;
  /** Extra etcd flags for every member. */
  extraArgs?: string[];
  /** How long to wait for the cluster to accept a put (default 30 s). */
  readyTimeoutMs?: number;
  /** Seed every member's data dir from this snapshot file (`etcdctl snapshot restore`) before starting. */
  restoreFrom?: string;
}

export interface EtcdMember {
  name: string;
  clientURL: string;
  peerURL: string;
  dataDir: string;
  proc: ChildProcess | null;
}

export interface EtcdCluster {
  endpoints: string[];
  members: EtcdMember[];
  /** The temp dir holding every member's data dir and log. */
  baseDir: string;
  /** Index of the current leader among the live members (waits up to 15 s for one to exist). */
  leader(): Promise<number>;
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** A port the kernel just handed out on 127.0.0.1 (released before etcd binds it: good enough for tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Run etcdctl (v3 API) and resolve with stdout; rejects on a non-zero exit. */
export function etcdctl(args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ETCDCTL_BIN, args, { env: { ...process.env, ETCDCTL_API: '3' }, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => err ? reject(new Error(`etcdctl ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEtcdCluster(n: number, opts: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  const baseDir = await mkdtemp(join(tmpdir(), 'skiff-etcd-'));
  const token = `skiff-${randomBytes(6).toString('hex')}`;
  const members: EtcdMember[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${opts.namePrefix ?? 'm'}${i}`;
    members.push({ name, clientURL: `http://127.0.0.1:${await freePort()}`, peerURL: `http://127.0.0.1:${await freePort()}`,
      dataDir: join(baseDir, name), proc: null });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerURL}`).join(',');
  const logs: WriteStream[] = [];

  const launch = (m: EtcdMember) => {
    const args = [
      '--name', m.name, '--data-dir', m.dataDir,
      '--listen-client-urls', m.clientURL, '--advertise-client-urls', m.clientURL,
      '--listen-peer-urls', m.peerURL, '--initial-advertise-peer-urls', m.peerURL,
      '--initial-cluster', initialCluster, '--initial-cluster-token', token, '--initial-cluster-state', 'new',
      // Fast failover on loopback; small backend quota and snapshot count keep tests light.
      '--heartbeat-interval', '100', '--election-timeout', '1000',
      '--quota-backend-bytes', String(256 << 20), '--snapshot-count', '5000',
      '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'warn',
      ...(opts.extraArgs ?? []),
    ];
    const log = createWriteStream(join(baseDir, `${m.name}.log`), { flags: 'a' });
    logs.push(log);
    const proc = spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.pipe(log, { end: false });
    proc.stderr!.pipe(log, { end: false });
    m.proc = proc;
  };

  const alive = () => members.filter((m) => m.proc && m.proc.exitCode === null && m.proc.signalCode === null);

  const waitWritable = async (eps: string[], timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        await etcdctl(['--endpoints', eps.join(','), '--command-timeout=2s', 'put', '/__skiff_health', String(Date.now())], 5000);
        await etcdctl(['--endpoints', eps.join(','), '--command-timeout=2s', 'get', '/__skiff_health'], 5000);
        return;
      } catch (e) { last = e; await sleep(200); }
    }
    throw new Error(`etcd cluster not writable after ${timeoutMs} ms: ${String(last)}`);
  };

  const killMember = async (m: EtcdMember, signal: NodeJS.Signals) => {
    const p = m.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };

  const cluster: EtcdCluster = {
    endpoints: members.map((m) => m.clientURL),
    members,
    baseDir,
    async leader() {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const statuses = await Promise.all(alive().map(async (m) => {
          try {
            const out = await etcdctl(['--endpoints', m.clientURL, '--command-timeout=2s', 'endpoint', 'status', '-w', 'json'], 5000);
            // member ids are uint64: JSON.parse rounds them, but identically on both sides of the comparison.
            const s = JSON.parse(out)[0].Status;
            return { idx: members.indexOf(m), id: s.header.member_id as number, leader: s.leader as number };
          } catch { return null; }
        }));
        const ok = statuses.filter((s): s is NonNullable<typeof s> => s !== null);
        const lead = ok.find((s) => s.leader !== 0 && s.id === s.leader);
        if (lead) return lead.idx;
        await sleep(100);
      }
      throw new Error('no etcd leader within 15 s');
    },
    async kill(i, signal = 'SIGKILL') { await killMember(members[i], signal); },
    async restart(i) {
      await killMember(members[i], 'SIGTERM');
      launch(members[i]);
      await waitWritable([members[i].clientURL], opts.readyTimeoutMs ?? 30_000);
    },
    async stop() {
      await Promise.all(members.map((m) => killMember(m, 'SIGTERM')));
      for (const l of logs) l.end();
      if (!process.env.SKIFF_KEEP_ETCD) await rm(baseDir, { recursive: true, force: true });
    },
  };

  try {
    if (opts.restoreFrom) {
      for (const m of members) {
        await restoreEtcdSnapshot(opts.restoreFrom, { name: m.name, dataDir: m.dataDir, initialCluster, peerURL: m.peerURL, initialClusterToken: token });
      }
    }
    for (const m of members) launch(m);
    await waitWritable(cluster.endpoints, opts.readyTimeoutMs ?? 30_000);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}

/** One member, its own cluster. */
export function startEtcdSingle(opts: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  return startEtcdCluster(1, opts);
}
