/**
 * @module storage/drivers/etcd/snapshot
 * etcd backups: save a member's backend through the Maintenance.Snapshot stream (falling back to
 * `etcdctl snapshot save`), and restore one into a fresh data dir with `etcdctl snapshot restore`.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Etcd3 } from 'etcd3';

const ETCDCTL = process.env.ETCDCTL_BIN ?? 'etcdctl';

interface Pool {
  withConnection<T>(service: string, fn: (c: { resource: unknown; client: any; metadata: unknown }) => T | Promise<T>): Promise<T>;
}

function etcdctl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ETCDCTL, args, { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => err ? reject(new Error(`etcdctl ${args[0] ?? ''} ${args[1] ?? ''}: ${err.message} ${stderr}`)) : resolve(stdout));
  });
}

/** Stream one member's snapshot (the server appends its sha256, which `snapshot restore` verifies). */
async function streamSnapshot(client: Etcd3, file: string): Promise<void> {
  const pool = (client as unknown as { pool: Pool }).pool;
  // etcd3 1.1.2's MaintenanceClient.snapshot passes its arguments to grpc-js in the wrong order, so call
  // the generated method ourselves: (request, metadata, options).
  const stream = await pool.withConnection('Maintenance', ({ client: c, metadata }) => c.snapshot({}, metadata, {}));
  const out = createWriteStream(file);
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (e: Error) => { if (!failed) { failed = true; stream.cancel?.(); out.destroy(); reject(e); } };
    stream.on('data', (chunk: { blob: Buffer }) => {
      if (chunk.blob?.length && !out.write(chunk.blob)) {
        stream.pause();
        out.once('drain', () => stream.resume());
      }
    });
    stream.on('error', fail);
    out.on('error', fail);
    stream.on('end', () => { if (!failed) out.end(() => resolve()); });
  });
}

/**
 * Write a consistent snapshot of the keyspace to `file` (atomically: a temp file renamed into place).
 * Tries the gRPC stream first, then `etcdctl snapshot save` against each endpoint in turn.
 */
export async function saveSnapshot(client: Etcd3, endpoints: string[], file: string): Promise<void> {
  const tmp = `${file}.part`;
  const errors: string[] = [];
  try {
    await streamSnapshot(client, tmp);
    await rename(tmp, file);
    return;
  } catch (err) {
    errors.push(`stream: ${(err as Error).message}`);
    await rm(tmp, { force: true });
  }
  for (const ep of endpoints) {
    try {
      // etcdctl wants exactly one endpoint for a snapshot.
      await etcdctl(['--endpoints', ep, 'snapshot', 'save', tmp]);
      await rename(tmp, file);
      return;
    } catch (err) {
      errors.push(`${ep}: ${(err as Error).message}`);
      await rm(tmp, { force: true });
    }
  }
  throw new Error(`etcd snapshot failed: ${errors.join('; ')}`);
}

export interface RestoreOptions {
  /** Member name of the restored member (default `default`). */
  name?: string;
  /** A data dir that must not exist yet. */
  dataDir: string;
  /** `name=peerURL,...` (default `name=peerURL`). */
  initialCluster?: string;
  /** This member's peer URL (default http://127.0.0.1:2380). */
  peerURL?: string;
  initialClusterToken?: string;
}

/** `etcdctl snapshot restore`: build a fresh member data dir (new cluster identity) from a snapshot file. */
export async function restoreEtcdSnapshot(file: string, opts: RestoreOptions): Promise<void> {
  const name = opts.name ?? 'default';
  const peerURL = opts.peerURL ?? 'http://127.0.0.1:2380';
  await etcdctl(['snapshot', 'restore', file, '--name', name, '--data-dir', opts.dataDir,
    '--initial-cluster', opts.initialCluster ?? `${name}=${peerURL}`, '--initial-advertise-peer-urls', peerURL,
    '--initial-cluster-token', opts.initialClusterToken ?? 'etcd-cluster']);
}
