/**
 * @module storage/cacher/fanout.test — scale: 1,000 watchers each get every event exactly once, in order,
 * and what one event costs to fan out; LIST of 10,000 objects from memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { Storage } from '../interface.js';
import { MemoryStorage } from './testing/memory-storage.js';
import { until } from './testing/helpers.js';
import { WatchCache, type CacheEvent } from './index.js';

const P = '/registry/pods/';

/** Times each storage -> cache delivery: the cache applies and fans out synchronously inside it. */
function timed(s: MemoryStorage, times: number[]): Storage {
  const watch = s.watch.bind(s);
  s.watch = (prefix, after, h) => watch(prefix, after, {
    ...h,
    onEvents: (evs) => { const t = performance.now(); h.onEvents(evs); times.push(performance.now() - t); },
  });
  return s;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

test('1,000 watchers each get every event exactly once, in order; fan-out cost of one event', async () => {
  const times: number[] = [];
  const s = new MemoryStorage();
  let decodes = 0;
  const c = new WatchCache(timed(s, times), P, { decode: (kv) => { decodes++; return JSON.parse(kv.value); } });
  await c.ready();
  const N = 1000, EVENTS = 300;
  const got: CacheEvent[][] = [];
  for (let i = 0; i < N; i++) {
    const mine: CacheEvent[] = [];
    got.push(mine);
    // Half watch everything, half one of 10 namespaces (the namespaced ones see a tenth of the events).
    c.watch(0, { prefix: i % 2 ? `/registry/pods/ns${i % 10}/` : undefined, onEvents: (evs) => { mine.push(...evs); }, onError: (e) => { throw e; } });
  }
  // One event per storage batch, so each timing is "deliver one event to the watchers".
  for (let j = 0; j < EVENTS; j++) {
    await s.create(`/registry/pods/ns${j % 10}/p${j}`, JSON.stringify({ j }));
    await until(() => got[0].length === j + 1, 'delivery');
  }
  const revs = got[0].map((e) => e.revision);
  for (let i = 0; i < N; i++) {
    const want = i % 2 ? revs.filter((_, j) => j % 10 === i % 10) : revs;
    assert.deepEqual(got[i].map((e) => e.revision), want, `watcher ${i}`);
  }
  // Every watcher got the same event object: serialise once, share the bytes.
  assert.equal(got[2][0], got[0][0]);
  assert.equal(decodes, EVENTS, 'one decode per change, whatever the number of watchers');
  const p50 = pct(times, 0.5), p99 = pct(times, 0.99);
  console.log(`# fan-out of one event to ${N} watchers (${N / 2} all + ${N / 2} namespaced): p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms, max ${Math.max(...times).toFixed(3)} ms`);
  assert.ok(p99 < 50, `fan-out p99 ${p99} ms`);
  c.stop();
});

test('LIST of 10,000 objects is served from memory in O(n) and is reused when nothing changed', async () => {
  const s = new MemoryStorage();
  for (let i = 0; i < 10_000; i++) await s.create(`/registry/pods/ns${i % 20}/pod-${i}`, JSON.stringify({ i }));
  const c = new WatchCache(s, P, { decode: (kv) => JSON.parse(kv.value) });
  await c.ready();
  let t = performance.now();
  const first = await c.list();
  const firstMs = performance.now() - t;
  t = performance.now();
  for (let k = 0; k < 20; k++) await c.list();
  const againMs = (performance.now() - t) / 20;
  t = performance.now();
  const ns = await c.list({ prefix: '/registry/pods/ns7/' });
  const nsMs = performance.now() - t;
  assert.equal(first.items.length, 10_000);
  assert.equal(ns.items.length, 500);
  assert.deepEqual(first.items, (await s.list(P)).items);
  console.log(`# LIST 10,000 from cache: first ${firstMs.toFixed(2)} ms, unchanged ${againMs.toFixed(3)} ms, one namespace ${nsMs.toFixed(3)} ms`);
  // One update: the key order is kept, only the views are rebuilt.
  const cur = c.get('/registry/pods/ns0/pod-0')!.kv;
  await s.update(cur.key, '{"i":-1}', cur.modRevision);
  const after = await c.list({ minRevision: await s.currentRevision() });
  assert.deepEqual(after.items.map((x) => x.key), first.items.map((x) => x.key));
  assert.deepEqual(after.objects![first.items.findIndex((x) => x.key === cur.key)], { i: -1 });
  c.stop();
});
