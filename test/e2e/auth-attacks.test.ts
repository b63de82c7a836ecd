/**
 * End-to-end: the attempts an attacker would make against the API server's front door, each
 * refused with 401 or 403 and written to the audit log (audit.k8s.io/v1 JSON lines). Also the
 * ServiceAccount token life cycle: `kubectl create token` authenticates, stops working when the
 * ServiceAccount is deleted, and an expired token is 401.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { writeFile, readFile, mkdtemp, rm } from 'node:fs/promises';
import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectlVersions, kubectl, kubectlOk } from '../support/kubectl.js';
import { createCA, issueCert, type CertPair } from '../../src/apiserver/pki/certs.js';
import { signJWT } from '../../src/apiserver/authentication/jwt.js';

const versions = kubectlVersions();
const bin = versions.find((v) => v.name.startsWith('dispatcher'))?.path ?? versions[0]?.path;

interface Reply { status: number; body: string; auditID?: string }

describe('attacks on authentication and authorization', { skip: bin ? false : 'no kubectl installed' }, () => {
  let srv: SkiffServer;
  let dataDir = '';
  let ca: CertPair;
  const auditPath = () => join(dataDir, 'audit.log');
  const admin = (args: string[], input?: string) => kubectlOk(bin!, srv.kubeconfig, args, input);

  function call(path: string, opts: { token?: string; cert?: CertPair; headers?: Record<string, string>; method?: string; body?: string } = {}): Promise<Reply> {
    const u = new URL(srv.url + path);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body) headers['content-type'] = 'application/json';
      const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? 'GET', ca: ca.certPem, headers,
        ...(opts.cert ? { cert: opts.cert.certPem, key: opts.cert.keyPem } : {}) }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, auditID: res.headers['audit-id'] as string | undefined }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  /** The audit events of one request (by its Audit-Id), waiting until the final stage is written. */
  async function auditEvents(id: string, finalStage = 'ResponseComplete'): Promise<any[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const text = await readFile(auditPath(), 'utf8').catch(() => '');
      const evs = text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.auditID === id);
      if (evs.some((e) => e.stage === finalStage)) return evs;
      if (Date.now() > deadline) throw new Error(`no ${finalStage} audit event for ${id}; got ${JSON.stringify(evs)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skiff-attacks-'));
    await writeFile(join(dataDir, 'tokens.csv'), 'alice-token-0123456789,alice,1001\n');
    await writeFile(join(dataDir, 'audit-policy.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n');
    srv = await startSkiffServer({ dataDir, args: ['--token-auth-file', join(dataDir, 'tokens.csv'),
      '--audit-policy-file', join(dataDir, 'audit-policy.yaml'), '--audit-log-path', join(dataDir, 'audit.log')] });
    ca = { certPem: await readFile(join(dataDir, 'pki/ca.crt'), 'utf8'), keyPem: await readFile(join(dataDir, 'pki/ca.key'), 'utf8') };
    await admin(['create', 'namespace', 'robots']);
    await admin(['-n', 'robots', 'create', 'serviceaccount', 'robot']);
  });
  after(async () => {
    await srv?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function refused(r: Reply, code: 401 | 403, stage = 'ResponseComplete'): Promise<void> {
    assert.equal(r.status, code, r.body);
    const st = JSON.parse(r.body);
    assert.equal(st.kind, 'Status');
    assert.equal(st.reason, code === 401 ? 'Unauthorized' : 'Forbidden');
    assert.ok(r.auditID, 'the answer carries an Audit-Id');
    const evs = await auditEvents(r.auditID!, stage);
    assert.equal(evs.at(-1).responseStatus.code, code);
  }

  it('garbage and oversized bearer tokens are 401 and audited', async () => {
    await refused(await call('/api/v1/namespaces', { token: 'garbage' }), 401, 'ResponseStarted');
    await refused(await call('/api/v1/namespaces', { token: 'x'.repeat(12_000) }), 401, 'ResponseStarted');
    // Headers beyond the server's limit never reach a handler: the HTTP layer refuses them.
    const huge = await call('/api/v1/namespaces', { token: 'x'.repeat(100_000) }).catch(() => ({ status: 431, body: '' }));
    assert.ok([401, 431].includes(huge.status), `status ${huge.status}`);
  });

  it('ServiceAccount tokens: work from kubectl create token, 401 when tampered, alg none, for another audience, expired, or after the ServiceAccount is deleted', async () => {
    const token = (await admin(['-n', 'robots', 'create', 'token', 'robot'])).trim();
    const ok = await call('/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, method: 'POST', body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }) });
    assert.equal(ok.status, 201, ok.body);
    const who = JSON.parse(ok.body).status.userInfo;
    assert.equal(who.username, 'system:serviceaccount:robots:robot');
    assert.ok(who.groups.includes('system:serviceaccounts:robots'));

    const [h, p, s] = token.split('.');
    const flipped = s.slice(0, -4) + (s.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await refused(await call('/api/v1/namespaces', { token: `${h}.${p}.${flipped}` }), 401, 'ResponseStarted');
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await refused(await call('/api/v1/namespaces', { token: `${none}.${p}.` }), 401, 'ResponseStarted');

    const other = (await admin(['-n', 'robots', 'create', 'token', 'robot', '--audience', 'https://somewhere.else'])).trim();
    await refused(await call('/api/v1/namespaces', { token: other }), 401, 'ResponseStarted');

    // A correctly signed token whose time is up.
    const key = createPrivateKey(await readFile(join(dataDir, 'pki/sa.key'), 'utf8'));
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    const expired = signJWT({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600, jti: randomUUID() }, key, JSON.parse(Buffer.from(h, 'base64url').toString()).kid);
    await refused(await call('/api/v1/namespaces', { token: expired }), 401, 'ResponseStarted');
    // Signed by some other key with the same claims.
    const { privateKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await refused(await call('/api/v1/namespaces', { token: signJWT(claims, stranger) }), 401, 'ResponseStarted');

    await admin(['-n', 'robots', 'delete', 'serviceaccount', 'robot']);
    await waitFor(async () => (await call('/api/v1/namespaces', { token })).status === 401);
    await refused(await call('/api/v1/namespaces', { token }), 401, 'ResponseStarted');
  });

  it('bootstrap tokens authenticate as system:bootstrap:<id> until their Secret expires', async () => {
    const secret = (expiration: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
      metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' },
      stringData: { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', expiration } });
    await admin(['apply', '-f', '-'], secret(new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z')));
    const token = 'abcdef.0123456789abcdef';
    const who = await call('/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, method: 'POST', body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }) });
    assert.equal(who.status, 201, who.body);
    const u = JSON.parse(who.body).status.userInfo;
    assert.equal(u.username, 'system:bootstrap:abcdef');
    assert.ok(u.groups.includes('system:bootstrappers'));
    await refused(await call('/api/v1/namespaces', { token: 'abcdef.wrongwrongwrong1' }), 401, 'ResponseStarted');
    await admin(['apply', '-f', '-'], secret(new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')));
    await waitFor(async () => (await call('/version', { token })).status === 401);
  });

  it('certificates from another CA, and expired ones, are 401', async () => {
    const otherCA = await createCA('evil-ca');
    const forged = await issueCert(otherCA, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' });
    await refused(await call('/api/v1/namespaces', { cert: forged }), 401, 'ResponseStarted');
    const expired = await issueCert(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client', validDays: 0.0005 });
    await refused(await call('/api/v1/namespaces', { cert: expired }), 401, 'ResponseStarted');
  });

  it('impersonating system:masters without the right is 403, audited with the real user', async () => {
    const r = await call('/api/v1/namespaces', { token: 'alice-token-0123456789', headers: { 'Impersonate-User': 'alice', 'Impersonate-Group': 'system:masters' } });
    await refused(r, 403);
    const ev = (await auditEvents(r.auditID!)).at(-1);
    assert.equal(ev.user.username, 'alice');
    const plain = await call('/api/v1/namespaces', { token: 'alice-token-0123456789' });
    await refused(plain, 403);
    const ev2 = (await auditEvents(plain.auditID!)).at(-1);
    assert.equal(ev2.annotations['authorization.k8s.io/decision'], 'forbid');
    assert.match(JSON.parse(plain.body).message, /User "alice" cannot list resource "namespaces" in API group "" at the cluster scope/);
  });

  it('a kubelet identity (Node authorizer + NodeRestriction) writes only its own Node and reads no stranger Secrets', async () => {
    const kubelet = await issueCert(ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client' });
    const node = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
    const own = await call('/api/v1/nodes', { cert: kubelet, method: 'POST', body: node('n1') });
    assert.equal(own.status, 201, own.body);
    const other = await call('/api/v1/nodes', { cert: kubelet, method: 'POST', body: node('n2') });
    assert.equal(other.status, 403, other.body);
    assert.match(JSON.parse(other.body).message, /node "n1" is not allowed to modify node "n2"/);
    await admin(['-n', 'robots', 'create', 'secret', 'generic', 'db', '--from-literal=p=x']);
    const secret = await call('/api/v1/namespaces/robots/secrets/db', { cert: kubelet });
    assert.equal(secret.status, 403, 'no pod on n1 uses that Secret');
  });

  it('TokenReview tells who a token belongs to, and that a bad one is not authenticated', async () => {
    const good = JSON.parse(await admin(['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'alice-token-0123456789' } })));
    assert.equal(good.status.authenticated, true);
    assert.equal(good.status.user.username, 'alice');
    const bad = JSON.parse(await admin(['create', '-o', 'json', '-f', '-'], JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'nope' } })));
    assert.equal(bad.status.authenticated, false);
    const r = await kubectl(bin!, srv.kubeconfig, ['get', 'tokenreviews']);
    assert.notEqual(r.code, 0);
  });
});

async function waitFor(fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
