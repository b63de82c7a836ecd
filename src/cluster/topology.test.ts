import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TOPOLOGY, cidrsOverlap, planTopology } from './topology.js';

test('the default plan: host at .1, node i at .(10+i), namespaces and veths named after the cluster', () => {
  const p = planTopology({ ...DEFAULT_TOPOLOGY, nodes: 3 });
  assert.equal(p.hostIP, '172.30.0.1');
  assert.equal(p.hostCIDR, '172.30.0.1/24');
  assert.deepEqual(p.nodePlans.map((n) => [n.nodeName, n.netns, n.hostVeth, n.ipCIDR, n.cgroupRoot]), [
    ['skiff-n1', 'skiff-skiff-n1', 'skiffu0-n1', '172.30.0.11/24', '/skiff-skiff-n1'],
    ['skiff-n2', 'skiff-skiff-n2', 'skiffu0-n2', '172.30.0.12/24', '/skiff-skiff-n2'],
    ['skiff-n3', 'skiff-skiff-n3', 'skiffu0-n3', '172.30.0.13/24', '/skiff-skiff-n3'],
  ]);
  for (const n of p.nodePlans) { assert.ok(n.hostVeth.length <= 15); assert.ok(n.peerVeth.length <= 15); }
});

test('a plan that cannot work is refused before anything is made', () => {
  assert.throws(() => planTopology({ ...DEFAULT_TOPOLOGY, nodes: 0 }), /invalid --nodes/);
  assert.throws(() => planTopology({ ...DEFAULT_TOPOLOGY, nodes: 2, bridge: 'a-very-long-br' }), /underlay bridge name/);
  assert.throws(() => planTopology({ ...DEFAULT_TOPOLOGY, nodes: 2, name: 'Bad_Name' }), /invalid cluster name/);
  assert.throws(() => planTopology({ ...DEFAULT_TOPOLOGY, nodes: 2, clusterCIDR: '10.96.0.0/16' }), /overlap/);
  assert.throws(() => planTopology({ ...DEFAULT_TOPOLOGY, nodes: 2, underlayCIDR: '172.30.0.0/28' }), /too small/);
  assert.throws(() => planTopology({ ...DEFAULT_TOPOLOGY, nodes: 2, underlayCIDR: '172.30.0.0' }), /invalid underlay CIDR/);
});

test('CIDR overlap', () => {
  assert.equal(cidrsOverlap('10.96.0.0/12', '10.100.0.0/16'), true);
  assert.equal(cidrsOverlap('10.96.0.0/12', '10.244.0.0/16'), false);
  assert.equal(cidrsOverlap('172.30.0.0/24', '172.30.0.128/25'), true);
});
