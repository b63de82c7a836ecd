import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OrderedIntervals, completionIndexOf, firstPendingIndexes } from './indexed.js';
import { matchSuccessPolicy } from './success-policy.js';

describe('job completion indexes', () => {
  it('writes indexes as merged ranges', () => {
    assert.equal(OrderedIntervals.of([4, 0, 2, 1]).toString(), '0-2,4');
    assert.equal(OrderedIntervals.of([]).toString(), '');
    assert.equal(OrderedIntervals.of([7]).withIndexes([5, 6, 9]).toString(), '5-7,9');
  });
  it('parses ranges, dropping indexes past completions and malformed parts', () => {
    const s = OrderedIntervals.parse('0-2,4,x,6-9', 8);
    assert.equal(s.toString(), '0-2,4,6-7');
    assert.equal(s.total(), 6);
    assert.ok(s.has(1) && s.has(4) && s.has(7) && !s.has(3) && !s.has(8));
  });
  it('reads the completion index annotation strictly', () => {
    const pod = (v?: string) => ({ metadata: { annotations: v === undefined ? {} : { 'batch.kubernetes.io/job-completion-index': v } } });
    assert.equal(completionIndexOf(pod('3')), 3);
    assert.equal(completionIndexOf(pod('03')), undefined);
    assert.equal(completionIndexOf(pod('-1')), undefined);
    assert.equal(completionIndexOf(pod()), undefined);
  });
  it('picks the first pending indexes', () => {
    const done = OrderedIntervals.of([0, 2]);
    assert.deepEqual(firstPendingIndexes(2, 5, (i) => done.has(i) || i === 1), [3, 4]);
    assert.deepEqual(firstPendingIndexes(9, 3, () => false), [0, 1, 2]);
  });
  it('matches success policy rules', () => {
    const done = OrderedIntervals.of([0, 3, 4]);
    assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '1' }, { succeededIndexes: '2-4', succeededCount: 2 }] }, 5, done), 1);
    assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 4 }] }, 5, done), undefined);
    assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 3 }] }, 5, done), 0);
    assert.equal(matchSuccessPolicy(undefined, 5, done), undefined);
  });
});
