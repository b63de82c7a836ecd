import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RBACAuthorizer } from './authorizer.js';
import { FakeLoopback, settle } from '../testing/fake-loopback.js';
import { RBAC_GROUP, resourceAttributes } from './types.js';
import type { RequestInfo } from '../../request-info.js';

const alice = { name: 'alice', groups: ['system:authenticated'] };
const res = (verb: string, apiGroup: string, resource: string, namespace = '', name = '', subresource = ''): RequestInfo =>
  resourceAttributes({ verb, apiGroup, resource, namespace, name, subresource });
const url = (verb: string, path: string): RequestInfo =>
  ({ isResourceRequest: false, path, verb, apiPrefix: '', apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', parts: [] });

function role(ns: string, name: string, rules: any[]) { return { kind: 'Role', metadata: { name, namespace: ns }, rules }; }
function clusterRole(name: string, rules: any[]) { return { kind: 'ClusterRole', metadata: { name }, rules }; }
function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', ns: string, name: string, roleKind: string, roleName: string, subjects: any[]) {
  return { kind, metadata: ns ? { name, namespace: ns } : { name }, roleRef: { apiGroup: RBAC_GROUP, kind: roleKind, name: roleName }, subjects };
}
const U = (name: string) => ({ kind: 'User', apiGroup: RBAC_GROUP, name });
const G = (name: string) => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });
const SA = (name: string, namespace?: string) => (namespace ? { kind: 'ServiceAccount', name, namespace } : { kind: 'ServiceAccount', name });

async function setup(objs: [string, any][]): Promise<{ c: FakeLoopback; a: RBACAuthorizer }> {
  const c = new FakeLoopback();
  for (const [r, o] of objs) c.put(RBAC_GROUP, r, o);
  const a = new RBACAuthorizer(c);
  await a.start();
  return { c, a };
}

test('alice with Role deployment-creator in doctor-app: create and get deployments there, nothing else', async () => {
  const { a } = await setup([
    ['roles', role('doctor-app', 'deployment-creator', [{ verbs: ['create', 'get'], apiGroups: ['apps'], resources: ['deployments'] }])],
    ['rolebindings', binding('RoleBinding', 'doctor-app', 'alice-creates', 'Role', 'deployment-creator', [U('alice')])],
  ]);
  assert.equal(a.authorize(alice, res('create', 'apps', 'deployments', 'doctor-app')), 'Allow');
  assert.equal(a.authorize(alice, res('get', 'apps', 'deployments', 'doctor-app', 'web')), 'Allow');
  assert.equal(await a.authorize(alice, res('create', '', 'pods', 'doctor-app')), 'NoOpinion');
  assert.equal(await a.authorize(alice, res('create', 'apps', 'deployments', 'default')), 'NoOpinion');
  assert.equal(await a.authorize(alice, res('delete', 'apps', 'deployments', 'doctor-app', 'web')), 'NoOpinion');
  assert.equal(await a.authorize(alice, res('list', 'apps', 'deployments')), 'NoOpinion', 'a Role never grants cluster-wide');
  assert.equal(await a.authorize({ name: 'bob', groups: [] }, res('create', 'apps', 'deployments', 'doctor-app')), 'NoOpinion');
  assert.equal(a.allowedBy(alice, res('create', 'apps', 'deployments', 'doctor-app')),
    'RBAC: allowed by RoleBinding "alice-creates/doctor-app" of Role "deployment-creator" to User "alice"');
  a.stop();
});

test('a ClusterRole bound by a RoleBinding applies only in that namespace; by a ClusterRoleBinding everywhere', async () => {
  const { a } = await setup([
    ['clusterroles', clusterRole('pod-reader', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }])],
    ['rolebindings', binding('RoleBinding', 'team-a', 'read-pods', 'ClusterRole', 'pod-reader', [U('alice')])],
    ['clusterrolebindings', binding('ClusterRoleBinding', '', 'carol-reads', 'ClusterRole', 'pod-reader', [U('carol')])],
  ]);
  assert.equal(a.authorize(alice, res('list', '', 'pods', 'team-a')), 'Allow');
  assert.equal(await a.authorize(alice, res('list', '', 'pods', 'team-b')), 'NoOpinion');
  assert.equal(await a.authorize(alice, res('list', '', 'pods')), 'NoOpinion');
  const carol = { name: 'carol', groups: [] };
  assert.equal(a.authorize(carol, res('list', '', 'pods')), 'Allow');
  assert.equal(a.authorize(carol, res('get', '', 'pods', 'anywhere', 'p')), 'Allow');
  assert.equal(a.allowedBy(carol, res('list', '', 'pods')), 'RBAC: allowed by ClusterRoleBinding "carol-reads" of ClusterRole "pod-reader" to User "carol"');
});

