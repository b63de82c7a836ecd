import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BackoffStore } from './backoff.js';

describe('pod failure backoff', () => {
  it('doubles from 10 s per failure since the last success, capped at 6 min', () => {
    const b = new BackoffStore();
    assert.equal(b.remaining('j', 0), 0);
    b.observe('j', [{ uid: 'a', failed: true, finishedAt: 1000 }]);
    assert.equal(b.remaining('j', 1000), 10_000);
    b.observe('j', [{ uid: 'a', failed: true, finishedAt: 1000 }]); // seen already: not counted again
    assert.equal(b.remaining('j', 1000), 10_000);
    b.observe('j', [{ uid: 'b', failed: true, finishedAt: 2000 }, { uid: 'c', failed: true, finishedAt: 3000 }]);
    assert.equal(b.remaining('j', 3000), 40_000);
    for (let i = 0; i < 10; i++) b.observe('j', [{ uid: `x${i}`, failed: true, finishedAt: 3000 }]);
    assert.equal(b.remaining('j', 3000), 360_000);
    b.observe('j', [{ uid: 'ok', failed: false, finishedAt: 4000 }]);
    assert.equal(b.remaining('j', 4000), 0);
  });
});
