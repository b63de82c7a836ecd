import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RBACAuthorizer } from './authorizer.js';
import { checkBindingEscalation, checkRoleEscalation, compactRules, covers, type EscalationAuthorizer } from './escalation.js';
import { FakeLoopback } from '../testing/fake-loopback.js';
import { StatusError } from '../../../machinery/status.js';
import { RBAC_GROUP } from './types.js';

const alice = { name: 'alice', groups: ['g', 'system:authenticated'] };
const U = (name: string) => ({ kind: 'User', apiGroup: RBAC_GROUP, name });

async function world(extra: [string, any][] = []): Promise<EscalationAuthorizer & { client: FakeLoopback }> {
  const c = new FakeLoopback();
  c.put(RBAC_GROUP, 'roles', { metadata: { name: 'deployer', namespace: 'doctor-app' }, rules: [
    { verbs: ['create', 'get', 'list'], apiGroups: ['apps'], resources: ['deployments'] },
    { verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/log'] },
  ] });
  c.put(RBAC_GROUP, 'rolebindings', { metadata: { name: 'alice-deployer', namespace: 'doctor-app' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: 'deployer' }, subjects: [U('alice')] });
  for (const [r, o] of extra) c.put(RBAC_GROUP, r, o);
  const rbac = new RBACAuthorizer(c);
  await rbac.start();
  return { client: c, rbac, authorize: (user, attrs) => rbac.authorizeWithReason(user, attrs).decision === 'Allow' };
}

async function refused(p: Promise<void>): Promise<StatusError> {
  try { await p; } catch (e) { assert.ok(e instanceof StatusError); return e; }
  assert.fail('expected a 403');
}

test('covers breaks rules into single pieces; */sub and resourceNames as Kubernetes', () => {
  const owner = [{ verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments', '*/scale'] }];
  assert.deepEqual(covers(owner, [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments', 'replicasets/scale'] }]), [true, []]);
  const [ok, missing] = covers(owner, [{ verbs: ['get', 'delete'], apiGroups: ['apps'], resources: ['deployments'] }]);
  assert.equal(ok, false);
  assert.deepEqual(missing, [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'] }]);
  // Named owner rules cover only named pieces.
  assert.equal(covers([{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }])[0], false);
  assert.equal(covers([{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'] }])[0], true);
  assert.equal(covers([{ verbs: ['get'], nonResourceURLs: ['/api/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/api/v1'] }])[0], true);
  assert.deepEqual(compactRules([
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] },
  ]), [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete', 'patch'] }]);
});

test('a Role with rules alice holds is allowed; one with more is refused with Kubernetes\' message', async () => {
  const w = await world();
  await checkRoleEscalation(w, alice, { kind: 'Role', metadata: { name: 'sub', namespace: 'doctor-app' }, rules: [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }] }, 'doctor-app');
  const e = await refused(checkRoleEscalation(w, alice, { kind: 'Role', metadata: { name: 'x' }, rules: [
    { verbs: ['get', 'delete'], apiGroups: ['apps'], resources: ['deployments'] },
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] },
  ] }, 'doctor-app'));
  assert.equal(e.code, 403);
  assert.equal(e.reason, 'Forbidden');
  assert.equal(e.message, 'roles.rbac.authorization.k8s.io "x" is forbidden: user "alice" (groups=["g" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}\n{APIGroups:["apps"], Resources:["deployments"], Verbs:["delete"]}');
  assert.deepEqual(e.details, { name: 'x', group: RBAC_GROUP, kind: 'roles' });
  // Elsewhere alice holds nothing.
  await refused(checkRoleEscalation(w, alice, { kind: 'Role', metadata: { name: 'y' }, rules: [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }] }, 'default'));
  // A ClusterRole is checked against cluster-wide rules only.
  const ce = await refused(checkRoleEscalation(w, alice, { kind: 'ClusterRole', metadata: { name: 'c' }, rules: [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }] }, ''));
  assert.match(ce.message, /^clusterroles\.rbac\.authorization\.k8s\.io "c" is forbidden: /);
});

test('escalate on roles lets a user write any Role; system:masters always may', async () => {
  const w = await world([
    ['roles', { metadata: { name: 'escalator', namespace: 'doctor-app' }, rules: [{ verbs: ['escalate'], apiGroups: [RBAC_GROUP], resources: ['roles'] }] }],
    ['rolebindings', { metadata: { name: 'alice-escalates', namespace: 'doctor-app' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: 'escalator' }, subjects: [U('alice')] }],
  ]);
  const big = { kind: 'Role', metadata: { name: 'big' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] };
  await checkRoleEscalation(w, alice, big, 'doctor-app');
  await refused(checkRoleEscalation(w, alice, big, 'default'));
  await checkRoleEscalation(w, { name: 'root', groups: ['system:masters'] }, big, 'default');
});

test('aggregationRule needs cluster-admin powers', async () => {
  const w = await world();
  const e = await refused(checkRoleEscalation(w, alice, { kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] }, rules: [] }, ''));
  assert.equal(e.message, 'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule');
});

test('bindings: allowed when alice holds the role\'s rules or may bind it, refused otherwise', async () => {
  const w = await world([
    ['clusterroles', { metadata: { name: 'admin' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] }],
    ['clusterroles', { metadata: { name: 'binder' }, rules: [{ verbs: ['bind'], apiGroups: [RBAC_GROUP], resources: ['clusterroles'], resourceNames: ['admin'] }] }],
    ['rolebindings', { metadata: { name: 'alice-binds', namespace: 'team' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'binder' }, subjects: [U('alice')] }],
  ]);
  const rb = (ns: string, kind: string, name: string) => ({ kind: 'RoleBinding', metadata: { name: 'bob', namespace: ns }, roleRef: { apiGroup: RBAC_GROUP, kind, name }, subjects: [U('bob')] });
  // Holds every rule of deployer.
  await checkBindingEscalation(w, alice, rb('doctor-app', 'Role', 'deployer'), 'doctor-app');
  // May bind admin in team (resourceNames names it), but not in doctor-app.
  await checkBindingEscalation(w, alice, rb('team', 'ClusterRole', 'admin'), 'team');
  const e = await refused(checkBindingEscalation(w, alice, rb('doctor-app', 'ClusterRole', 'admin'), 'doctor-app'));
  assert.equal(e.message, 'rolebindings.rbac.authorization.k8s.io "bob" is forbidden: user "alice" (groups=["g" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
  // A role that does not exist: 404.
  const nf = await refused(checkBindingEscalation(w, alice, rb('doctor-app', 'Role', 'nope'), 'doctor-app'));
  assert.equal(nf.code, 404);
  assert.equal(nf.message, 'roles.rbac.authorization.k8s.io "nope" not found');
  // ClusterRoleBindings check cluster-wide.
  const crb = { kind: 'ClusterRoleBinding', metadata: { name: 'c' }, roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'admin' }, subjects: [U('bob')] };
  assert.match((await refused(checkBindingEscalation(w, alice, crb, ''))).message, /^clusterrolebindings\.rbac\.authorization\.k8s\.io "c" is forbidden/);
  await checkBindingEscalation(w, { name: 'root', groups: ['system:masters'] }, crb, '');
});

test('updates that only touch GC fields are never escalations', async () => {
  const w = await world();
  const old = { kind: 'ClusterRole', metadata: { name: 'c', resourceVersion: '1' }, rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] };
  await checkRoleEscalation(w, alice, { ...old, metadata: { ...old.metadata, finalizers: ['x'] } }, '', old);
  await refused(checkRoleEscalation(w, alice, { ...old, metadata: { ...old.metadata, labels: { a: 'b' } } }, '', old));
});
