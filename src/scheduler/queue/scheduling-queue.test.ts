/**
 * Unit tests of the scheduling queue: priority order, backoff doubling to its cap, unschedulable
 * pods moved only by events their rejecting plugins registered for, the leftover flush, gates.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from './scheduling-queue.js';
import { PrioritySort } from '../plugins/queuesort/priority-sort.js';
import { SchedulingGates } from '../plugins/schedulinggates/scheduling-gates.js';
import { PodInfo } from '../framework/pod-info.js';
import type { ClusterEvent } from '../framework/interface.js';
import { makePod } from '../testing/fixtures.js';

function newQueue(now: { t: number }) {
  const sort = new PrioritySort();
  const q = new SchedulingQueue({
    less: (a, b) => sort.less(a, b), preEnqueue: [new SchedulingGates()], now: () => now.t,
    pluginEvents: new Map<string, Set<ClusterEvent>>([['NodeResourcesFit', new Set<ClusterEvent>(['AssignedPodDelete', 'NodeAdd'])], ['TaintToleration', new Set<ClusterEvent>(['NodeTaintChange', 'NodeAdd'])]]),
  });
  return q;
}

describe('scheduling queue', () => {
  it('pops by priority, then by queue time', () => {
    const now = { t: 1000 };
    const q = newQueue(now);
    q.add(new PodInfo(makePod('a', { priority: 0 })));
    now.t++;
    q.add(new PodInfo(makePod('b', { priority: 100 })));
    now.t++;
    q.add(new PodInfo(makePod('c', { priority: 0 })));
    q.add(new PodInfo(makePod('d', { priority: 100 })));
    assert.deepEqual([q.pop(), q.pop(), q.pop(), q.pop()].map((x) => x!.podInfo.name), ['b', 'd', 'a', 'c']);
    assert.equal(q.pop(), undefined);
  });

  it('backoff is 1 s doubling per attempt up to 10 s', () => {
    const now = { t: 0 };
    const q = newQueue(now);
    q.add(new PodInfo(makePod('a')));
    const p = q.pop()!;
    assert.equal(q.backoffDuration(p), 1000);
    p.attempts = 2; assert.equal(q.backoffDuration(p), 2000);
    p.attempts = 4; assert.equal(q.backoffDuration(p), 8000);
    p.attempts = 5; assert.equal(q.backoffDuration(p), 10_000);
    p.attempts = 50; assert.equal(q.backoffDuration(p), 10_000);
    q.close();
  });

  it('an unschedulable pod moves only on events its rejecting plugins care about, via backoff', () => {
    const now = { t: 0 };
    const q = newQueue(now);
    q.add(new PodInfo(makePod('a')));
    const p = q.pop()!;
    p.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(p, q.cycle);
    assert.deepEqual(q.lengths, { active: 0, backoff: 0, unschedulable: 1 });
    q.moveAllToActiveOrBackoffQueue('NodeTaintChange');
    assert.deepEqual(q.lengths, { active: 0, backoff: 0, unschedulable: 1 });
    q.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
    // Still inside its 1 s backoff: it waits in backoffQ, then flushes to activeQ.
    assert.deepEqual(q.lengths, { active: 0, backoff: 1, unschedulable: 0 });
    now.t += 1000;
    q.flushBackoffQCompleted();
    assert.deepEqual(q.lengths, { active: 1, backoff: 0, unschedulable: 0 });
    q.close();
  });

  it('a move request during the pod\'s cycle sends it to backoffQ, not unschedulable', () => {
    const now = { t: 0 };
    const q = newQueue(now);
    q.add(new PodInfo(makePod('a')));
    const p = q.pop()!;
    const cycle = q.cycle;
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    p.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulableIfNotPresent(p, cycle);
    assert.deepEqual(q.lengths, { active: 0, backoff: 1, unschedulable: 0 });
    q.close();
  });

  it('pods left unschedulable too long are retried by the leftover flush', () => {
    const now = { t: 0 };
    const q = newQueue(now);
    q.add(new PodInfo(makePod('a')));
    const p = q.pop()!;
    p.unschedulablePlugins = new Set(['TaintToleration']);
    q.addUnschedulableIfNotPresent(p, q.cycle);
    now.t += 59_000;
    q.flushUnschedulableLeftover();
    assert.equal(q.lengths.unschedulable, 1);
    now.t += 1_000;
    q.flushUnschedulableLeftover();
    assert.deepEqual(q.lengths, { active: 1, backoff: 0, unschedulable: 0 });
  });

  it('a gated pod waits until its gates are removed; a status-only update does not move it', () => {
    const now = { t: 0 };
    const q = newQueue(now);
    const gated = makePod('g', { spec: { schedulingGates: [{ name: 'example.com/wait' }] } });
    q.add(new PodInfo(gated));
    assert.deepEqual(q.lengths, { active: 0, backoff: 0, unschedulable: 1 });
    q.moveAllToActiveOrBackoffQueue('NodeAdd');
    assert.equal(q.lengths.unschedulable, 1);
    const statusOnly = { ...gated, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } };
    q.update(new PodInfo(gated), new PodInfo(statusOnly));
    assert.equal(q.lengths.unschedulable, 1);
    const ungated = { ...gated, spec: { ...gated.spec, schedulingGates: [] } };
    q.update(new PodInfo(statusOnly), new PodInfo(ungated));
    assert.deepEqual(q.lengths, { active: 1, backoff: 0, unschedulable: 0 });
  });

  it('waitForPod resolves when a pod arrives', async () => {
    const q = newQueue({ t: 0 });
    const w = q.waitForPod();
    q.add(new PodInfo(makePod('a')));
    await w;
    assert.equal(q.pop()!.podInfo.name, 'a');
    q.delete('default/a');
    q.close();
  });
});
