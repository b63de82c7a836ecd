import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValueFromIntOrPercent } from './fenceposts.js';

const dep = (replicas: number, surge: number | string, unavailable: number | string, type = 'RollingUpdate') =>
  ({ spec: { replicas, strategy: { type, rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } } });

describe('maxSurge / maxUnavailable', () => {
  it('percentages: surge rounds up, unavailable rounds down', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 3), [1, 0]);
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), [3, 2]);
    assert.deepEqual(resolveFenceposts('50%', '50%', 5), [3, 2]);
    assert.equal(scaledValueFromIntOrPercent('10%', 7, true), 1);
    assert.equal(scaledValueFromIntOrPercent('10%', 7, false), 0);
  });

  it('ints are taken as they are; a string without % is an error', () => {
    assert.deepEqual(resolveFenceposts(2, 1, 10), [2, 1]);
    assert.throws(() => scaledValueFromIntOrPercent('5', 10, true), /not a percentage/);
  });

  it('when both come out at zero, one pod may be unavailable', () => {
    assert.deepEqual(resolveFenceposts(0, 0, 4), [0, 1]);
    assert.deepEqual(resolveFenceposts('0%', '10%', 5), [0, 1]);
  });

  it('maxUnavailable never exceeds replicas; Recreate has neither', () => {
    assert.equal(maxUnavailable(dep(3, 0, 5)), 3);
    assert.equal(maxUnavailable(dep(0, 1, 1)), 0);
    assert.equal(maxSurge(dep(10, '25%', '25%', 'Recreate')), 0);
    assert.equal(maxUnavailable(dep(10, '25%', '25%', 'Recreate')), 0);
    assert.equal(maxSurge({ spec: { replicas: 4, strategy: { type: 'RollingUpdate' } } }), 1, 'defaults 25%');
  });
});
