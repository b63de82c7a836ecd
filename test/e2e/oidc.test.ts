/**
 * End-to-end: OIDC ID tokens. The test serves an OpenID issuer (discovery document and JWKS) over
 * HTTPS on loopback with its own CA; skiff runs with --oidc-issuer-url/--oidc-client-id/
 * --oidc-ca-file; kubectl with the ID token is that user (prefixed with the issuer, in the
 * token's groups), RBAC applies to them, and tokens for another client or past their expiry are 401.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectlVersions, kubectl, kubectlOk } from '../support/kubectl.js';
import { createCA, issueCert } from '../../src/apiserver/pki/certs.js';
import { signJWT } from '../../src/apiserver/authentication/jwt.js';
import { kubeconfig } from '../../src/apiserver/pki/cluster-pki.js';

const versions = kubectlVersions();
const bin = versions.find((v) => v.name.startsWith('dispatcher'))?.path ?? versions[0]?.path;

describe('OIDC authentication', { skip: bin ? false : 'no kubectl installed' }, () => {
  let srv: SkiffServer | undefined;
  let issuerServer: Server | undefined;
  let dataDir = '';
  let issuer = '';
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const idToken = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    return signJWT({ iss: issuer, aud: 'skiff', sub: 'dana', iat: now, exp: now + 600, groups: ['platform'], ...claims }, privateKey, 'test-key');
  };
  async function as(token: string, args: string[]) {
    const cfg = join(dataDir, `oidc-${Math.random().toString(36).slice(2)}.kubeconfig`);
    await writeFile(cfg, kubeconfig({ server: srv!.url, caPem: await readFile(join(dataDir, 'pki/ca.crt'), 'utf8'), user: 'oidc', token }), { mode: 0o600 });
    return kubectl(bin!, cfg, args);
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skiff-oidc-'));
    const ca = await createCA('oidc-test-ca');
    const cert = await issueCert(ca, { commonName: 'issuer', ipAddresses: ['127.0.0.1'], usage: 'server' });
    await writeFile(join(dataDir, 'oidc-ca.crt'), ca.certPem);
    issuerServer = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
      else res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => issuerServer!.listen(0, '127.0.0.1', () => r()));
    issuer = `https://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
    srv = await startSkiffServer({ dataDir, args: ['--oidc-issuer-url', issuer, '--oidc-client-id', 'skiff', '--oidc-groups-claim', 'groups',
      '--oidc-groups-prefix', 'oidc:', '--oidc-ca-file', join(dataDir, 'oidc-ca.crt')] });
  });
  after(async () => {
    await srv?.stop();
    await new Promise<void>((r) => (issuerServer ? issuerServer.close(() => r()) : r()));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('an ID token authenticates as issuer#sub with its groups, and RBAC applies', async () => {
    const token = idToken({});
    const who = await as(token, ['auth', 'whoami', '-o', 'json']);
    assert.equal(who.code, 0, who.stderr);
    const u = JSON.parse(who.stdout).status.userInfo;
    assert.equal(u.username, `${issuer}#dana`);
    assert.deepEqual(u.groups, ['oidc:platform', 'system:authenticated']);
    const denied = await as(token, ['get', 'pods', '-n', 'default']);
    assert.match(denied.stderr, /User "https:\/\/127\.0\.0\.1:\d+#dana" cannot list resource "pods"/);
    await kubectlOk(bin!, srv!.kubeconfig, ['create', 'rolebinding', 'platform-view', '-n', 'default', '--clusterrole=view', '--group=oidc:platform']);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await as(token, ['get', 'pods', '-n', 'default']);
      if (r.code === 0) break;
      if (Date.now() > deadline) throw new Error(`the group binding never applied: ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  });

  it('tokens for another client, expired, or signed by another key are 401', async () => {
    for (const t of [idToken({ aud: 'someone-else' }), idToken({ exp: Math.floor(Date.now() / 1000) - 60 }),
      signJWT({ iss: issuer, aud: 'skiff', sub: 'eve', exp: Math.floor(Date.now() / 1000) + 600 }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'test-key')]) {
      const r = await as(t, ['get', 'namespaces']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Unauthorized|must be logged in/);
    }
  });
});
