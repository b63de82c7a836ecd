import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, ExponentialFailureRateLimiter, BucketRateLimiter } from './workqueue.js';

test('a key added many times before processing is processed once', async () => {
  const q = new WorkQueue();
  for (let i = 0; i < 5; i++) q.add('a');
  q.add('b');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  q.shutDown();
});

test('a key is never handed out twice at once; added while processing, it comes back after done', async () => {
  const q = new WorkQueue();
  q.add('a');
  const k = await q.get();
  q.add('a');
  assert.equal(q.length, 0, 'not queued while a worker holds it');
  let second: string | undefined;
  const waiting = q.get().then((x) => { second = x; });
  await new Promise((r) => setImmediate(r));
  assert.equal(second, undefined);
  q.done(k!);
  await waiting;
  assert.equal(second, 'a');
  q.shutDown();
});

test('a waiting worker gets the next key at once; shutDown releases waiters', async () => {
  const q = new WorkQueue();
  const p = q.get();
  q.add('x');
  assert.equal(await p, 'x');
  const idle = q.get();
  q.shutDown();
  assert.equal(await idle, undefined);
});

test('failures back off exponentially and forget resets; the bucket allows its burst', async () => {
  const l = new ExponentialFailureRateLimiter(5, 1000);
  assert.deepEqual([l.when('k'), l.when('k'), l.when('k'), l.when('k')], [5, 10, 20, 40]);
  assert.equal(l.retries('k'), 4);
  l.forget('k');
  assert.equal(l.when('k'), 5);
  for (let i = 0; i < 10; i++) l.when('z');
  assert.equal(l.when('z'), 1000, 'capped');
  const b = new BucketRateLimiter(10, 3);
  assert.deepEqual([b.when(), b.when(), b.when()], [0, 0, 0]);
  assert.ok(b.when() > 0, 'past the burst, items wait');
});

test('addRateLimited requeues after the backoff', async () => {
  const q = new WorkQueue(new ExponentialFailureRateLimiter(20, 1000));
  const t0 = Date.now();
  q.addRateLimited('r');
  assert.equal(q.length, 0);
  assert.equal(await q.get(), 'r');
  assert.ok(Date.now() - t0 >= 15);
  assert.equal(q.numRequeues('r'), 1);
  q.shutDown();
});
