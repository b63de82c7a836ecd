/**
 * Unit tests of the scheduler's metrics: each scheduling attempt is counted and timed by result
 * and profile (scheduled once bound, unschedulable when nothing fits, error when binding fails),
 * a bound pod feeds the SLI duration by attempts, and scheduler_pending_pods reads the queues.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from './scheduler.js';
import { podInfoFor } from './framework/pod-info.js';
import { makeNode, makePod } from './testing/fixtures.js';
import { pendingPods, podSchedulingSLIDuration, registerPendingPods, scheduleAttempts, schedulingAttemptDuration, unregisterPendingPods } from './metrics.js';
import { defaultRegistry } from '../metrics/registry.js';

/** A Scheduler over fake informers and a client whose binding POST answers `bindStatus`. */
function fakeScheduler(profile: string, bindStatus = 201): Scheduler {
  const informer = () => ({ addEventHandler() {}, get: () => undefined, list: () => [] });
  const client: any = {
    pods: { path: (ns: string, n: string, sub: string) => `/api/v1/namespaces/${ns}/pods/${n}/${sub}`, patch: async () => ({}) },
    transport: { request: async () => ({ status: bindStatus, body: bindStatus === 201 ? '{}' : '{"message":"nope"}' }) },
  };
  const s = new Scheduler({ client, informers: { for: informer } as any, recorder: { event() {} } as any, schedulerName: profile });
  s.cache.addOrUpdateNode(makeNode('n1', { cpu: '2' }));
  return s;
}

async function attempt(s: Scheduler, pod: any): Promise<void> {
  s.queue.add(podInfoFor(pod));
  const q = s.queue.pop()!;
  s.scheduleOne(q);
  await s.stop(); // waits for the binding cycle
}

const uniq = (p: string) => `${p}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

describe('scheduler metrics', () => {
  it('counts a bound pod as result="scheduled" for its profile, with its attempt duration and SLI', async () => {
    const profile = uniq('prof');
    const slBefore = podSchedulingSLIDuration.count({ attempts: '1' });
    await attempt(fakeScheduler(profile), makePod('ok', { cpu: '100m' }));
    assert.equal(scheduleAttempts.get({ result: 'scheduled', profile }), 1);
    assert.equal(scheduleAttempts.get({ result: 'unschedulable', profile }), 0);
    assert.equal(schedulingAttemptDuration.count({ result: 'scheduled', profile }), 1);
    assert.equal(podSchedulingSLIDuration.count({ attempts: '1' }), slBefore + 1);
    const text = defaultRegistry.render();
    assert.match(text, new RegExp(`^scheduler_schedule_attempts_total\\{result="scheduled",profile="${profile}"\\} 1$`, 'm'));
    assert.match(text, new RegExp(`^scheduler_scheduling_attempt_duration_seconds_bucket\\{result="scheduled",profile="${profile}",le="0.001"\\} \\d+$`, 'm'));
    assert.match(text, new RegExp(`^scheduler_scheduling_attempt_duration_seconds_bucket\\{result="scheduled",profile="${profile}",le="16.384"\\} 1$`, 'm'));
  });

  it('counts a pod no node fits as result="unschedulable"', async () => {
    const profile = uniq('prof');
    await attempt(fakeScheduler(profile), makePod('big', { cpu: '64' }));
    assert.equal(scheduleAttempts.get({ result: 'unschedulable', profile }), 1);
    assert.equal(scheduleAttempts.get({ result: 'scheduled', profile }), 0);
    assert.equal(schedulingAttemptDuration.count({ result: 'unschedulable', profile }), 1);
  });

  it('counts a failed binding as result="error"', async () => {
    const profile = uniq('prof');
    await attempt(fakeScheduler(profile, 500), makePod('unlucky', { cpu: '100m' }));
    assert.equal(scheduleAttempts.get({ result: 'error', profile }), 1);
    assert.equal(scheduleAttempts.get({ result: 'scheduled', profile }), 0);
  });

  it('scheduler_pending_pods reads active, backoff, unschedulable and gated from the queue', () => {
    const s = fakeScheduler(uniq('prof'));
    const before = { active: pendingPods.get({ queue: 'active' }), gated: pendingPods.get({ queue: 'gated' }) };
    s.queue.add(podInfoFor(makePod('p1')));
    s.queue.add(podInfoFor(makePod('p2')));
    s.queue.add(podInfoFor(makePod('gated', { spec: { schedulingGates: [{ name: 'example.com/wait' }] } })));
    assert.deepEqual(s.queue.pendingCounts(), { active: 2, backoff: 0, unschedulable: 0, gated: 1 });
    registerPendingPods(s.queue);
    try {
      assert.equal(pendingPods.get({ queue: 'active' }), before.active + 2);
      assert.equal(pendingPods.get({ queue: 'gated' }), before.gated + 1);
      assert.match(defaultRegistry.render(), /^scheduler_pending_pods\{queue="unschedulable"\} \d+$/m);
    } finally { unregisterPendingPods(s.queue); s.queue.close(); }
  });
});
