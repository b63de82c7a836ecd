/**
 * Unit tests of the work queue's metrics: a named queue's depth, adds, retries, queue and work
 * durations and in-flight work under upstream's names, rendered by the default registry; an
 * unnamed queue reports nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './workqueue.js';
import { workqueueAdds, workqueueDepth, workqueueLongestRunningProcessor, workqueueQueueDuration, workqueueRetries, workqueueUnfinishedWork, workqueueWorkDuration } from './workqueue-metrics.js';
import { defaultRegistry } from '../metrics/registry.js';

const uniq = (s: string) => `${s}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

describe('workqueue metrics', () => {
  it('counts adds (coalesced adds once), depth, and the queue and work durations', async () => {
    const name = uniq('test');
    const q = new WorkQueue(undefined, name);
    q.add('a'); q.add('a'); q.add('b');
    assert.equal(workqueueAdds.get({ name }), 2, 'a key added twice before processing is one add');
    assert.equal(workqueueDepth.get({ name }), 2);
    const k = await q.get();
    assert.equal(k, 'a');
    assert.equal(workqueueDepth.get({ name }), 1);
    assert.equal(workqueueQueueDuration.count({ name }), 1);
    assert.equal(workqueueUnfinishedWork.get({ name }) >= 0, true);
    q.done('a');
    assert.equal(workqueueWorkDuration.count({ name }), 1);
    await q.get(); q.done('b');
    assert.equal(workqueueDepth.get({ name }), 0);
    assert.equal(workqueueQueueDuration.count({ name }), 2);
    q.shutDown();
  });

  it('a key re-added while processing is counted once more and queued by done(); a waiting worker takes it at once', async () => {
    const name = uniq('test');
    const q = new WorkQueue(undefined, name);
    const waiting = q.get();
    q.add('x');
    assert.equal(await waiting, 'x');
    assert.equal(workqueueDepth.get({ name }), 0, 'handed straight to the worker');
    q.add('x');
    assert.equal(workqueueAdds.get({ name }), 2);
    assert.equal(workqueueDepth.get({ name }), 0, 'not queued while processing');
    q.done('x');
    assert.equal(workqueueDepth.get({ name }), 1, 'done() queues it again');
    assert.equal(workqueueAdds.get({ name }), 2, 'without another add');
    assert.equal(await q.get(), 'x');
    q.done('x');
    assert.equal(workqueueWorkDuration.count({ name }), 2);
    q.shutDown();
  });

  it('counts retries and reports in-flight work as unfinished and longest running seconds', async () => {
    const name = uniq('test');
    const q = new WorkQueue(undefined, name);
    q.add('r');
    await q.get();
    q.addRateLimited('r');
    q.addRateLimited('r');
    assert.equal(workqueueRetries.get({ name }), 2);
    const t0 = performance.now();
    while (performance.now() - t0 < 20) { /* some in-flight time */ }
    assert.ok(workqueueLongestRunningProcessor.get({ name }) >= 0.019);
    assert.ok(workqueueUnfinishedWork.get({ name }) >= 0.019);
    q.done('r');
    assert.equal(workqueueLongestRunningProcessor.get({ name }), 0);
    q.shutDown();
  });

  it('renders with upstream names, label and buckets; an unnamed queue reports nothing', async () => {
    const name = uniq('render');
    const q = new WorkQueue(undefined, name);
    q.add('k');
    const before = defaultRegistry.render();
    const anon = new WorkQueue();
    anon.add('k'); await anon.get(); anon.done('k'); anon.shutDown();
    assert.equal(defaultRegistry.render().split('\n').length, before.split('\n').length, 'the unnamed queue added no series');
    assert.match(before, new RegExp(`^workqueue_depth\\{name="${name}"\\} 1$`, 'm'));
    assert.match(before, new RegExp(`^workqueue_adds_total\\{name="${name}"\\} 1$`, 'm'));
    assert.match(before, /^# TYPE workqueue_queue_duration_seconds histogram$/m);
    assert.match(before, new RegExp(`^workqueue_queue_duration_seconds_bucket\\{name="${name}",le="0.000001"\\} 0$`, 'm'));
    assert.match(before, new RegExp(`^workqueue_work_duration_seconds_bucket\\{name="${name}",le="1000"\\} 0$`, 'm'));
    for (const m of ['workqueue_retries_total', 'workqueue_unfinished_work_seconds', 'workqueue_longest_running_processor_seconds']) assert.match(before, new RegExp(`^# TYPE ${m} `, 'm'));
    q.shutDown();
  });

  it('stays cheap: 50k add/get/done on a named queue', async () => {
    const named = new WorkQueue(undefined, uniq('perf'));
    const plain = new WorkQueue();
    const run = async (q: WorkQueue) => {
      const t0 = performance.now();
      for (let i = 0; i < 50_000; i++) { const k = `k${i % 1000}`; q.add(k); const g = await q.get(); q.done(g!); }
      return performance.now() - t0;
    };
    await run(plain); await run(named); // warm up
    const a = await run(plain), b = await run(named);
    named.shutDown(); plain.shutDown();
    console.log(`# 50k add/get/done: unnamed ${a.toFixed(1)} ms, named ${b.toFixed(1)} ms`);
    // Generous bound (CI noise): metrics must not multiply the cost.
    assert.ok(b < a * 2 + 50, `named ${b.toFixed(1)} ms vs unnamed ${a.toFixed(1)} ms`);
  });
});
