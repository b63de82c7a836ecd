import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planPods } from './manage.js';
import { OrderedIntervals } from './indexed.js';

const pod = (name: string, index?: number, created = '2024-01-01T00:00:00Z') => ({
  metadata: { name, uid: name, creationTimestamp: created, annotations: index === undefined ? {} : { 'batch.kubernetes.io/job-completion-index': String(index) } },
  status: { phase: 'Running' },
});
const base = { terminating: [], pods: [], succeeded: 0, succeededIndexes: OrderedIntervals.empty(), failedIndexes: OrderedIntervals.empty() };

describe('job pod management plan', () => {
  it('runs min(parallelism, remaining completions)', () => {
    assert.equal(planPods({ ...base, job: { spec: { parallelism: 2, completions: 3 } }, active: [] }).create, 2);
    assert.equal(planPods({ ...base, job: { spec: { parallelism: 2, completions: 3 } }, active: [pod('a')], succeeded: 2 }).create, 0);
    const p = planPods({ ...base, job: { spec: { parallelism: 1, completions: 3 } }, active: [pod('a', undefined, '2024-01-01T00:00:00Z'), pod('b', undefined, '2024-01-02T00:00:00Z')] });
    assert.deepEqual(p.remove.map((x) => x.metadata.name), ['b']);
  });
  it('without completions stops adding pods after the first success', () => {
    assert.equal(planPods({ ...base, job: { spec: { parallelism: 3 } }, active: [] }).create, 3);
    assert.equal(planPods({ ...base, job: { spec: { parallelism: 3 } }, active: [pod('a')], succeeded: 1 }).create, 0);
  });
  it('a suspended job runs nothing', () => {
    assert.equal(planPods({ ...base, job: { spec: { parallelism: 2, completions: 3, suspend: true } }, active: [pod('a')] }).remove.length, 1);
  });
  it('an Indexed job creates pending indexes and removes duplicates', () => {
    const job = { spec: { parallelism: 3, completions: 5, completionMode: 'Indexed' } };
    const p = planPods({ ...base, job, active: [pod('a', 1)], succeededIndexes: OrderedIntervals.of([0]) });
    assert.deepEqual(p.createIndexes.map((c) => c.index), [2, 3]);
    const d = planPods({ ...base, job, active: [pod('a', 1), pod('b', 1), pod('c', 0)], succeededIndexes: OrderedIntervals.of([0]) });
    assert.equal(d.remove.length, 2);
    assert.equal(d.createIndexes.length, 0);
  });
  it('podReplacementPolicy Failed waits for terminating pods', () => {
    const job = { spec: { parallelism: 2, completions: 4, podReplacementPolicy: 'Failed' } };
    assert.equal(planPods({ ...base, job, active: [], terminating: [pod('t')] }).create, 1);
  });
});