test('group and ServiceAccount subjects (a RoleBinding SA without namespace means the binding\'s)', async () => {
  const { a } = await setup([
    ['clusterroles', clusterRole('cm-editor', [{ verbs: ['*'], apiGroups: [''], resources: ['configmaps'] }])],
    ['clusterrolebindings', binding('ClusterRoleBinding', '', 'devs', 'ClusterRole', 'cm-editor', [G('devs')])],
    ['rolebindings', binding('RoleBinding', 'ns1', 'sa-local', 'ClusterRole', 'cm-editor', [SA('builder')])],
    ['rolebindings', binding('RoleBinding', 'ns1', 'sa-remote', 'ClusterRole', 'cm-editor', [SA('deployer', 'ci')])],
    ['clusterrolebindings', binding('ClusterRoleBinding', '', 'sa-no-ns', 'ClusterRole', 'cm-editor', [SA('ghost')])],
    ['clusterrolebindings', binding('ClusterRoleBinding', '', 'all-sas', 'ClusterRole', 'cm-editor', [G('system:serviceaccounts:monitoring')])],
  ]);
  const dev = { name: 'dave', groups: ['devs', 'system:authenticated'] };
  assert.equal(a.authorize(dev, res('delete', '', 'configmaps', 'x', 'c')), 'Allow');
  assert.equal(a.allowedBy(dev, res('delete', '', 'configmaps', 'x', 'c')), 'RBAC: allowed by ClusterRoleBinding "devs" of ClusterRole "cm-editor" to Group "devs"');
  const builder = { name: 'system:serviceaccount:ns1:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1'] };
  assert.equal(a.authorize(builder, res('create', '', 'configmaps', 'ns1')), 'Allow');
  assert.equal(a.allowedBy(builder, res('create', '', 'configmaps', 'ns1')), 'RBAC: allowed by RoleBinding "sa-local/ns1" of ClusterRole "cm-editor" to ServiceAccount "builder/ns1"');
  assert.equal(await a.authorize(builder, res('create', '', 'configmaps', 'ns2')), 'NoOpinion');
  const otherBuilder = { name: 'system:serviceaccount:ns2:builder', groups: [] };
  assert.equal(await a.authorize(otherBuilder, res('create', '', 'configmaps', 'ns1')), 'NoOpinion');
  const deployer = { name: 'system:serviceaccount:ci:deployer', groups: [] };
  assert.equal(a.authorize(deployer, res('get', '', 'configmaps', 'ns1', 'c')), 'Allow');
  assert.equal(await a.authorize({ name: 'system:serviceaccount::ghost', groups: [] }, res('get', '', 'configmaps', 'ns1', 'c')), 'NoOpinion');
  const mon = { name: 'system:serviceaccount:monitoring:prom', groups: ['system:serviceaccounts', 'system:serviceaccounts:monitoring'] };
  assert.equal(a.authorize(mon, res('list', '', 'configmaps')), 'Allow');
});

