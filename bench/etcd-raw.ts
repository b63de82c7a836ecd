/**
 * @module bench/etcd-raw
 * The etcd anchor: how many plain puts/s the etcd3 client gets with N in flight, next to skiff's etcd
 * driver doing creates (a txn each) at the same concurrency. Run directly for a quick report:
 * `node dist/bench/etcd-raw.js` starts a single member and a 3-member cluster itself.
 */
import { Etcd3 } from 'etcd3';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

export interface RawOptions { inFlight: number; count: number; valueBytes?: number }
export interface RawResult { opsPerSec: number; count: number; seconds: number }

/** Keep `inFlight` operations running until `count` have finished. */
async function drive(count: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<RawResult> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, async () => {
    while (next < count) await op(next++);
  }));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { opsPerSec: Math.round(count / seconds), count, seconds };
}

/** Raw etcd3 client puts (no transaction) of ~valueBytes-sized values under a fresh prefix. */
export async function etcdRawPuts(endpoints: string[], opts: RawOptions): Promise<RawResult> {
  const client = new Etcd3({ hosts: endpoints });
  const run = randomBytes(4).toString('hex');
  const value = 'x'.repeat(opts.valueBytes ?? 1024);
  try {
    await client.put(`/bench-raw/${run}/warmup`).value(value);
    return await drive(opts.count, opts.inFlight, (i) => client.put(`/bench-raw/${run}/k${i}`).value(value).exec());
  } finally {
    await client.delete().prefix(`/bench-raw/${run}/`).exec().catch(() => undefined);
    client.close();
  }
}

/** skiff's etcd driver: Storage.create (txn on createRevision == 0) at the same concurrency. */
export async function etcdDriverCreates(endpoints: string[], opts: RawOptions): Promise<RawResult> {
  const { openEtcd } = await import('../src/storage/drivers/etcd/index.js');
  const s = await openEtcd(endpoints);
  const run = randomBytes(4).toString('hex');
  const value = 'x'.repeat(opts.valueBytes ?? 1024);
  try {
    return await drive(opts.count, opts.inFlight, (i) => s.create(`/registry/bench-${run}/k${i}`, value));
  } finally {
    await s.close();
  }
}

async function main(): Promise<void> {
  const { startEtcdCluster } = await import('../test/support/etcd-cluster.js');
  const inFlight = Number(process.env.IN_FLIGHT ?? 32);
  const count = Number(process.env.COUNT ?? 5000);
  for (const n of [1, 3]) {
    const cluster = await startEtcdCluster(n);
    try {
      const raw = await etcdRawPuts(cluster.endpoints, { inFlight, count });
      const drv = await etcdDriverCreates(cluster.endpoints, { inFlight, count });
      console.log(`${n} member(s), ${inFlight} in flight, ${count} ops: raw puts ${raw.opsPerSec}/s, driver creates ${drv.opsPerSec}/s (${(drv.opsPerSec / raw.opsPerSec).toFixed(2)}x)`);
    } finally {
      await cluster.stop();
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
