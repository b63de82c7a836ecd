/**
 * @module storage/drivers/sqlite/sqlite.test
 * The SQLite driver against the storage contract, plus what only an embedded store must prove: the file
 * stays bounded under endless churn of one key, and acknowledged writes survive `kill -9`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { storageContract } from '../../contract.js';
import { openSqlite, restoreSqliteSnapshot } from './index.js';
import { sweepExpired } from './maintenance.js';
import { openStorage } from '../../open.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = () => join(dir, `state-${files++}.db`);

storageContract('sqlite', () => openSqlite(fresh(), { ttlSweepIntervalMs: 100 }), {
  restore: async (snapshot) => {
    const path = fresh();
    await restoreSqliteSnapshot(snapshot, path);
    return openSqlite(path);
  },
  tmpDir: dir,
});

const fileSize = (path: string) => [path, `${path}-wal`].reduce((n, f) => n + (existsSync(f) ? statSync(f).size : 0), 0);

describe('sqlite driver', () => {
  it('stays bounded under 50,000 updates of one key (lease-style churn)', async () => {
    const path = fresh();
    const s = await openSqlite(path, { synchronous: 'NORMAL', compactIntervalMs: 20, retainRevisions: 200, retainMs: 0 });
    try {
      const value = 'x'.repeat(1024);
      let kv = await s.create('/registry/leases/kube-system/churn', value);
      let peak = 0;
      for (let i = 0; i < 50_000; i++) {
        kv = await s.update(kv.key, value + i, kv.modRevision);
        // Give the maintenance timer its turns, as a live server's event loop would.
        if (i % 2_000 === 1_999) {
          await new Promise((r) => setTimeout(r, 25));
          peak = Math.max(peak, fileSize(path));
        }
      }
      await new Promise((r) => setTimeout(r, 60));
      // Unbounded, history alone would be 50,000 x ~2 KiB = ~100 MiB.
      assert.ok(peak < 8 * 1024 * 1024, `db + wal peaked at ${peak} bytes`);
      assert.ok(fileSize(path) < 8 * 1024 * 1024, `db + wal is ${fileSize(path)} bytes`);
      assert.ok((await s.compactedRevision()) > kv.modRevision - 5_000, 'compaction kept up');
      assert.equal((await s.get(kv.key))?.value, value + 49_999);
    } finally { await s.close(); }
  });

  for (const mode of ['FULL', 'NORMAL'] as const) it(`keeps every acknowledged write when the process is killed with SIGKILL (synchronous=${mode})`, async () => {
    const path = fresh();
    const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'kill-child.fixture.js'), path, mode],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: string[] = [];
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('child never reached 2,000 acknowledged creates')); }, 30_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        acked.push(...lines.filter(Boolean));
        if (acked.length >= 2_000 && child.exitCode === null && !child.killed) {
          clearTimeout(deadline);
          child.kill('SIGKILL');
        }
      });
      child.on('exit', () => { clearTimeout(deadline); resolve(); });
    });
    assert.equal(child.signalCode, 'SIGKILL');
    const s = await openSqlite(path);
    try {
      const missing = [];
      for (const key of acked) if (!(await s.get(key))) missing.push(key);
      assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged keys lost`);
      assert.ok((await s.currentRevision()) >= acked.length);
    } finally { await s.close(); }
  });

  it('the TTL sweeper deletes expired keys through the normal delete path', async () => {
    const s = await openSqlite(fresh(), { ttlSweepIntervalMs: 0 });
    try {
      await s.create('/registry/events/ns/e1', 'e', { ttlSeconds: 1 });
      const e2 = await s.create('/registry/events/ns/e2', 'e', { ttlSeconds: 1 });
      await s.update(e2.key, 'no ttl now', e2.modRevision);
      assert.equal(sweepExpired(s, Date.now() + 2_000), 1);
      assert.equal(await s.get('/registry/events/ns/e1'), null);
      assert.equal((await s.get(e2.key))?.value, 'no ttl now');
    } finally { await s.close(); }
  });

  it('a second store on the same file cannot fork the revision sequence', async () => {
    const path = fresh();
    const a = await openSqlite(path);
    const b = await openSqlite(path);
    try {
      await a.create('/registry/x/1', '1');
      await assert.rejects(b.create('/registry/x/2', '2'), (e: Error & { code?: string }) => e.code === 'Internal');
    } finally { await a.close(); await b.close(); }
  });

  it('openStorage opens SQLite from a sqlite:// URL or a bare path and rejects unknown schemes', async () => {
    const path = fresh();
    const a = await openStorage(`sqlite://${path}?synchronous=NORMAL`);
    try {
      assert.equal(a.driver, 'sqlite');
      await a.create('/registry/x/1', '1');
    } finally { await a.close(); }
    const b = await openStorage(path);
    try { assert.equal((await b.get('/registry/x/1'))?.value, '1'); } finally { await b.close(); }
    await assert.rejects(openStorage('mysql://127.0.0.1/db'), (e: Error & { code?: string }) => e.code === 'Internal');
  });

  it('a watch replaying a long history joins the live stream without gaps or duplicates', async () => {
    const s = await openSqlite(fresh(), { replayBatch: 7, synchronous: 'NORMAL' });
    try {
      for (let i = 0; i < 100; i++) await s.create(`/registry/pods/ns/p${i}`, String(i));
      const events: number[] = [];
      s.watch('/registry/pods/', 1, { onEvents: (evs) => { for (const e of evs) events.push(e.revision); } });
      // Concurrent writes while the replay is in progress, some in one group-committed batch.
      const writes = [];
      for (let i = 100; i < 150; i++) writes.push(s.create(`/registry/pods/ns/p${i}`, String(i)));
      await Promise.all(writes);
      for (let i = 150; i < 160; i++) await s.create(`/registry/pods/ns/p${i}`, String(i));
      const deadline = Date.now() + 5000;
      while (events.length < 159 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(events, Array.from({ length: 159 }, (_, i) => i + 2));
    } finally { await s.close(); }
  });

  it('progress notifications tell a watcher of a quiet prefix that the revision moved on', async () => {
    const s = await openSqlite(fresh(), { synchronous: 'NORMAL' });
    try {
      const progress: number[] = [];
      s.watch('/registry/quiet/', 0, { onEvents: () => assert.fail('no events expected'), onProgress: (r) => progress.push(r) });
      await s.create('/registry/busy/a', '1');
      const r = (await s.create('/registry/busy/b', '2')).modRevision;
      const deadline = Date.now() + 5000;
      while (!progress.includes(r) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
      assert.ok(progress.includes(r), `progress ${progress} reached ${r}`);
      const seen = progress.length;
      s.requestProgress();
      while (progress.length === seen && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
      assert.equal(progress.at(-1), r);
    } finally { await s.close(); }
  });
});
