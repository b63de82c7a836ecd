/**
 * @module test/storage-etcd — the etcd storage driver against a real 3-member etcd cluster: the shared
 * contract suite (when src/storage/contract.ts exists), driver specifics, leader kill -9 under write
 * load with an open watch, and snapshot save + restore into a fresh member.
 */
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StorageError, type Storage, type WatchEvent } from '../src/storage/interface.js';
import { openEtcd, type EtcdStorage } from '../src/storage/drivers/etcd/index.js';
import { createRequire } from 'node:module';

/** etcd3's connection pool class (not re-exported): its static deterministicOrder flag pins host order. */
const Pool = createRequire(import.meta.url)('etcd3/lib/connection-pool.js').ConnectionPool as { deterministicOrder: boolean };
import { startEtcdCluster, startEtcdSingle, type EtcdCluster } from './support/etcd-cluster.js';

const haveEtcd = existsSync('/usr/bin/etcd') || !!process.env.ETCD_BIN;
const skip = haveEtcd ? false : 'etcd binary not installed';

/** One 3-member cluster for the whole file, started on first use, stopped in `after`. */
let clusterP: Promise<EtcdCluster> | null = null;
const cluster = () => (clusterP ??= startEtcdCluster(3));
const opened: Storage[] = [];
let seq = 0;
/** A fresh driver on its own key prefix, so tests never see each other's keys. */
async function openFresh(endpoints?: string[]): Promise<Storage> {
  const c = await cluster();
  const s = await openEtcd(endpoints ?? c.endpoints, { prefix: `/skiff-test-${process.pid}-${++seq}` });
  opened.push(s);
  return s;
}
after(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  if (clusterP) await (await clusterP).stop();
});

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rejectsCode(p: Promise<unknown>, code: string): Promise<StorageError> {
  try { await p; } catch (e) {
    assert.ok(e instanceof StorageError, `expected StorageError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected StorageError ${code}`);
}

/** Start a fresh single member from a snapshot file; closing the returned store stops that member. */
const restoredClusters: EtcdCluster[] = [];
after(async () => { for (const c of restoredClusters) await c.stop(); });
async function restoreInto(file: string, prefix?: string): Promise<Storage> {
  const single = await startEtcdSingle({ restoreFrom: file });
  restoredClusters.push(single);
  const s = await openEtcd(single.endpoints, { prefix });
  const close = s.close.bind(s);
  s.close = async () => { await close(); await single.stop(); };
  return s;
}

// The shared contract suite. Its cases isolate themselves by key prefix, so they share the cluster and
// use no driver prefix (which keeps the restore hook simple).
const contractPath = join(dirname(fileURLToPath(import.meta.url)), '../src/storage/contract.js');
if (haveEtcd && existsSync(contractPath)) {
  const { storageContract } = await import(contractPath) as typeof import('../src/storage/contract.js');
  storageContract('etcd (3 members)', async () => {
    const s = await openEtcd((await cluster()).endpoints);
    opened.push(s);
    return s;
  }, { restore: (file) => restoreInto(file), ttl: true, timeoutMs: 10_000 });
}

describe('etcd driver', { skip }, () => {
  test('create, get, update with CAS, delete with precondition', async () => {
    const s = await openFresh();
    assert.equal(s.driver, 'etcd');
    const a = await s.create('/registry/pods/ns/a', '{"v":1}');
    assert.equal(a.createRevision, a.modRevision);
    assert.deepEqual(await s.get('/registry/pods/ns/a'), a);
    assert.equal(await s.get('/registry/pods/ns/missing'), null);
    const e = await rejectsCode(s.create('/registry/pods/ns/a', 'x'), 'KeyExists');
    assert.equal(e.key, '/registry/pods/ns/a');
    const b = await s.update('/registry/pods/ns/a', '{"v":2}', a.modRevision);
    assert.equal(b.createRevision, a.createRevision);
    assert.ok(b.modRevision > a.modRevision);
    const c = await rejectsCode(s.update('/registry/pods/ns/a', 'x', a.modRevision), 'Conflict');
    assert.deepEqual(c.current, b);
    await rejectsCode(s.update('/registry/pods/ns/nope', 'x', 1), 'NotFound');
    await rejectsCode(s.delete('/registry/pods/ns/a', a.modRevision), 'Conflict');
    const d = await s.delete('/registry/pods/ns/a', b.modRevision);
    assert.equal(d.prev.value, '{"v":2}');
    assert.ok(d.revision > b.modRevision);
    assert.equal(await s.currentRevision(), d.revision);
    await rejectsCode(s.delete('/registry/pods/ns/a'), 'NotFound');
  });

  test('list at a revision with limit, startAfter, remaining; count', async () => {
    const s = await openFresh();
    for (let i = 0; i < 10; i++) await s.create(`/registry/cm/ns/c${i}`, `v${i}`);
    await s.create('/registry/cmx/other', 'not under the prefix');
    const rev = await s.currentRevision();
    await s.update('/registry/cm/ns/c0', 'changed', (await s.get('/registry/cm/ns/c0'))!.modRevision);
    const page1 = await s.list('/registry/cm/', { limit: 4, revision: rev });
    assert.deepEqual(page1.items.map((i) => i.key), [0, 1, 2, 3].map((i) => `/registry/cm/ns/c${i}`));
    assert.equal(page1.items[0].value, 'v0', 'read at the old revision');
    assert.equal(page1.revision, rev);
    assert.equal(page1.more, true);
    assert.equal(page1.remaining, 6);
    const page2 = await s.list('/registry/cm/', { limit: 4, revision: rev, startAfter: page1.items[3].key });
    assert.deepEqual(page2.items.map((i) => i.key), [4, 5, 6, 7].map((i) => `/registry/cm/ns/c${i}`));
    const page3 = await s.list('/registry/cm/', { limit: 4, revision: rev, startAfter: page2.items[3].key });
    assert.equal(page3.items.length, 2);
    assert.equal(page3.more, false);
    const all = await s.list('/registry/cm/');
    assert.equal(all.items.length, 10);
    assert.equal(all.items[0].value, 'changed');
    assert.equal(all.revision, await s.currentRevision());
    assert.equal(await s.count('/registry/cm/'), 10);
    assert.equal(await s.count('/registry/nothing/'), 0);
  });

  test('watch from a revision: ordered batches with prevKv, progress, compaction', async () => {
    const s = await openFresh();
    const start = await s.currentRevision();
    const a = await s.create('/registry/w/a', '1');
    const a2 = await s.update('/registry/w/a', '2', a.modRevision);
    const del = await s.delete('/registry/w/a');
    const seen: WatchEvent[] = [];
    const w = s.watch('/registry/w/', start, { onEvents: (evs) => seen.push(...evs) });
    await until('3 events', () => seen.length >= 3);
    assert.deepEqual(seen.map((e) => e.type), ['create', 'update', 'delete']);
    assert.deepEqual(seen.map((e) => e.revision), [a.modRevision, a2.modRevision, del.revision]);
    assert.equal(seen[1].prevKv?.value, '1');
    assert.equal(seen[2].kv.value, '2');
    assert.equal(seen[2].kv.modRevision, del.revision);
    await s.create('/registry/w/b', 'live');
    await until('live event', () => seen.length === 4);
    assert.equal(seen[3].kv.key, '/registry/w/b');
    w.stop();

    // Compaction: reads and watches below it fail with Compacted.
    const now = await s.currentRevision();
    await s.compact(now);
    assert.ok(await s.compactedRevision() >= now);
    await rejectsCode(s.list('/registry/w/', { revision: start }), 'Compacted');
    const err = await new Promise<StorageError>((resolve) => {
      s.watch('/registry/w/', start, { onEvents: () => assert.fail('no events from a compacted start'), onError: resolve });
    });
    assert.equal(err.code, 'Compacted');
    assert.ok((err.compactedRevision ?? 0) >= now);
  });

  test('ttl create expires through a lease', async () => {
    const s = await openFresh();
    await s.create('/registry/events/ns/e1', 'soon gone', { ttlSeconds: 1 });
    assert.ok(await s.get('/registry/events/ns/e1'));
    await until('lease expiry', async () => (await s.get('/registry/events/ns/e1')) === null, 15_000);
  });
});

describe('etcd driver under failure', { skip }, () => {
  test('snapshot save + restore into a fresh single member gives exactly the same keys', async () => {
    const s = await openFresh();
    const prefix = `/skiff-test-${process.pid}-${seq}`; // the driver prefix openFresh just used
    for (let i = 0; i < 50; i++) await s.create(`/registry/secrets/ns/s${i}`, `value-${i}`);
    await s.delete('/registry/secrets/ns/s7');
    const before = await s.list('/registry/');
    const dir = mkdtempSync(join(tmpdir(), 'skiff-etcd-snap-'));
    try {
      await s.snapshot(join(dir, 'snap.db'));
      const r = await restoreInto(join(dir, 'snap.db'), prefix);
      try {
        const restored = await r.list('/registry/');
        assert.deepEqual(restored.items, before.items);
        assert.equal(restored.items.length, 49);
      } finally { await r.close(); }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  test('leader kill -9 under 8 concurrent creators: no acknowledged write lost, watch sees each once', async () => {
    const c = await cluster();
    // Make the client try the leader first (etcd3's deterministic host order yields the *last* endpoint
    // first), so the kill cuts in-flight writes and the open watch stream, not just the raft leader.
    const lead = await c.leader();
    const order = [...c.endpoints.filter((_, i) => i !== lead), c.endpoints[lead]];
    Pool.deterministicOrder = true;
    const s = await openFresh(order) as EtcdStorage;
    const total = 600, inFlight = 8, killAfter = 150;
    const start = await s.currentRevision();
    const seen = new Map<string, number>();
    const watchErrors: StorageError[] = [];
    const w = s.watch('/registry/lk/', start, {
      onEvents: (evs) => { for (const e of evs) if (e.type === 'create') seen.set(e.kv.key, (seen.get(e.kv.key) ?? 0) + 1); },
      onError: (e) => watchErrors.push(e),
    });
    const acked = new Map<string, number>();
    const failures: string[] = [];
    const ackTimes: number[] = [];
    let next = 0, killedAt = 0, killed = -1;
    let killP: Promise<void> | null = null;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const key = `/registry/lk/ns/k${String(next++).padStart(4, '0')}`;
        try {
          const kv = await s.create(key, `v-${key}`);
          acked.set(key, kv.modRevision);
          ackTimes.push(Date.now());
        } catch (e) { failures.push(`${key}: ${(e as Error).message}`); }
        if (acked.size >= killAfter && !killP) {
          killP = (async () => { killed = lead; killedAt = Date.now(); await c.kill(killed, 'SIGKILL'); })();
        }
      }
    }));
    await killP;
    Pool.deterministicOrder = false;
    assert.deepEqual(failures, [], 'every create eventually succeeded');
    assert.equal(acked.size, total);
    // The longest pause between acknowledgements after the kill is how long writes stalled.
    const after = ackTimes.filter((t) => t >= killedAt).sort((a, b) => a - b);
    let stall = after.length ? after[0] - killedAt : 0;
    for (let i = 1; i < after.length; i++) stall = Math.max(stall, after[i] - after[i - 1]);
    console.log(`# leader m${killed} killed after ${killAfter} acks; writes stalled ${stall} ms; driver stats ${JSON.stringify(s.stats)}`);
    assert.ok(s.stats.retries > 0, 'the kill interrupted calls that the driver retried');

    const live = await s.list('/registry/lk/');
    assert.equal(live.items.length, total);
    for (const kv of live.items) assert.equal(acked.get(kv.key), kv.modRevision);
    await until('the watch to see every acknowledged key', () => [...acked.keys()].every((k) => seen.has(k)), 30_000);
    w.stop();
    assert.deepEqual(watchErrors, []);
    const dups = [...seen].filter(([, n]) => n !== 1);
    assert.deepEqual(dups, [], 'each key seen exactly once');
    assert.ok(s.stats.watchReconnects >= 1, 'the watch stream (on the killed leader) was re-created');
    await c.restart(killed);
  });
});
