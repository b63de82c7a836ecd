import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredHostGwRoutes, diffRoutes, nodeRouteInfo } from './host-gw.js';

const node = (name: string, podCIDR?: string, ip?: string) => ({
  metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  status: { addresses: [...(ip ? [{ type: 'InternalIP', address: ip }] : []), { type: 'Hostname', address: name }] },
});

test('a node needs both a podCIDR and an InternalIP to be routed to', () => {
  assert.deepEqual(nodeRouteInfo(node('a', '10.244.1.0/24', '172.30.0.11')), { podCIDRs: ['10.244.1.0/24'], internalIP: '172.30.0.11' });
  assert.equal(nodeRouteInfo(node('a', undefined, '172.30.0.11')), undefined);
  assert.equal(nodeRouteInfo(node('a', '10.244.1.0/24')), undefined);
  // Dual-stack: only the IPv4 family is routed.
  const ds = { metadata: { name: 'd' }, spec: { podCIDRs: ['10.244.4.0/24', 'fd00:10::/64'] }, status: { addresses: [{ type: 'InternalIP', address: 'fd00::4' }, { type: 'InternalIP', address: '172.30.0.14' }] } };
  assert.deepEqual(nodeRouteInfo(ds), { podCIDRs: ['10.244.4.0/24'], internalIP: '172.30.0.14' });
});

test('every other node\'s podCIDR via its InternalIP, never our own', () => {
  const nodes = [node('n2', '10.244.2.0/24', '172.30.0.12'), node('n1', '10.244.1.0/24', '172.30.0.11'), node('n3', '10.244.3.0/24', '172.30.0.13'), node('n4')];
  assert.deepEqual(desiredHostGwRoutes(nodes, 'n1'), [{ dst: '10.244.2.0/24', via: '172.30.0.12' }, { dst: '10.244.3.0/24', via: '172.30.0.13' }]);
});

test('the diff adds missing routes, moves changed next hops, removes routes of vanished nodes and keeps the rest', () => {
  const current = [{ dst: '10.244.2.0/24', via: '172.30.0.12' }, { dst: '10.244.3.0/24', via: '172.30.0.99' }, { dst: '10.244.9.0/24', via: '172.30.0.19' }, { dst: '10.96.0.0/12', blackhole: true }];
  const desired = [{ dst: '10.244.2.0/24', via: '172.30.0.12' }, { dst: '10.244.3.0/24', via: '172.30.0.13' }, { dst: '10.244.4.0/24', via: '172.30.0.14' }];
  assert.deepEqual(diffRoutes(current, desired), {
    replace: [{ dst: '10.244.3.0/24', via: '172.30.0.13' }, { dst: '10.244.4.0/24', via: '172.30.0.14' }],
    remove: [{ dst: '10.244.9.0/24', via: '172.30.0.19' }],
  });
});
