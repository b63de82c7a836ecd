import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Parallelism } from './parallelism.js';

it('runs at most `limit` at once, the rest in the order they came', async () => {
  const p = new Parallelism(2);
  const started: number[] = [];
  let running = 0, most = 0;
  const release: (() => void)[] = [];
  const all = [0, 1, 2, 3, 4].map((i) => p.run(async () => {
    started.push(i);
    running++; most = Math.max(most, running);
    await new Promise<void>((r) => release.push(r));
    running--;
    return i;
  }));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [0, 1]);
  assert.equal(p.queued, 3);
  while (started.length < 5 || release.length) { release.shift()?.(); await new Promise((r) => setImmediate(r)); }
  assert.deepEqual(await Promise.all(all), [0, 1, 2, 3, 4]);
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.equal(most, 2);
  assert.equal(p.inFlight, 0);
});

it('a failed write frees its place', async () => {
  const p = new Parallelism(1);
  await assert.rejects(p.run(async () => { throw new Error('409'); }), /409/);
  assert.equal(await p.run(async () => 'next'), 'next');
});

it('refuses a limit below one', () => {
  assert.throws(() => new Parallelism(0), RangeError);
});
