import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeAuthorizer, nodeIdentity } from './authorizer.js';
import { podReferences } from './graph.js';
import { FakeLoopback, settle } from '../testing/fake-loopback.js';
import { resourceAttributes } from '../rbac/types.js';
import type { RequestInfo } from '../../request-info.js';

const node1 = { name: 'system:node:node1', groups: ['system:nodes', 'system:authenticated'] };
const node2 = { name: 'system:node:node2', groups: ['system:nodes', 'system:authenticated'] };
const res = (verb: string, apiGroup: string, resource: string, namespace = '', name = '', subresource = ''): RequestInfo =>
  resourceAttributes({ verb, apiGroup, resource, namespace, name, subresource });

const web = {
  metadata: { name: 'web', namespace: 'app' },
  spec: {
    nodeName: 'node1', serviceAccountName: 'web-sa',
    imagePullSecrets: [{ name: 'regcred' }],
    initContainers: [{ name: 'init', envFrom: [{ configMapRef: { name: 'init-env' } }] }],
    containers: [{
      name: 'c',
      env: [{ name: 'PASS', valueFrom: { secretKeyRef: { name: 'db-pass', key: 'p' } } }, { name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'x' } } }],
      envFrom: [{ secretRef: { name: 'env-secret' } }],
    }],
    volumes: [
      { name: 'tls', secret: { secretName: 'tls' } },
      { name: 'conf', configMap: { name: 'conf' } },
      { name: 'proj', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }, { serviceAccountToken: { path: 't' } }] } },
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
    ],
  },
};

async function setup() {
  const c = new FakeLoopback();
  c.put('', 'pods', web);
  c.put('', 'pods', { metadata: { name: 'other', namespace: 'app' }, spec: { nodeName: 'node2', containers: [{ name: 'c' }], volumes: [{ name: 's', secret: { secretName: 'node2-only' } }] } });
  c.put('', 'pods', { metadata: { name: 'pending', namespace: 'app' }, spec: { containers: [{ name: 'c' }], volumes: [{ name: 's', secret: { secretName: 'unscheduled' } }] } });
  c.put('', 'persistentvolumeclaims', { metadata: { name: 'data', namespace: 'app' }, spec: { volumeName: 'pv-1' } });
  const a = new NodeAuthorizer(c);
  await a.start();
  return { c, a };
}

test('nodeIdentity needs both the name prefix and the system:nodes group', () => {
  assert.equal(nodeIdentity(node1), 'node1');
  assert.equal(nodeIdentity({ name: 'system:node:x', groups: [] }), undefined);
  assert.equal(nodeIdentity({ name: 'alice', groups: ['system:nodes'] }), undefined);
});

test('podReferences finds every kind of reference', () => {
  const r = podReferences(web);
  assert.deepEqual(r.secrets.sort(), ['db-pass', 'env-secret', 'proj-secret', 'regcred', 'tls']);
  assert.deepEqual(r.configMaps.sort(), ['conf', 'init-env', 'proj-cm', 'settings']);
  assert.deepEqual(r.pvcs.sort(), ['data', 'web-scratch']);
  assert.equal(r.serviceAccount, 'web-sa');
});

test('a node reads only the secrets and configmaps its pods reference', async () => {
  const { a } = await setup();
  for (const s of ['db-pass', 'env-secret', 'proj-secret', 'regcred', 'tls']) assert.equal(a.authorize(node1, res('get', '', 'secrets', 'app', s)), 'Allow', s);
  assert.equal(a.authorize(node1, res('watch', '', 'secrets', 'app', 'tls')), 'Allow', 'a watch of one named secret');
  assert.equal(await a.authorize(node1, res('get', '', 'secrets', 'app', 'node2-only')), 'NoOpinion');
  assert.equal(await a.authorize(node2, res('get', '', 'secrets', 'app', 'node2-only')), 'Allow');
  assert.equal(await a.authorize(node1, res('get', '', 'secrets', 'app', 'unscheduled')), 'NoOpinion');
  assert.equal(await a.authorize(node1, res('get', '', 'secrets', 'other-ns', 'tls')), 'NoOpinion');
  assert.equal(await a.authorize(node1, res('list', '', 'secrets', 'app')), 'NoOpinion');
  assert.equal(await a.authorize(node1, res('update', '', 'secrets', 'app', 'tls')), 'NoOpinion');
  assert.deepEqual(a.authorizeWithReason(node1, res('get', '', 'secrets', 'app', 'node2-only')),
    { decision: 'NoOpinion', reason: "no relationship found between node 'node1' and this object" });
  assert.equal(a.authorize(node1, res('get', '', 'configmaps', 'app', 'settings')), 'Allow');
  assert.equal(await a.authorize(node1, res('get', '', 'configmaps', 'app', 'kube-root-ca.crt')), 'NoOpinion');
  // Not a node: no opinion at all.
  assert.equal(a.authorize({ name: 'alice', groups: [] }, res('get', '', 'secrets', 'app', 'tls')), 'NoOpinion');
});

