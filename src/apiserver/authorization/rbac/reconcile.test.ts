import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcileBootstrapPolicy } from './reconcile.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import { FakeLoopback } from '../testing/fake-loopback.js';
import { AUTOUPDATE_ANNOTATION, RBAC_GROUP } from './types.js';

test('creates every default object (and kube-system), then does nothing on a second run', async () => {
  const c = new FakeLoopback();
  const first = await reconcileBootstrapPolicy(c);
  const p = bootstrapPolicy();
  const total = p.clusterRoles.length + p.clusterRoleBindings.length + p.roles.length + p.roleBindings.length;
  assert.equal(first.filter((r) => r.operation === 'create').length, total);
  assert.ok(await c.get('', 'namespaces', '', 'kube-system'));
  assert.ok(await c.get(RBAC_GROUP, 'roles', 'kube-system', 'system::leader-locking-kube-scheduler'));
  const creates = c.creates;
  const second = await reconcileBootstrapPolicy(c);
  assert.ok(second.every((r) => r.operation === 'none'));
  assert.equal(c.creates, creates);
  assert.equal(c.updates, 0);
});

test('adds what is missing, keeps what users added, leaves protected objects alone', async () => {
  const c = new FakeLoopback();
  await reconcileBootstrapPolicy(c);
  // A user trims system:basic-user and adds a rule of their own.
  await c.update(RBAC_GROUP, 'clusterroles', '', 'system:basic-user', (cur) => {
    cur.rules = [{ verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] }];
    delete cur.metadata.labels;
    return cur;
  });
  // Adds a subject to cluster-admin's binding and drops the default one.
  await c.update(RBAC_GROUP, 'clusterrolebindings', '', 'cluster-admin', (cur) => { cur.subjects = [{ kind: 'User', apiGroup: RBAC_GROUP, name: 'ops' }]; return cur; });
  // Protects system:discovery.
  await c.update(RBAC_GROUP, 'clusterroles', '', 'system:discovery', (cur) => { cur.rules = []; cur.metadata.annotations[AUTOUPDATE_ANNOTATION] = 'false'; return cur; });
  // Points a default binding at another role.
  await c.update(RBAC_GROUP, 'clusterrolebindings', '', 'system:basic-user', (cur) => { cur.roleRef.name = 'view'; return cur; });

  const res = await reconcileBootstrapPolicy(c);
  const op = (kind: string, name: string) => res.find((r) => r.kind === kind && r.name === name)!.operation;
  assert.equal(op('ClusterRole', 'system:basic-user'), 'update');
  assert.equal(op('ClusterRoleBinding', 'cluster-admin'), 'update');
  assert.equal(op('ClusterRole', 'system:discovery'), 'none');
  assert.equal(op('ClusterRoleBinding', 'system:basic-user'), 'recreate');

  const basic = await c.get(RBAC_GROUP, 'clusterroles', '', 'system:basic-user');
  assert.deepEqual(basic.rules, [
    { verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectrulesreviews'], verbs: ['create'] },
    { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
  ]);
  assert.equal(basic.metadata.labels['kubernetes.io/bootstrapping'], 'rbac-defaults');
  assert.deepEqual((await c.get(RBAC_GROUP, 'clusterrolebindings', '', 'cluster-admin')).subjects.map((s: any) => s.name), ['ops', 'system:masters']);
  assert.deepEqual((await c.get(RBAC_GROUP, 'clusterroles', '', 'system:discovery')).rules, []);
  assert.equal((await c.get(RBAC_GROUP, 'clusterrolebindings', '', 'system:basic-user')).roleRef.name, 'system:basic-user');

  const again = await reconcileBootstrapPolicy(c);
  assert.ok(again.every((r) => r.operation === 'none'), 'idempotent');
});
