import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CIDRSet } from './cidrset.js';

test('10.244.0.0/16 cut into /24 blocks: taken ones are skipped, exhaustion answers undefined, released ones come back', () => {
  const s = new CIDRSet('10.244.0.0/16', 24);
  assert.equal(s.capacity, 256);
  assert.ok(s.occupy('10.244.0.0/24'));
  assert.equal(s.allocateNext(), '10.244.1.0/24');
  assert.equal(s.allocateNext(), '10.244.2.0/24');
  assert.equal(s.occupy('10.245.0.0/24'), false);
  const t = new CIDRSet('10.0.0.0/30', 31);
  assert.equal(t.allocateNext(), '10.0.0.0/31');
  assert.equal(t.allocateNext(), '10.0.0.2/31');
  assert.equal(t.allocateNext(), undefined);
  t.release('10.0.0.0/31');
  assert.equal(t.allocateNext(), '10.0.0.0/31');
});
