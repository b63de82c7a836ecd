/**
 * @module storage/contract
 * The storage contract: node:test cases every driver must pass, so SQLite and etcd behave the same.
 *
 * Usage (in a driver's `*.test.ts`):
 *
 *   storageContract('sqlite', () => openSqlite(freshPath()), { restore: (file) => ..., ttl: true });
 *
 * `storageContract(name, open, opts?)`:
 * - `open()` is called once per case and must return a store nobody else writes to during the case (a new
 *   file, or an etcd nobody else uses). It may be shared between cases: every case writes under its own
 *   random key prefix and only compares revisions relative to the ones it observed. The store is closed
 *   after each case (`opts.close` overrides that).
 * - `opts.restore(snapshotFile)`: restore a file written by `snapshot()` into a new store and open it;
 *   without it the snapshot case is skipped.
 * - `opts.ttl`: false when the driver ignores `ttlSeconds` (the TTL case is then skipped).
 * - `opts.timeoutMs`: the longest wait for an asynchronous condition (default 5000; TTL waits 3x that).
 * - `opts.tmpDir`: where snapshot files go (default: the OS temp dir).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError, type KeyValue, type Storage, type StorageErrorCode, type WatchEvent } from './interface.js';

export interface StorageContractOptions {
  restore?: (snapshotFile: string) => Promise<Storage>;
  ttl?: boolean;
  timeoutMs?: number;
  tmpDir?: string;
  close?: (s: Storage) => Promise<void>;
}

export function storageContract(name: string, open: () => Promise<Storage>, opts: StorageContractOptions = {}): void {
  const timeout = opts.timeoutMs ?? 5000;
  const close = opts.close ?? ((s: Storage) => s.close());
  let n = 0;
  /** Runs `body` against a freshly opened store, with a key prefix no other case uses. */
  const withStore = (body: (s: Storage, p: string) => Promise<void>) => async () => {
    const s = await open();
    const p = `/registry/contract-${randomBytes(4).toString('hex')}-${n++}/`;
    try { await body(s, p); } finally { await close(s); }
  };
  const until = async (cond: () => boolean | Promise<boolean>, what: string, ms = timeout) => {
    const deadline = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  /** Watches `prefix` after `rev`, recording events and errors. */
  const record = (s: Storage, prefix: string, rev: number) => {
    const r = { events: [] as WatchEvent[], errors: [] as StorageError[], watcher: undefined as unknown as { stop(): void } };
    r.watcher = s.watch(prefix, rev, { onEvents: (evs) => { r.events.push(...evs); }, onError: (e) => { r.errors.push(e); } });
    return r;
  };
  const brief = (evs: WatchEvent[]) => evs.map((e) => `${e.type} ${e.kv.key}=${e.kv.value}@${e.revision}` + (e.prevKv ? ` prev=${e.prevKv.value}@${e.prevKv.modRevision}` : ''));

  describe(`storage contract: ${name}`, () => {
    it('get of a missing key is null', withStore(async (s, p) => {
      assert.equal(await s.get(`${p}missing`), null);
    }));

    it('create returns the revision and every write bumps the one global revision by 1', withStore(async (s, p) => {
      const r0 = await s.currentRevision();
      const a = await s.create(`${p}a/x`, 'A');
      assert.deepEqual(a, { key: `${p}a/x`, value: 'A', createRevision: r0 + 1, modRevision: r0 + 1 });
      assert.deepEqual(await s.get(`${p}a/x`), a);
      const b = await s.create(`${p}b/y`, 'B');
      assert.equal(b.modRevision, r0 + 2);
      const a2 = await s.update(a.key, 'A2', a.modRevision);
      assert.equal(a2.modRevision, r0 + 3);
      const d = await s.delete(b.key);
      assert.equal(d.revision, r0 + 4);
      assert.equal(await s.currentRevision(), r0 + 4);
    }));

    it('create of an existing key fails with KeyExists and writes nothing', withStore(async (s, p) => {
      const a = await s.create(`${p}k`, 'one');
      const r = await s.currentRevision();
      await rejectsWith(s.create(`${p}k`, 'two'), 'KeyExists');
      assert.deepEqual(await s.get(`${p}k`), a);
      assert.equal(await s.currentRevision(), r);
    }));

    it('update is compare-and-swap on modRevision; a stale revision is a Conflict carrying current', withStore(async (s, p) => {
      const a = await s.create(`${p}k`, 'v1');
      const b = await s.update(a.key, 'v2', a.modRevision);
      assert.equal(b.value, 'v2');
      assert.equal(b.createRevision, a.createRevision);
      assert.ok(b.modRevision > a.modRevision);
      const err = await rejectsWith(s.update(a.key, 'v3', a.modRevision), 'Conflict');
      assert.deepEqual(err.current, b);
      assert.deepEqual(await s.get(a.key), b);
    }));

    it('update and delete of a missing key fail with NotFound', withStore(async (s, p) => {
      await rejectsWith(s.update(`${p}nope`, 'v', 1), 'NotFound');
      await rejectsWith(s.delete(`${p}nope`), 'NotFound');
      await rejectsWith(s.delete(`${p}nope`, 1), 'NotFound');
    }));

    it('delete returns the previous value and the delete revision, with and without precondition', withStore(async (s, p) => {
      const a = await s.create(`${p}a`, 'A');
      const b = await s.create(`${p}b`, 'B');
      const da = await s.delete(a.key);
      assert.deepEqual(da.prev, a);
      assert.equal(da.revision, b.modRevision + 1);
      await rejectsWith(s.delete(b.key, b.modRevision - 1), 'Conflict');
      assert.deepEqual(await s.get(b.key), b);
      const db = await s.delete(b.key, b.modRevision);
      assert.deepEqual(db.prev, b);
      assert.equal(db.revision, da.revision + 1);
      assert.equal(await s.get(a.key), null);
      assert.equal(await s.get(b.key), null);
    }));

    it('list returns keys under the prefix, sorted, and nothing from a sibling prefix', withStore(async (s, p) => {
      for (const k of ['pods/b/z', 'pods/ab/x', 'pods/a/y', 'pods/a/x', 'podsx/a/q']) await s.create(p + k, k);
      const r = await s.currentRevision();
      const a = await s.list(`${p}pods/a/`);
      assert.deepEqual(a.items.map((kv) => kv.key), [`${p}pods/a/x`, `${p}pods/a/y`]);
      assert.equal(a.revision, r);
      assert.equal(a.more, false);
      const all = await s.list(`${p}pods/`);
      assert.deepEqual(all.items.map((kv) => kv.key.slice(p.length)), ['pods/a/x', 'pods/a/y', 'pods/ab/x', 'pods/b/z']);
      assert.deepEqual(all.items.map((kv) => kv.value), ['pods/a/x', 'pods/a/y', 'pods/ab/x', 'pods/b/z']);
      assert.deepEqual((await s.list(`${p}nothing/`)).items, []);
    }));

    it('list at an older revision returns the state at that revision', withStore(async (s, p) => {
      const k1 = await s.create(`${p}k1`, 'one');
      const k2 = await s.create(`${p}k2`, 'two');
      const k1b = await s.update(k1.key, 'one-b', k1.modRevision);
      const r = await s.currentRevision();
      await s.delete(k2.key);
      await s.update(k1.key, 'one-c', k1b.modRevision);
      await s.create(`${p}k0`, 'zero');
      const old = await s.list(p, { revision: r });
      assert.equal(old.revision, r);
      assert.deepEqual(old.items, [k1b, k2]);
      const now = await s.list(p);
      assert.deepEqual(now.items.map((kv) => `${kv.key.slice(p.length)}=${kv.value}`), ['k0=zero', 'k1=one-c']);
    }));

    it('limit + startAfter paginate at one fixed revision while writes continue', withStore(async (s, p) => {
      const keys = Array.from({ length: 7 }, (_, i) => `${p}k${i}`);
      for (const k of keys) await s.create(k, k);
      const first = await s.list(p, { limit: 3 });
      assert.deepEqual(first.items.map((kv) => kv.key), keys.slice(0, 3));
      assert.equal(first.more, true);
      if (first.remaining !== undefined) assert.equal(first.remaining, 4);
      const seen = [...first.items];
      let page = first;
      // Writes between pages must not show up in (or disappear from) the paginated list.
      await s.delete(keys[4]);
      await s.create(`${p}k35`, 'new');
      while (page.more) {
        page = await s.list(p, { limit: 3, revision: first.revision, startAfter: page.items[page.items.length - 1].key });
        assert.equal(page.revision, first.revision);
        seen.push(...page.items);
      }
      assert.deepEqual(seen.map((kv) => kv.key), keys);
      const last = await s.list(p, { limit: 10, startAfter: keys[2] });
      assert.deepEqual(last.items.map((kv) => kv.key), [keys[3], `${p}k35`, keys[5], keys[6]]);
      assert.equal(last.more, false);
    }));

    it('count counts live keys under the prefix', withStore(async (s, p) => {
      for (const k of ['a/1', 'a/2', 'a/3', 'ab/1']) await s.create(p + k, 'v');
      await s.delete(`${p}a/2`);
      assert.equal(await s.count(`${p}a/`), 2);
      assert.equal(await s.count(p), 3);
      assert.equal(await s.count(`${p}none/`), 0);
    }));

    it('watch from a revision delivers exactly the later events, in order, with prevKv', withStore(async (s, p) => {
      const a = await s.create(`${p}a`, 'a1');
      const r = a.modRevision;
      const a2 = await s.update(a.key, 'a2', a.modRevision);
      await s.create(`${p}b`, 'b1');
      await s.delete(a.key, a2.modRevision);
      const w = record(s, p, r);
      await until(() => w.events.length >= 3, '3 replayed events');
      await s.create(`${p}c`, 'c1');
      await until(() => w.events.length >= 4, 'the live event');
      w.watcher.stop();
      assert.deepEqual(w.errors, []);
      assert.deepEqual(brief(w.events), [
        `update ${p}a=a2@${r + 1} prev=a1@${r}`, `create ${p}b=b1@${r + 2}`,
        `delete ${p}a=a2@${r + 3} prev=a2@${r + 1}`, `create ${p}c=c1@${r + 4}`,
      ]);
      for (const ev of w.events) assert.equal(ev.kv.modRevision, ev.revision);
      assert.equal(w.events[2].kv.createRevision, r);
    }));

    it('watch from 0 delivers only new events; stop ends delivery', withStore(async (s, p) => {
      await s.create(`${p}old`, 'o');
      const w = record(s, p, 0);
      const sentinel = record(s, p, 0);
      const n = await s.create(`${p}new`, 'n');
      await s.update(n.key, 'n2', n.modRevision);
      await until(() => w.events.length >= 2, '2 new events');
      w.watcher.stop();
      await s.create(`${p}after-stop`, 'x');
      await until(() => sentinel.events.length >= 3, 'the sentinel watch');
      sentinel.watcher.stop();
      assert.deepEqual(brief(w.events), [`create ${p}new=n@${n.modRevision}`, `update ${p}new=n2@${n.modRevision + 1} prev=n@${n.modRevision}`]);
    }));

    it('watch sees only its prefix', withStore(async (s, p) => {
      const w = record(s, `${p}a/`, await s.currentRevision());
      await s.create(`${p}ab/x`, '1');
      await s.create(`${p}b/x`, '2');
      await s.create(`${p}a/x`, '3');
      await until(() => w.events.length >= 1, 'the event under the prefix');
      await s.create(`${p}a/y`, '4');
      await until(() => w.events.length >= 2, 'the second event under the prefix');
      w.watcher.stop();
      assert.deepEqual(w.events.map((e) => e.kv.key), [`${p}a/x`, `${p}a/y`]);
    }));

    it('after compact(R), reads and watches below R fail with Compacted', withStore(async (s, p) => {
      const k = await s.create(`${p}k`, 'v0');
      let last = k;
      for (let i = 1; i <= 4; i++) last = await s.update(k.key, `v${i}`, last.modRevision);
      const r = last.modRevision - 1;
      const atR = await s.list(p, { revision: r });
      await s.compact(r);
      assert.ok((await s.compactedRevision()) >= r);
      const err = await rejectsWith(s.list(p, { revision: r - 2 }), 'Compacted');
      assert.ok(err.compactedRevision === undefined || err.compactedRevision >= r);
      assert.deepEqual((await s.list(p, { revision: r })).items, atR.items);
      const old = record(s, p, r - 2);
      await until(() => old.errors.length > 0, 'the Compacted watch error');
      assert.equal(old.errors[0].code, 'Compacted');
      assert.deepEqual(old.events, []);
      old.watcher.stop();
      const fromR = record(s, p, r);
      await until(() => fromR.events.length >= 1, 'the event after the compacted revision');
      fromR.watcher.stop();
      assert.deepEqual(brief(fromR.events), [`update ${p}k=v4@${r + 1} prev=v3@${r}`]);
    }));

    it('50 concurrent updates with the same expected revision: exactly one wins', withStore(async (s, p) => {
      const k = await s.create(`${p}k`, 'start');
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => s.update(k.key, `w${i}`, k.modRevision)));
      const won = results.filter((r): r is PromiseFulfilledResult<KeyValue> => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as StorageError).code, 'Conflict');
      assert.deepEqual(await s.get(k.key), won[0].value);
    }));

    it('snapshot then restore yields exactly the same keys and values', { skip: opts.restore ? false : 'driver gives no restore hook' }, withStore(async (s, p) => {
      for (let i = 0; i < 20; i++) await s.create(`${p}k${String(i).padStart(2, '0')}`, JSON.stringify({ i }));
      const k3 = (await s.get(`${p}k03`))!;
      await s.update(k3.key, '"changed"', k3.modRevision);
      await s.delete(`${p}k07`);
      const before = await s.list(p);
      const dir = mkdtempSync(join(opts.tmpDir ?? tmpdir(), 'storage-contract-'));
      try {
        const file = join(dir, 'snapshot.db');
        await s.snapshot(file);
        await s.create(`${p}after-snapshot`, 'x');
        const r = await opts.restore!(file);
        try {
          const after = await r.list(p);
          assert.deepEqual(after.items, before.items);
          assert.ok(after.revision >= before.revision);
        } finally { await r.close(); }
      } finally { rmSync(dir, { recursive: true, force: true }); }
    }));

    it('a key created with a TTL expires as a real delete', { skip: opts.ttl === false ? 'driver has no TTL' : false }, withStore(async (s, p) => {
      const w = record(s, p, await s.currentRevision());
      const t = await s.create(`${p}ttl`, 'short-lived', { ttlSeconds: 1 });
      await s.create(`${p}keep`, 'stays');
      assert.equal((await s.get(t.key))?.value, 'short-lived');
      await until(async () => (await s.get(t.key)) === null, 'TTL expiry', timeout * 3);
      await until(() => w.events.some((e) => e.type === 'delete'), 'the delete event');
      w.watcher.stop();
      const del = w.events.find((e) => e.type === 'delete')!;
      assert.equal(del.kv.key, t.key);
      assert.equal(del.prevKv?.value, 'short-lived');
      assert.equal((await s.get(`${p}keep`))?.value, 'stays');
    }));
  });
}

async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  try { await p; } catch (err) {
    assert.ok(err instanceof StorageError, `expected a StorageError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected StorageError ${code}, but the call succeeded`);
}
