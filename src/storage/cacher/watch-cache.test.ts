/** @module storage/cacher/watch-cache.test — WatchCache semantics over the in-memory storage test double. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError } from '../interface.js';
import { MemoryStorage } from './testing/memory-storage.js';
import { brief, recorder, until } from './testing/helpers.js';
import { TooLargeResourceVersionError, WatcherTerminated, WatchCache, isTooOld } from './index.js';

const P = '/registry/pods/';
type Obj = { name: string; v: number };
const decode = (kv: { value: string }) => JSON.parse(kv.value) as Obj;
const val = (name: string, v = 0) => JSON.stringify({ name, v });

async function setup(opts: ConstructorParameters<typeof WatchCache<Obj>>[2] = {}) {
  const s = new MemoryStorage();
  await s.create('/registry/pods/a/p1', val('p1'));
  await s.create('/registry/pods/b/p2', val('p2'));
  await s.create('/registry/services/a/s1', val('s1')); // outside the prefix
  const c = new WatchCache<Obj>(s, P, { decode, ...opts });
  await c.ready();
  return { s, c };
}

test('list from cache equals the storage list (prefix, limit, startAfter) and uses one storage watch', async () => {
  const { s, c } = await setup();
  try {
    for (let i = 0; i < 50; i++) await s.create(`/registry/pods/${i % 3 ? 'a' : 'b'}/x${String(i).padStart(2, '0')}`, val(`x${i}`));
    await s.update('/registry/pods/a/p1', val('p1', 1), 1);
    await s.delete('/registry/pods/b/p2');
    const rev = await s.currentRevision();
    const full = await c.list({ minRevision: rev });
    assert.equal(full.revision, rev);
    assert.deepEqual(full.items, (await s.list(P)).items);
    assert.deepEqual(full.objects, full.items.map(decode));
    assert.deepEqual((await c.list({ prefix: '/registry/pods/b/' })).items, (await s.list('/registry/pods/b/')).items);
    const page = await c.list({ limit: 7, startAfter: '/registry/pods/a/x05' });
    const spage = await s.list(P, { limit: 7, startAfter: '/registry/pods/a/x05' });
    assert.deepEqual(page.items, spage.items);
    assert.equal(page.more, true);
    assert.equal(page.remaining, spage.remaining);
    assert.equal(c.get('/registry/pods/a/p1')!.object!.v, 1);
    assert.equal(c.get('/registry/pods/b/p2'), undefined);
    assert.equal(s.watchesOpened, 1);
  } finally { c.stop(); }
});

test('watch from R replays the ring after R, then live, with no gap or duplicate', async () => {
  const { s, c } = await setup();
  try {
    const r0 = c.currentRevision;
    await s.create('/registry/pods/a/p3', val('p3'));                 // r0+1
    await s.update('/registry/pods/a/p1', val('p1', 1), 1);           // r0+2
    await until(() => c.currentRevision === r0 + 2, 'cache catch-up');
    const rec = recorder<Obj>();
    c.watch(r0 + 1, rec.opts);
    await s.delete('/registry/pods/a/p3');                            // r0+3
    await until(() => rec.events.length === 2, 'events');
    assert.deepEqual(brief(rec.events), [`MODIFIED /registry/pods/a/p1@${r0 + 2}`, `DELETED /registry/pods/a/p3@${r0 + 3}`]);
    assert.equal(rec.events[0].prevObject!.v, 0);
    assert.equal(rec.events[0].object!.v, 1);
    assert.equal(rec.events[1].object!.name, 'p3');
    assert.equal(rec.events[1].kv.modRevision, r0 + 3, 'a DELETED carries the delete revision');
  } finally { c.stop(); }
});

test('watch from 0 sends the current state as ADDED (when asked), then changes', async () => {
  const { s, c } = await setup();
  try {
    const withState = recorder<Obj>({ sendInitialState: true });
    const fromNow = recorder<Obj>();
    c.watch(0, withState.opts);
    c.watch(0, fromNow.opts);
    const r = c.currentRevision;
    await s.create('/registry/pods/c/p9', val('p9'));
    await until(() => withState.events.length === 3 && fromNow.events.length === 1, 'events');
    assert.deepEqual(brief(withState.events), ['ADDED /registry/pods/a/p1@1', 'ADDED /registry/pods/b/p2@2', `ADDED /registry/pods/c/p9@${r + 1}`]);
    assert.deepEqual(withState.initialEnd, [r]);
    assert.deepEqual(brief(fromNow.events), [`ADDED /registry/pods/c/p9@${r + 1}`]);
  } finally { c.stop(); }
});

test('a revision older than the ring holds fails with Compacted (410) naming the oldest usable one', async () => {
  const { s, c } = await setup({ capacity: 2 });
  try {
    for (let i = 0; i < 4; i++) await s.create(`/registry/pods/a/n${i}`, val('n'));
    const rev = await s.currentRevision();
    await c.waitUntilFresh(rev);
    const rec = recorder<Obj>();
    c.watch(1, rec.opts);
    await until(() => rec.errors.length === 1, 'error');
    assert.ok(isTooOld(rec.errors[0]));
    assert.equal(rec.errors[0].compactedRevision, rev - 2);
    const ok = recorder<Obj>();
    c.watch(rev - 2, ok.opts);
    await until(() => ok.events.length === 2, 'replay');
    assert.deepEqual(ok.errors, []);
  } finally { c.stop(); }
});

test('a revision newer than the cache waits for it, or times out with TooLargeResourceVersion', async () => {
  const { s, c } = await setup({ freshnessTimeoutMs: 150 });
  try {
    const r = c.currentRevision;
    const rec = recorder<Obj>();
    c.watch(r + 1, rec.opts);               // arrives shortly
    const early = c.list({ minRevision: r + 1 });
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(rec.events.length, 0);
    await s.create('/registry/pods/a/p3', val('p3'));
    await s.create('/registry/pods/a/p4', val('p4'));
    await until(() => rec.events.length === 1, 'live event after the wait');
    assert.deepEqual(brief(rec.events), [`ADDED /registry/pods/a/p4@${r + 2}`], 'only events after the requested revision');
    assert.ok((await early).revision >= r + 1);
    const late = recorder<Obj>();
    c.watch(r + 100, late.opts);
    await until(() => late.errors.length === 1, 'timeout');
    assert.ok(late.errors[0] instanceof TooLargeResourceVersionError);
    await assert.rejects(c.list({ minRevision: r + 100 }), TooLargeResourceVersionError);
    // A storage progress notification also moves the cache forward (writes elsewhere).
    const target = s.bumpRevision();
    const waiting = c.waitUntilFresh(target);
    s.notifyProgress();
    await waiting;
    assert.equal(c.currentRevision, target);
  } finally { c.stop(); }
});

test('narrower prefix, exact key and filter see only their events', async () => {
  const { s, c } = await setup();
  try {
    const ns = recorder<Obj>({ prefix: '/registry/pods/a/' });
    const one = recorder<Obj>({ prefix: '/registry/pods/a/p1', sendInitialState: true });
    const f = recorder<Obj>({ filter: (e) => e.object!.v > 0 });
    c.watch(0, ns.opts); c.watch(0, one.opts); c.watch(0, f.opts);
    await s.create('/registry/pods/a/p10', val('p10'));          // not p1: exact key, not a prefix
    await s.create('/registry/pods/b/p3', val('p3', 2));
    await s.update('/registry/pods/a/p1', val('p1', 1), 1);
    await until(() => ns.events.length === 2 && one.events.length === 2 && f.events.length === 2, 'events');
    assert.deepEqual(brief(ns.events).map((l) => l.split('@')[0]), ['ADDED /registry/pods/a/p10', 'MODIFIED /registry/pods/a/p1']);
    assert.deepEqual(brief(one.events).map((l) => l.split('@')[0]), ['ADDED /registry/pods/a/p1', 'MODIFIED /registry/pods/a/p1']);
    assert.deepEqual(brief(f.events).map((l) => l.split('@')[0]), ['ADDED /registry/pods/b/p3', 'MODIFIED /registry/pods/a/p1']);
  } finally { c.stop(); }
});

test('a slow watcher is terminated without holding up the others; resume() drains a paused one', async () => {
  const { s, c } = await setup({ watcherBufferSize: 5 });
  try {
    const stuck = recorder<Obj>({ onEvents: () => false });          // never drains
    const slow = recorder<Obj>();
    slow.opts.onEvents = (evs) => { slow.events.push(...evs); return false; };
    const fast = recorder<Obj>();
    c.watch(0, stuck.opts);
    const slowW = c.watch(0, slow.opts);
    c.watch(0, fast.opts);
    for (let i = 0; i < 4; i++) { await s.create(`/registry/pods/a/q${i}`, val('q')); await until(() => fast.events.length === i + 1, 'fast'); }
    assert.equal(slowW.paused, true);
    assert.equal(slow.events.length, 1);
    slowW.resume();                                                    // drains the 3 queued
    assert.equal(slow.events.length, 4);
    for (let i = 4; i < 12; i++) await s.create(`/registry/pods/a/q${i}`, val('q'));
    await until(() => fast.events.length === 12, 'fast gets all');
    assert.equal(stuck.errors.length, 1);
    assert.ok(stuck.errors[0] instanceof WatcherTerminated && stuck.errors[0].reason === 'TooSlow');
    assert.deepEqual(fast.errors, []);
    assert.deepEqual(fast.events.map((e) => e.revision), [...Array(12).keys()].map((i) => fast.events[0].revision + i));
  } finally { c.stop(); }
});

test('bookmarks: periodic and on storage progress, only for watchers that ask', async () => {
  const { s, c } = await setup({ bookmarkIntervalMs: 20 });
  try {
    const bm = recorder<Obj>();
    const none = recorder<Obj>({ onBookmark: undefined });
    c.watch(0, bm.opts); c.watch(0, none.opts);
    await until(() => bm.bookmarks.length >= 2, 'periodic bookmarks');
    assert.equal(bm.bookmarks.at(-1), c.currentRevision);
    const target = s.bumpRevision();
    s.notifyProgress();
    await until(() => bm.bookmarks.includes(target), 'progress bookmark');
  } finally { c.stop(); }
});

test('a lost storage watch resumes without a gap; a compacted one re-lists and closes the watchers', async () => {
  const { s, c } = await setup({ retryMinMs: 5 });
  // The reflector's retry timer is unref'd (it must not keep a server alive); in this test nothing
  // else may be pending while it runs, so hold the event loop open until the test ends.
  const alive = setInterval(() => {}, 1000);
  try {
    const rec = recorder<Obj>();
    c.watch(0, rec.opts);
    s.breakWatches(new StorageError('Unavailable', 'connection lost'));
    await s.create('/registry/pods/a/r1', val('r1'));                  // written while the watch is down
    await until(() => rec.events.length === 1, 'event after re-watch');
    assert.deepEqual(rec.errors, []);
    assert.equal(s.watchesOpened, 2);
    // History gone: the cache must re-list, and its watchers must re-watch (they will get 410 if too old).
    const before = c.currentRevision;
    await s.create('/registry/pods/a/r2', val('r2'));
    await s.compact(await s.currentRevision());
    s.breakWatches(new StorageError('Compacted', 'compacted'));
    await until(() => rec.errors.length === 1, 'watcher closed');
    assert.ok((rec.errors[0] as unknown) instanceof WatcherTerminated && (rec.errors[0] as unknown as WatcherTerminated).reason === 'Reinitializing');
    await c.ready();
    await s.create('/registry/pods/a/r3', val('r3'));
    const l = await c.list({ minRevision: await s.currentRevision() });
    assert.deepEqual(l.items, (await s.list(P)).items);
    const old = recorder<Obj>();
    c.watch(before, old.opts);
    await until(() => old.errors.length === 1, 'old watch rejected');
    assert.ok(isTooOld(old.errors[0]));
  } finally { c.stop(); clearInterval(alive); }
});

test('stop() closes watchers and the storage watch', async () => {
  const { s, c } = await setup();
  const rec = recorder<Obj>();
  c.watch(0, rec.opts);
  c.stop();
  assert.equal(rec.errors.length, 1);
  await s.create('/registry/pods/a/z', val('z'));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(rec.events.length, 0);
  await assert.rejects(c.list(), StorageError);
});
