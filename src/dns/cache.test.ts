import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket, { type Packet } from 'dns-packet';
import { ResponseCache, cacheKey } from './cache.js';

const reply = (o: Partial<Packet>): Packet => ({ id: 1, type: 'response', flags: 0, questions: [{ name: 'a.test', type: 'A' }], answers: [], authorities: [], ...o });
const soa = (ttl: number, minimum: number) => ({ name: 'test', type: 'SOA', ttl, data: { mname: 'ns', rname: 'h', serial: 1, refresh: 1, retry: 1, expire: 1, minimum } });

test('positive answers live for their smallest TTL, counted down on each hit', () => {
  let now = 0;
  const c = new ResponseCache({ now: () => now });
  assert.equal(c.put(cacheKey('A.test.', 'A'), reply({ answers: [{ name: 'a.test', type: 'A', ttl: 30, data: '1.1.1.1' }, { name: 'a.test', type: 'A', ttl: 10, data: '1.1.1.2' }] })), 10);
  now = 4_500;
  const hit = dnsPacket.decode(c.get(cacheKey('a.test', 'A'), 99)!);
  assert.equal(hit.id, 99);
  assert.deepEqual(hit.answers!.map((a) => a.ttl), [26, 6]);
  now = 10_000;
  assert.equal(c.get(cacheKey('a.test', 'A'), 1), undefined);
  assert.equal(c.size, 0);
});

test('negative answers use the SOA negative TTL (min of TTL and MINIMUM), capped', () => {
  const c = new ResponseCache({ maxNegativeTTL: 20 });
  assert.equal(c.put('nx', reply({ flags: 3, authorities: [soa(60, 30)] })), 20);
  assert.equal(c.put('nodata', reply({ authorities: [soa(8, 30)] })), 8);
  assert.equal(c.put('no-soa', reply({ flags: 3 })), 5);
});

test('SERVFAIL and truncated replies are not cached; positive TTL capped; oldest evicted', () => {
  const c = new ResponseCache({ maxEntries: 2, maxTTL: 100 });
  assert.equal(c.put('sf', reply({ flags: 2 })), 0);
  assert.equal(c.put('tc', reply({ flags: dnsPacket.TRUNCATED_RESPONSE, answers: [{ name: 'a', type: 'A', ttl: 5, data: '1.1.1.1' }] })), 0);
  const a = reply({ answers: [{ name: 'a', type: 'A', ttl: 86400, data: '1.1.1.1' }] });
  assert.equal(c.put('k1', a), 100);
  c.put('k2', a);
  c.put('k3', a);
  assert.equal(c.size, 2);
  assert.equal(c.get('k1', 1), undefined);
  assert.ok(c.get('k3', 1));
});
