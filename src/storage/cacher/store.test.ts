/** @module storage/cacher/store.test — the sorted key store and the event ring. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyStore } from './store.js';
import { EventRing } from './ring.js';
import type { CacheEvent } from './types.js';

const kv = (key: string, rev: number) => ({ key, value: key, createRevision: rev, modRevision: rev });

test('KeyStore keeps keys sorted across creates and deletes, and ranges by prefix', () => {
  const s = new KeyStore<unknown>();
  for (const k of ['/r/b/2', '/r/a/1', '/r/c/1', '/r/a/0', '/r/b/1']) s.set({ kv: kv(k, 1) });
  assert.deepEqual(s.items().map((i) => i.key), ['/r/a/0', '/r/a/1', '/r/b/1', '/r/b/2', '/r/c/1']);
  const [lo, hi] = s.range('/r/b/');
  assert.deepEqual(s.items().slice(lo, hi).map((i) => i.key), ['/r/b/1', '/r/b/2']);
  const [lo2, hi2] = s.range('/r/', '/r/b/1');
  assert.deepEqual(s.items().slice(lo2, hi2).map((i) => i.key), ['/r/b/2', '/r/c/1']);
  s.delete('/r/b/1');
  assert.deepEqual(s.items().map((i) => i.key), ['/r/a/0', '/r/a/1', '/r/b/2', '/r/c/1']);
  const v = s.items();
  assert.equal(s.items(), v, 'the sorted view is reused until the next change');
  s.set({ kv: kv('/r/a/0', 2) });
  assert.notEqual(s.items(), v);
  assert.deepEqual(s.range('/r/z/'), [4, 4]);
});

test('EventRing replays after a revision and knows how far back it can go', () => {
  const r = new EventRing<unknown>(3);
  r.reset(10);
  const ev = (rev: number): CacheEvent<unknown> => ({ type: 'ADDED', key: `/k${rev}`, kv: kv(`/k${rev}`, rev), revision: rev });
  for (const rev of [11, 13, 14]) r.push(ev(rev));
  assert.deepEqual(r.since(10)!.map((e) => e.revision), [11, 13, 14]);
  assert.deepEqual(r.since(12)!.map((e) => e.revision), [13, 14]);
  assert.deepEqual(r.since(14), []);
  assert.equal(r.since(9), null);
  r.push(ev(17)); // evicts 11
  assert.equal(r.oldestResumableRevision, 11);
  assert.equal(r.since(10), null);
  assert.deepEqual(r.since(11)!.map((e) => e.revision), [13, 14, 17]);
});
