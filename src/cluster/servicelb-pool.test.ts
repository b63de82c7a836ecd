import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AllocationError, PoolAllocator, parsePool, poolContains, poolSize, underlayPool } from './servicelb-pool.js';

describe('servicelb pool', () => {
  it('parses CIDRs (without network and broadcast), ranges, single addresses and lists', () => {
    const p = parsePool('10.1.0.0/29, 10.2.0.5-10.2.0.7,10.3.0.9');
    assert.equal(poolSize(p), 6 + 3 + 1);
    assert.ok(!poolContains(p, '10.1.0.0') && poolContains(p, '10.1.0.1') && poolContains(p, '10.1.0.6') && !poolContains(p, '10.1.0.7'));
    assert.ok(poolContains(p, '10.2.0.7') && poolContains(p, '10.3.0.9') && !poolContains(p, '10.3.0.10'));
    assert.equal(poolSize(parsePool('10.1.0.4/31')), 2);
    assert.equal(poolSize(parsePool('10.1.0.4/32')), 1);
    assert.ok(!poolContains(p, 'nonsense'));
  });

  it('refuses malformed, reversed, empty and overlapping pools', () => {
    for (const bad of ['', '10.0.0.0/33', '10.0.0.300-10.0.0.4', '10.0.0.9-10.0.0.4', 'foo', '10.0.0.0/24,10.0.0.100-10.0.0.110']) {
      assert.throws(() => parsePool(bad), /invalid address pool/, bad);
    }
  });

  it('hands out the lowest free address, one per key, never one twice', () => {
    const a = new PoolAllocator(parsePool('10.0.0.10-10.0.0.12'));
    assert.equal(a.allocate('ns/a'), '10.0.0.10');
    assert.equal(a.allocate('ns/a'), '10.0.0.10', 'stable for its holder');
    assert.equal(a.allocate('ns/b'), '10.0.0.11');
    assert.equal(a.allocate('ns/c'), '10.0.0.12');
    assert.throws(() => a.allocate('ns/d'), (e) => e instanceof AllocationError && /no available IPs/.test(e.message));
    assert.equal(a.release('ns/b'), '10.0.0.11');
    assert.equal(a.allocate('ns/d'), '10.0.0.11');
    assert.equal(new Set(['ns/a', 'ns/c', 'ns/d'].map((k) => a.assigned(k))).size, 3);
    assert.equal(a.inUse, 3);
  });

  it('honours a requested address in the pool when free, and refuses one outside it or held by another', () => {
    const a = new PoolAllocator(parsePool('10.0.0.10-10.0.0.20'));
    assert.equal(a.allocate('ns/a'), '10.0.0.10');
    assert.equal(a.allocate('ns/b', '10.0.0.15'), '10.0.0.15');
    assert.throws(() => a.allocate('ns/c', '10.0.0.15'), /already in use by "ns\/b"/);
    assert.throws(() => a.allocate('ns/c', '10.9.9.9'), /not allowed in config/);
    assert.equal(a.assigned('ns/c'), undefined);
    // Asking for another address moves the holder and frees the old one.
    assert.equal(a.allocate('ns/a', '10.0.0.16'), '10.0.0.16');
    assert.equal(a.holder('10.0.0.10'), undefined);
    assert.equal(a.allocate('ns/c'), '10.0.0.10');
  });

  it('is rebuilt from existing statuses: the first claim wins, outside addresses are not taken', () => {
    const a = new PoolAllocator(parsePool('10.0.0.10-10.0.0.12'));
    assert.equal(a.restore('ns/old', '10.0.0.10'), true);
    assert.equal(a.restore('ns/young', '10.0.0.10'), false);
    assert.equal(a.restore('ns/x', '10.0.0.99'), false);
    assert.equal(a.allocate('ns/young'), '10.0.0.11');
    assert.equal(a.holder('10.0.0.10'), 'ns/old');
  });

  it('skiff up\'s pool sits at the top of the underlay, above the host and the nodes', () => {
    assert.equal(underlayPool('172.30.0.0/24', 3), '172.30.0.200-172.30.0.250');
    assert.equal(underlayPool('172.30.0.0/16', 3), '172.30.0.200-172.30.0.250');
    assert.equal(underlayPool('172.30.0.0/26', 3), '172.30.0.48-172.30.0.62');
    assert.equal(underlayPool('172.30.0.0/26', 45), '172.30.0.56-172.30.0.62');
    assert.throws(() => underlayPool('172.30.0.0/26', 52), /no room/);
  });
});
