import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPolicy, nodeRules } from './bootstrap-policy.js';
import { reconcileBootstrapPolicy } from './reconcile.js';
import { ClusterRoleAggregationController } from './aggregation.js';
import { RBACAuthorizer } from './authorizer.js';
import { FakeLoopback } from '../testing/fake-loopback.js';
import { AUTOUPDATE_ANNOTATION, RBAC_GROUP, resourceAttributes } from './types.js';
import type { RequestInfo } from '../../request-info.js';

const res = (verb: string, apiGroup: string, resource: string, namespace = '', name = '', subresource = ''): RequestInfo =>
  resourceAttributes({ verb, apiGroup, resource, namespace, name, subresource });
const url = (verb: string, path: string): RequestInfo =>
  ({ isResourceRequest: false, path, verb, apiPrefix: '', apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', parts: [] });

test('every default object is labelled, annotated, named uniquely, with sorted rule lists', () => {
  const p = bootstrapPolicy();
  const all = [...p.clusterRoles, ...p.clusterRoleBindings, ...p.roles, ...p.roleBindings];
  for (const o of all) {
    assert.equal(o.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', o.metadata.name);
    assert.equal(o.metadata.annotations?.[AUTOUPDATE_ANNOTATION], 'true', o.metadata.name);
  }
  const names = p.clusterRoles.map((r) => r.metadata.name);
  assert.equal(new Set(names).size, names.length);
  for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:aggregate-to-admin', 'system:aggregate-to-edit', 'system:aggregate-to-view',
    'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:monitoring', 'system:node', 'system:node-proxier',
    'system:kube-scheduler', 'system:kube-controller-manager', 'system:kube-dns', 'system:volume-scheduler', 'system:auth-delegator',
    'system:node-bootstrapper', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', 'system:service-account-issuer-discovery',
    'system:controller:deployment-controller', 'system:controller:generic-garbage-collector', 'system:controller:root-ca-cert-publisher']) {
    assert.ok(names.includes(n), n);
  }
  for (const r of p.clusterRoles) for (const rule of r.rules ?? []) {
    for (const k of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const) {
      if (rule[k]) assert.deepEqual(rule[k], [...rule[k]!].sort(), `${r.metadata.name} ${k}`);
    }
  }
  // Every binding points at a role that exists.
  for (const b of p.clusterRoleBindings) assert.ok(names.includes(b.roleRef.name), b.metadata.name);
  for (const b of p.roleBindings) assert.ok(p.roles.some((r) => r.metadata.name === b.roleRef.name && r.metadata.namespace === b.metadata.namespace));
  assert.deepEqual(p.clusterRoles.find((r) => r.metadata.name === 'system:node')!.rules, nodeRules());
  assert.deepEqual(p.clusterRoles.find((r) => r.metadata.name === 'admin')!.aggregationRule,
    { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } }] });
});

test('reconciled and aggregated, the defaults authorize like a fresh Kubernetes cluster', async () => {
  const c = new FakeLoopback();
  await reconcileBootstrapPolicy(c);
  const agg = new ClusterRoleAggregationController(c);
  await agg.start();
  const a = new RBACAuthorizer(c);
  await a.start();
  await a.synced();

  const anon = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
  const someone = { name: 'someone', groups: ['system:authenticated'] };
  const allow = async (u: any, ri: RequestInfo) => (await a.authorize(u, ri)) === 'Allow';
  assert.ok(await allow(anon, url('get', '/healthz')));
  assert.ok(await allow(anon, url('get', '/version')));
  assert.ok(!(await allow(anon, url('get', '/api'))));
  assert.ok(await allow(someone, url('get', '/apis/apps/v1')));
  assert.ok(await allow(someone, res('create', 'authorization.k8s.io', 'selfsubjectaccessreviews')));
  assert.ok(!(await allow(someone, res('list', '', 'pods', 'default'))));
  assert.ok(await allow({ name: 'root', groups: ['system:masters'] }, res('delete', '', 'nodes', '', 'n1')));

  // The user-facing roles, granted in a namespace.
  for (const [user, roleName] of [['ed', 'edit'], ['vi', 'view'], ['ad', 'admin']]) {
    c.put(RBAC_GROUP, 'rolebindings', { metadata: { name: user, namespace: 'team' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName }, subjects: [{ kind: 'User', apiGroup: RBAC_GROUP, name: user }] });
  }
  await new Promise((r) => setImmediate(r));
  await a.synced();
  const ed = { name: 'ed', groups: [] };
  const vi = { name: 'vi', groups: [] };
  const ad = { name: 'ad', groups: [] };
  assert.ok(await allow(ed, res('create', 'apps', 'deployments', 'team')));
  assert.ok(await allow(ed, res('get', '', 'secrets', 'team', 's')));
  assert.ok(await allow(ed, res('create', '', 'pods', 'team', 'p', 'exec')));
  assert.ok(!(await allow(ed, res('create', RBAC_GROUP, 'roles', 'team'))));
  assert.ok(!(await allow(ed, res('update', '', 'resourcequotas', 'team', 'q'))));
  assert.ok(await allow(vi, res('list', '', 'pods', 'team')));
  assert.ok(await allow(vi, res('get', '', 'pods', 'team', 'p', 'log')));
  assert.ok(!(await allow(vi, res('get', '', 'secrets', 'team', 's'))));
  assert.ok(!(await allow(vi, res('delete', '', 'pods', 'team', 'p'))));
  assert.ok(await allow(ad, res('create', RBAC_GROUP, 'rolebindings', 'team')));
  assert.ok(await allow(ad, res('delete', 'apps', 'deployments', 'team', 'd')));
  assert.ok(!(await allow(ad, res('create', RBAC_GROUP, 'rolebindings', 'other'))));

  // System components.
  const sched = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
  assert.ok(await allow(sched, res('create', '', 'pods', 'x', 'p', 'binding')));
  assert.ok(await allow(sched, res('update', 'coordination.k8s.io', 'leases', 'kube-system', 'kube-scheduler')));
  assert.ok(!(await allow(sched, res('update', 'coordination.k8s.io', 'leases', 'kube-system', 'other'))));
  const kcm = { name: 'system:kube-controller-manager', groups: ['system:authenticated'] };
  assert.ok(await allow(kcm, res('watch', 'apps', 'deployments')));
  const dc = { name: 'system:serviceaccount:kube-system:deployment-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };
  assert.ok(await allow(dc, res('create', 'apps', 'replicasets', 'team')));
  assert.ok(await allow(dc, res('update', 'apps', 'deployments', 'team', 'd', 'status')));
  assert.ok(await allow(dc, url('get', '/.well-known/openid-configuration')));
  assert.ok(!(await allow(dc, res('delete', 'apps', 'deployments', 'team', 'd'))));
  assert.ok(await allow({ name: 'system:kube-proxy', groups: [] }, res('watch', 'discovery.k8s.io', 'endpointslices')));
  assert.equal(a.allowedBy(someone, url('get', '/api')), 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"');
  agg.stop();
  a.stop();
});
