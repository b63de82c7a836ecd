import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeLoopback } from '../../registry/testing/fake-loopback.js';
import { nodeRestrictionPlugin } from './admission.js';

const kubelet = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const attrs = (over: Record<string, unknown>) => ({ operation: 'CREATE', group: '', version: 'v1', kind: 'Pod', resource: 'pods', subresource: '', namespace: 'default',
  name: '', object: null, oldObject: null, dryRun: false, user: kubelet, ...over }) as any;
const rejects = (p: Promise<void>, re: RegExp) => assert.rejects(p, (e: any) => e.code === 403 && re.test(e.message));

test('a kubelet may touch only its own Node and Lease', async () => {
  const p = nodeRestrictionPlugin(new FakeLoopback());
  await p.validate!(attrs({ kind: 'Node', resource: 'nodes', namespace: '', name: 'n1', object: { metadata: { name: 'n1' } } }));
  await rejects(p.validate!(attrs({ operation: 'UPDATE', kind: 'Node', resource: 'nodes', namespace: '', name: 'n2', object: { metadata: { name: 'n2' } } })), /node "n1" is not allowed to modify node "n2"/);
  await p.validate!(attrs({ group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', object: { metadata: { name: 'n1' } } }));
  await rejects(p.validate!(attrs({ group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', object: { metadata: { name: 'n2' } } })), /same name as the requesting node/);
});

test('a kubelet creates only mirror pods bound to itself, without secrets; changes only its own pods\' status', async () => {
  const c = new FakeLoopback();
  c.put('', 'pods', { metadata: { name: 'mine', namespace: 'default' }, spec: { nodeName: 'n1' } });
  c.put('', 'pods', { metadata: { name: 'theirs', namespace: 'default' }, spec: { nodeName: 'n2' } });
  const p = nodeRestrictionPlugin(c);
  const mirror = (spec: any) => ({ metadata: { name: 'static-web', annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }], ...spec } });
  await p.validate!(attrs({ object: mirror({}) }));
  await rejects(p.validate!(attrs({ object: { metadata: { name: 'plain' }, spec: { nodeName: 'n1' } } })), /can only create mirror pods/);
  await rejects(p.validate!(attrs({ object: mirror({ nodeName: 'n2' }) })), /spec.nodeName set to itself/);
  await rejects(p.validate!(attrs({ object: mirror({ volumes: [{ name: 's', secret: { secretName: 'db' } }] }) })), /reference secrets/);
  await p.validate!(attrs({ operation: 'UPDATE', subresource: 'status', name: 'mine', object: {}, oldObject: { spec: { nodeName: 'n1' } } }));
  await rejects(p.validate!(attrs({ operation: 'UPDATE', subresource: 'status', name: 'theirs', object: {}, oldObject: { spec: { nodeName: 'n2' } } })), /can only update pods with spec.nodeName set to itself/);
  await rejects(p.validate!(attrs({ operation: 'DELETE', name: 'theirs' })), /can only delete pods/);
  await p.validate!(attrs({ operation: 'DELETE', name: 'mine' }));
});

test('users who are not nodes are not this plugin\'s business', () => {
  const p = nodeRestrictionPlugin(new FakeLoopback());
  assert.equal(p.handles(attrs({ user: { name: 'alice', groups: ['system:authenticated'] } })), false);
  assert.equal(p.handles(attrs({})), true);
});