test('resourceNames and nonResourceURLs with *', async () => {
  const { a } = await setup([
    ['roles', role('app', 'one-secret', [{ verbs: ['get', 'update'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db-pass'] }])],
    ['rolebindings', binding('RoleBinding', 'app', 'b', 'Role', 'one-secret', [U('alice')])],
    ['clusterroles', clusterRole('metrics', [{ verbs: ['get'], nonResourceURLs: ['/metrics', '/debug/*'] }])],
    ['clusterrolebindings', binding('ClusterRoleBinding', '', 'm', 'ClusterRole', 'metrics', [U('alice')])],
  ]);
  assert.equal(a.authorize(alice, res('get', '', 'secrets', 'app', 'db-pass')), 'Allow');
  assert.equal(await a.authorize(alice, res('get', '', 'secrets', 'app', 'other')), 'NoOpinion');
  assert.equal(await a.authorize(alice, res('list', '', 'secrets', 'app')), 'NoOpinion');
  assert.equal(a.authorize(alice, url('get', '/metrics')), 'Allow');
  assert.equal(a.authorize(alice, url('get', '/debug/pprof/heap')), 'Allow');
  assert.equal(await a.authorize(alice, url('get', '/debugx')), 'NoOpinion');
  assert.equal(await a.authorize(alice, url('post', '/metrics')), 'NoOpinion');
});

test('changes are picked up; a refusal during a pending reload waits for it', async () => {
  const { c, a } = await setup([]);
  assert.equal(await a.authorize(alice, res('get', '', 'pods', 'x', 'p')), 'NoOpinion');
  c.put(RBAC_GROUP, 'clusterroles', clusterRole('r', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]));
  c.put(RBAC_GROUP, 'clusterrolebindings', binding('ClusterRoleBinding', '', 'b', 'ClusterRole', 'r', [U('alice')]));
  await settle();
  assert.equal(a.authorize(alice, res('get', '', 'pods', 'x', 'p')), 'Allow');
  c.remove(RBAC_GROUP, 'clusterrolebindings', '', 'b');
  await settle();
  assert.equal(await a.authorize(alice, res('get', '', 'pods', 'x', 'p')), 'NoOpinion');
  // Written and checked at once: the pending reload is awaited instead of refusing.
  c.put(RBAC_GROUP, 'clusterrolebindings', binding('ClusterRoleBinding', '', 'b', 'ClusterRole', 'r', [U('alice')]));
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(await a.authorize(alice, res('get', '', 'pods', 'x', 'p')), 'Allow');
  a.stop();
});

test('a binding to a missing role is reported as Kubernetes does', async () => {
  const { a } = await setup([
    ['clusterrolebindings', binding('ClusterRoleBinding', '', 'dangling', 'ClusterRole', 'nope', [U('alice')])],
    ['rolebindings', binding('RoleBinding', 'ns', 'dangling2', 'Role', 'gone', [U('alice')])],
  ]);
  assert.equal(a.allowedBy(alice, res('get', '', 'pods', 'ns', 'p')),
    'RBAC: [clusterrole.rbac.authorization.k8s.io "nope" not found, role.rbac.authorization.k8s.io "gone" not found]');
  const s = a.rulesFor(alice, '');
  assert.equal(s.evaluationError, 'clusterrole.rbac.authorization.k8s.io "nope" not found');
  assert.equal(s.incomplete, false);
});

test('rulesFor: the SelfSubjectRulesReview status', async () => {
  const { a } = await setup([
    ['roles', role('doctor-app', 'deployment-creator', [{ verbs: ['create', 'get'], apiGroups: ['apps'], resources: ['deployments'] }])],
    ['rolebindings', binding('RoleBinding', 'doctor-app', 'b', 'Role', 'deployment-creator', [U('alice')])],
    ['clusterroles', clusterRole('basic', [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] },
      { verbs: ['get'], nonResourceURLs: ['/api', '/api/*'] },
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['x'] },
    ])],
    ['clusterrolebindings', binding('ClusterRoleBinding', '', 'basic', 'ClusterRole', 'basic', [G('system:authenticated')])],
  ]);
  assert.deepEqual(a.rulesFor(alice, 'doctor-app'), {
    resourceRules: [
      { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] },
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['x'] },
      { verbs: ['create', 'get'], apiGroups: ['apps'], resources: ['deployments'] },
    ],
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*'] }],
    incomplete: false,
  });
  assert.equal(a.rulesFor(alice, 'default').resourceRules.length, 2);
});

test('200 roles and 200 bindings: a check is cheap', async () => {
  const objs: [string, any][] = [];
  for (let i = 0; i < 200; i++) {
    objs.push(['roles', role(`ns${i % 20}`, `r${i}`, [{ verbs: ['get', 'list'], apiGroups: [''], resources: [`things${i}`] }])]);
    objs.push(['rolebindings', binding('RoleBinding', `ns${i % 20}`, `b${i}`, 'Role', `r${i}`, [U(`user${i}`), G(`group${i % 7}`)])]);
  }
  const { a } = await setup(objs);
  const u = { name: 'user42', groups: ['group0', 'group3', 'system:authenticated'] };
  assert.equal(a.authorize(u, res('get', '', 'things42', 'ns2', 'x')), 'Allow');
  const t0 = performance.now();
  for (let i = 0; i < 20000; i++) a.authorizeWithReason(u, res('get', '', `things${i % 200}`, `ns${i % 20}`, 'x'));
  const ms = performance.now() - t0;
  assert.ok(ms < 1500, `20000 checks took ${ms}ms`);
});

test('fits the chain: authz.decide reports the RBAC reason', async () => {
  const { decide } = await import('../../authz.js');
  const { a } = await setup([
    ['clusterroles', clusterRole('r', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])],
    ['clusterrolebindings', binding('ClusterRoleBinding', '', 'b', 'ClusterRole', 'r', [U('alice')])],
  ]);
  assert.deepEqual(await decide([a], alice, res('get', '', 'pods', 'x', 'p')),
    { decision: 'Allow', reason: 'RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "r" to User "alice"' });
});