test('PVCs, PVs and service account tokens through the pods', async () => {
  const { a } = await setup();
  assert.equal(a.authorize(node1, res('get', '', 'persistentvolumeclaims', 'app', 'data')), 'Allow');
  assert.equal(a.authorize(node1, res('get', '', 'persistentvolumeclaims', 'app', 'web-scratch')), 'Allow');
  assert.equal(a.authorize(node1, res('patch', '', 'persistentvolumeclaims', 'app', 'data', 'status')), 'Allow');
  assert.equal(await a.authorize(node1, res('list', '', 'persistentvolumeclaims', 'app')), 'NoOpinion');
  assert.equal(a.authorize(node1, res('get', '', 'persistentvolumes', '', 'pv-1')), 'Allow');
  assert.equal(await a.authorize(node1, res('get', '', 'persistentvolumes', '', 'pv-2')), 'NoOpinion');
  assert.equal(a.authorize(node1, res('create', '', 'serviceaccounts', 'app', 'web-sa', 'token')), 'Allow');
  assert.equal(await a.authorize(node1, res('create', '', 'serviceaccounts', 'app', 'default', 'token')), 'NoOpinion');
  assert.equal(await a.authorize(node2, res('create', '', 'serviceaccounts', 'app', 'default', 'token')), 'Allow');
  assert.equal(await a.authorize(node1, res('get', '', 'serviceaccounts', 'app', 'web-sa')), 'NoOpinion');
});

test('nodes, leases, pods, events and the static node rules', async () => {
  const { a } = await setup();
  assert.equal(a.authorize(node1, res('list', '', 'nodes')), 'Allow');
  assert.equal(a.authorize(node1, res('get', '', 'nodes', '', 'node2')), 'Allow');
  assert.equal(a.authorize(node1, res('create', '', 'nodes')), 'Allow');
  assert.equal(a.authorize(node1, res('patch', '', 'nodes', '', 'node1', 'status')), 'Allow');
  assert.equal(a.authorize(node1, res('update', '', 'nodes', '', 'node1')), 'Allow');
  assert.equal(await a.authorize(node1, res('patch', '', 'nodes', '', 'node2', 'status')), 'NoOpinion');
  assert.equal(await a.authorize(node1, res('delete', '', 'nodes', '', 'node1')), 'NoOpinion');
  assert.equal(a.authorize(node1, res('update', 'coordination.k8s.io', 'leases', 'kube-node-lease', 'node1')), 'Allow');
  assert.equal(a.authorize(node1, res('create', 'coordination.k8s.io', 'leases', 'kube-node-lease')), 'Allow');
  assert.equal(await a.authorize(node1, res('update', 'coordination.k8s.io', 'leases', 'kube-node-lease', 'node2')), 'NoOpinion');
  assert.equal(await a.authorize(node1, res('get', 'coordination.k8s.io', 'leases', 'kube-system', 'node1')), 'NoOpinion');
  assert.equal(a.authorize(node1, res('watch', '', 'pods')), 'Allow');
  assert.equal(a.authorize(node1, res('get', '', 'pods', 'app', 'other')), 'Allow');
  assert.equal(a.authorize(node1, res('create', '', 'pods', 'kube-system')), 'Allow');
  assert.equal(a.authorize(node1, res('delete', '', 'pods', 'app', 'web')), 'Allow');
  assert.equal(await a.authorize(node1, res('delete', '', 'pods', 'app', 'other')), 'NoOpinion');
  assert.equal(a.authorize(node1, res('patch', '', 'pods', 'app', 'web', 'status')), 'Allow');
  assert.equal(await a.authorize(node1, res('update', '', 'pods', 'app', 'other', 'status')), 'NoOpinion');
  assert.equal(await a.authorize(node1, res('update', '', 'pods', 'app', 'web')), 'NoOpinion');
  assert.equal(a.authorize(node1, res('create', '', 'events', 'app')), 'Allow');
  assert.equal(a.authorize(node1, res('patch', '', 'events', 'app', 'e')), 'Allow');
  assert.equal(a.authorize(node1, res('create', 'certificates.k8s.io', 'certificatesigningrequests')), 'Allow');
  assert.equal(a.authorize(node1, res('watch', '', 'services')), 'Allow');
  assert.equal(await a.authorize(node1, res('list', 'apps', 'deployments')), 'NoOpinion');
  assert.equal(a.rulesFor(node1).incomplete, true);
});

test('a pod bound a moment ago is honoured (the pending rebuild is awaited)', async () => {
  const { c, a } = await setup();
  assert.equal(await a.authorize(node1, res('get', '', 'secrets', 'app', 'late')), 'NoOpinion');
  c.put('', 'pods', { metadata: { name: 'late', namespace: 'app' }, spec: { nodeName: 'node1', containers: [{ name: 'c' }], volumes: [{ name: 's', secret: { secretName: 'late' } }] } });
  await Promise.resolve();
  assert.equal(await a.authorize(node1, res('get', '', 'secrets', 'app', 'late')), 'Allow');
  // And unbinding takes access away.
  c.remove('', 'pods', 'app', 'late');
  await settle();
  assert.equal(await a.authorize(node1, res('get', '', 'secrets', 'app', 'late')), 'NoOpinion');
  a.stop();
});
