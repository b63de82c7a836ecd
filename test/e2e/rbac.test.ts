/**
 * End-to-end: authentication and RBAC with the real kubectl against a real `skiff server`
 * (authorization mode Node,RBAC). Users come from a static token file (alice, bob) and from a
 * client certificate (carol). Covers the seed's RBAC example, `kubectl auth can-i [--list]`,
 * `kubectl auth whoami`, impersonation allowed and refused, escalation prevention, anonymous
 * access and bad credentials.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectlVersions, kubectl, kubectlOk } from '../support/kubectl.js';
import { issueCert } from '../../src/apiserver/pki/certs.js';
import { kubeconfig } from '../../src/apiserver/pki/cluster-pki.js';

const versions = kubectlVersions();
const bin = versions.find((v) => v.name.startsWith('dispatcher'))?.path ?? versions[0]?.path;

const SEED_RBAC = `apiVersion: v1
kind: Namespace
metadata:
  name: doctor-app
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: deployer
  namespace: doctor-app
subjects:
- kind: User
  name: alice
roleRef:
  kind: Role
  name: deployment-creator
  apiGroup: rbac.authorization.k8s.io
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployment-creator
  namespace: doctor-app
rules:
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["create", "update", "get", "list"]
`;

const DEPLOYMENT = (ns: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: doctor-backend
  namespace: ${ns}
spec:
  replicas: 1
  selector:
    matchLabels: {app: doctor-backend}
  template:
    metadata:
      labels: {app: doctor-backend}
    spec:
      containers:
      - name: api
        image: busybox
`;

describe('authentication and RBAC', { skip: bin ? false : 'no kubectl installed' }, () => {
  let srv: SkiffServer;
  let dataDir = '';
  const kc: Record<string, string> = {};
  const admin = (args: string[], input?: string) => kubectlOk(bin!, srv.kubeconfig, args, input);
  const as = (who: string, args: string[], input?: string) => kubectl(bin!, kc[who], args, input);

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skiff-rbac-'));
    const tokens = join(dataDir, 'tokens.csv');
    await writeFile(tokens, 'alice-token-0123456789,alice,1001\nbob-token-0123456789,bob,1002,"devs,ops"\n');
    srv = await startSkiffServer({ dataDir, args: ['--token-auth-file', tokens] });
    const ca = { certPem: await readFile(join(srv.dataDir, 'pki/ca.crt'), 'utf8'), keyPem: await readFile(join(srv.dataDir, 'pki/ca.key'), 'utf8') };
    const carol = await issueCert(ca, { commonName: 'carol', organizations: ['qa'], usage: 'client' });
    for (const [who, cfg] of [
      ['alice', kubeconfig({ server: srv.url, caPem: ca.certPem, user: 'alice', token: 'alice-token-0123456789' })],
      ['bob', kubeconfig({ server: srv.url, caPem: ca.certPem, user: 'bob', token: 'bob-token-0123456789' })],
      ['carol', kubeconfig({ server: srv.url, caPem: ca.certPem, user: 'carol', certPem: carol.certPem, keyPem: carol.keyPem })],
      ['mallory', kubeconfig({ server: srv.url, caPem: ca.certPem, user: 'mallory', token: 'not-a-real-token' })],
    ] as const) {
      kc[who] = join(srv.dataDir, `${who}.kubeconfig`);
      await writeFile(kc[who], cfg, { mode: 0o600 });
    }
  });
  after(async () => {
    await srv?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('the seed RBAC example: alice may create and get deployments in doctor-app, nothing more', async () => {
    await admin(['apply', '-f', '-'], SEED_RBAC);
    const denied = await as('alice', ['-n', 'doctor-app', 'apply', '-f', '-'], DEPLOYMENT('doctor-app'));
    // apply first GETs the object; alice may get deployments, so the create goes through.
    assert.equal(denied.code, 0, denied.stderr);
    assert.match(denied.stdout, /deployment.apps\/doctor-backend created/);
    const got = await as('alice', ['-n', 'doctor-app', 'get', 'deployment', 'doctor-backend', '-o', 'name']);
    assert.equal(got.stdout.trim(), 'deployment.apps/doctor-backend');

    const pods = await as('alice', ['-n', 'doctor-app', 'get', 'pods']);
    assert.notEqual(pods.code, 0);
    assert.match(pods.stderr, /pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "doctor-app"/);

    const other = await as('alice', ['-n', 'default', 'create', '-f', '-'], DEPLOYMENT('default'));
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in the namespace "default"/);

    const del = await as('alice', ['-n', 'doctor-app', 'delete', 'deployment', 'doctor-backend']);
    assert.notEqual(del.code, 0);
    assert.match(del.stderr, /deployments.apps "doctor-backend" is forbidden: User "alice" cannot delete resource "deployments" in API group "apps" in the namespace "doctor-app"/);
  });

  it('kubectl auth can-i and can-i --list, as several users', async () => {
    assert.equal((await as('alice', ['auth', 'can-i', 'create', 'deployments', '-n', 'doctor-app'])).stdout.trim(), 'yes');
    const no = await as('alice', ['auth', 'can-i', 'delete', 'deployments', '-n', 'doctor-app']);
    assert.equal(no.stdout.trim(), 'no');
    assert.equal(no.code, 1);
    const list = (await as('alice', ['auth', 'can-i', '--list', '-n', 'doctor-app'])).stdout;
    assert.match(list, /deployments\.apps\s+\[\]\s+\[\]\s+\[create update get list\]/);
    assert.match(list, /selfsubjectreviews\.authentication\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    const adminList = await admin(['auth', 'can-i', '--list']);
    assert.match(adminList, /\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/);
    const bobList = (await as('bob', ['auth', 'can-i', '--list', '-n', 'doctor-app'])).stdout;
    assert.doesNotMatch(bobList, /deployments/);
  });

  it('kubectl auth whoami: token users, certificate users, groups', async () => {
    const bob = (await as('bob', ['auth', 'whoami', '-o', 'json'])).stdout;
    const u = JSON.parse(bob).status.userInfo;
    assert.equal(u.username, 'bob');
    assert.deepEqual(u.groups, ['devs', 'ops', 'system:authenticated']);
    const carol = JSON.parse((await as('carol', ['auth', 'whoami', '-o', 'json'])).stdout).status.userInfo;
    assert.equal(carol.username, 'carol');
    assert.deepEqual(carol.groups, ['qa', 'system:authenticated']);
  });

  it('impersonation: refused without the impersonate verb, allowed with it', async () => {
    const refused = await as('alice', ['get', 'pods', '-n', 'doctor-app', '--as', 'bob']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope/);
    const masters = await as('alice', ['get', 'pods', '--as', 'alice', '--as-group', 'system:masters']);
    assert.notEqual(masters.code, 0);
    assert.match(masters.stderr, /cannot impersonate resource "(users|groups)"/);
    await admin(['create', 'clusterrole', 'impersonate-bob', '--verb=impersonate', '--resource=users', '--resource-name=bob']);
    await admin(['create', 'clusterrolebinding', 'alice-impersonates-bob', '--clusterrole=impersonate-bob', '--user=alice']);
    const who = await waitFor(async () => {
      const r = await as('alice', ['auth', 'whoami', '--as', 'bob', '-o', 'json']);
      return r.code === 0 ? JSON.parse(r.stdout).status.userInfo : undefined;
    });
    assert.equal(who.username, 'bob');
    // The admin (system:masters) may impersonate anyone.
    assert.equal((await admin(['auth', 'can-i', 'create', 'deployments', '-n', 'doctor-app', '--as', 'alice'])).trim(), 'yes');
  });

  it('escalation: a user who may write Roles cannot grant what they do not hold', async () => {
    await admin(['-n', 'doctor-app', 'create', 'role', 'role-writer', '--verb=create,get,update', '--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io']);
    await admin(['-n', 'doctor-app', 'create', 'rolebinding', 'bob-role-writer', '--role=role-writer', '--user=bob']);
    const grantPods = await waitFor(async () => {
      const r = await as('bob', ['-n', 'doctor-app', 'create', 'role', 'pod-deleter', '--verb=delete', '--resource=pods']);
      return /forbidden/.test(r.stderr) && /attempting to grant RBAC permissions not currently held/.test(r.stderr) ? r : undefined;
    });
    assert.notEqual(grantPods.code, 0);
    // Granting a subset of what bob holds is fine.
    const subset = await as('bob', ['-n', 'doctor-app', 'create', 'role', 'role-reader', '--verb=get', '--resource=roles.rbac.authorization.k8s.io']);
    assert.equal(subset.code, 0, subset.stderr);
    // Binding a role whose rules bob does not hold is refused (no `bind` permission).
    const bind = await as('bob', ['-n', 'doctor-app', 'create', 'rolebinding', 'bob-deployer', '--role=deployment-creator', '--user=bob']);
    assert.notEqual(bind.code, 0);
    assert.match(bind.stderr, /forbidden/);
  });

  it('aggregated ClusterRoles: a role labelled aggregate-to-view extends view, and a binding to view grants it', async () => {
    await admin(['-n', 'doctor-app', 'create', 'rolebinding', 'carol-view', '--clusterrole=view', '--user=carol']);
    // view does not cover leases until a role aggregated into it does.
    assert.equal((await as('carol', ['auth', 'can-i', 'list', 'leases.coordination.k8s.io', '-n', 'doctor-app'])).stdout.trim(), 'no');
    await admin(['apply', '-f', '-'], `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: leases-view
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "list", "watch"]
`);
    await waitFor(async () => {
      const view = JSON.parse(await admin(['get', 'clusterrole', 'view', '-o', 'json']));
      return view.rules.some((r: any) => (r.resources ?? []).includes('leases')) ? true : undefined;
    });
    await waitFor(async () => ((await as('carol', ['auth', 'can-i', 'list', 'leases.coordination.k8s.io', '-n', 'doctor-app'])).stdout.trim() === 'yes' ? true : undefined));
    assert.equal((await as('carol', ['auth', 'can-i', 'list', 'pods', '-n', 'doctor-app'])).stdout.trim(), 'yes');
    assert.equal((await as('carol', ['auth', 'can-i', 'delete', 'pods', '-n', 'doctor-app'])).stdout.trim(), 'no');
    assert.equal((await as('carol', ['auth', 'can-i', 'list', 'secrets', '-n', 'doctor-app'])).stdout.trim(), 'no', 'view does not read secrets');
  });

  it('bad credentials are 401; anonymous users reach only public endpoints', async () => {
    const bad = await as('mallory', ['get', 'pods']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Unauthorized|must be logged in/);
    const anon = await fetchAnon(srv.url + '/version');
    assert.equal(anon.status, 200);
    const pods = await fetchAnon(srv.url + '/api/v1/namespaces/default/pods');
    assert.equal(pods.status, 403);
    assert.match(pods.body, /User \\"system:anonymous\\" cannot list resource \\"pods\\"/);
  });
});

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function fetchAnon(url: string): Promise<{ status: number; body: string }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
