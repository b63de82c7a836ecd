import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createCA, issueCert } from '../pki/certs.js';
import { signJWT } from './jwt.js';
import { rejectionReason } from './token.js';
import { OIDCAuthenticator, type OIDCOptions } from './oidc.js';

const k1 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const k2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

let server: https.Server;
let issuer = '';
let caPEM = '';
let discoveryIssuer: string | undefined;
let jwks: { keys: Record<string, unknown>[] } = { keys: [] };
let hits = { discovery: 0, jwks: 0 };

const jwk = (k: KeyObject, kid: string, alg = 'RS256') => ({ ...k.export({ format: 'jwk' }), kid, alg, use: 'sig' });

before(async () => {
  const ca = await createCA('test-oidc-ca');
  const leaf = await issueCert(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], usage: 'server' });
  caPEM = ca.certPem;
  server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      hits.discovery++;
      res.end(JSON.stringify({ issuer: discoveryIssuer ?? issuer, jwks_uri: `${issuer}/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url === '/keys') {
      hits.jwks++;
      res.end(JSON.stringify(jwks));
    } else { res.statusCode = 404; res.end('{}'); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function reset() {
  jwks = { keys: [jwk(k1.publicKey, 'k1')] };
  hits = { discovery: 0, jwks: 0 };
  discoveryIssuer = undefined;
}

function authn(o: Partial<OIDCOptions> = {}) {
  return new OIDCAuthenticator({ issuerURL: issuer, clientID: 'kubernetes', caPEM, ...o });
}

function idToken(claims: Record<string, unknown> = {}, key: KeyObject = k1.privateKey, kid = 'k1') {
  const now = Math.floor(Date.now() / 1000);
  return signJWT({ iss: issuer, aud: 'kubernetes', sub: 'u-123', iat: now, exp: now + 600, ...claims }, key, kid);
}

async function rejects(p: Promise<unknown>, why: RegExp) {
  await assert.rejects(p, (e: any) => { assert.equal(e.code, 401); assert.match(rejectionReason(e), why); return true; });
}

test('a good ID token: default prefix issuer#, groups with prefix', async () => {
  reset();
  const a = authn({ groupsClaim: 'groups', groupsPrefix: 'oidc:' });
  const r = await a.authenticateToken(idToken({ groups: ['dev', 'ops'] }), ['api']);
  assert.deepEqual(r, { user: { name: `${issuer}#u-123`, groups: ['oidc:dev', 'oidc:ops', 'system:authenticated'] }, audiences: ['api'] });
  // Keys are cached: a second token does not fetch again.
  assert.ok(await a.authenticateToken(idToken({ groups: 'solo' }), []));
  assert.deepEqual(hits, { discovery: 1, jwks: 1 });
  assert.deepEqual((await a.authenticateToken(idToken({ groups: 'solo' }), []))!.user.groups, ['oidc:solo', 'system:authenticated']);
});

test('email claim: no prefix, email_verified must not be false', async () => {
  reset();
  const a = authn({ usernameClaim: 'email' });
  assert.equal((await a.authenticateToken(idToken({ email: 'jane@example.com', email_verified: true }), []))!.user.name, 'jane@example.com');
  assert.equal((await a.authenticateToken(idToken({ email: 'jane@example.com' }), []))!.user.name, 'jane@example.com');
  await rejects(a.authenticateToken(idToken({ email: 'jane@example.com', email_verified: false }), []), /email not verified/);
  await rejects(a.authenticateToken(idToken({}), []), /claim not present/);
  const b = authn({ usernameClaim: 'preferred_username', usernamePrefix: '-' });
  assert.equal((await b.authenticateToken(idToken({ preferred_username: 'jane' }), []))!.user.name, 'jane');
  const c = authn({ usernamePrefix: 'oidc:' });
  assert.equal((await c.authenticateToken(idToken(), []))!.user.name, 'oidc:u-123');
});

test('rejections: audience, expiry, signature, alg, required claims', async () => {
  reset();
  const a = authn({ requiredClaims: { hd: 'example.com' } });
  assert.ok(await a.authenticateToken(idToken({ hd: 'example.com' }), []));
  await rejects(a.authenticateToken(idToken({ hd: 'evil.com' }), []), /required claim hd value does not match. Got = evil.com, want = example.com/);
  await rejects(a.authenticateToken(idToken(), []), /required claim hd not present/);
  const b = authn();
  assert.ok(await b.authenticateToken(idToken({ aud: ['other', 'kubernetes'] }), []));
  await rejects(b.authenticateToken(idToken({ aud: 'other' }), []), /expected audience "kubernetes"/);
  await rejects(b.authenticateToken(idToken({ exp: Math.floor(Date.now() / 1000) - 5 }), []), /expired/);
  await rejects(b.authenticateToken(idToken({ exp: undefined }), []), /expired/);
  await rejects(b.authenticateToken(idToken({ nbf: Math.floor(Date.now() / 1000) + 3600 }), []), /nbf/);
  const good = idToken();
  const [h, p, s] = good.split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'admin' })).toString('base64url');
  await rejects(b.authenticateToken(`${h}.${forged}.${s}`, []), /failed to verify signature/);
  await rejects(b.authenticateToken(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.${s}`, []), /unsupported algorithm/);
  await rejects(b.authenticateToken(`${Buffer.from('{"alg":"HS256","kid":"k1"}').toString('base64url')}.${p}.${s}`, []), /unsupported algorithm/);
  // ES256 is refused unless --oidc-signing-algs allows it.
  jwks.keys.push(jwk(ecKey.publicKey, 'e1', 'ES256'));
  const es = idToken({}, ecKey.privateKey, 'e1');
  await rejects(b.authenticateToken(es, []), /unsupported algorithm/);
  assert.ok(await authn({ signingAlgs: ['RS256', 'ES256'] }).authenticateToken(es, []));
});

test('not mine: other issuers and garbage are null', async () => {
  reset();
  const a = authn();
  assert.equal(await a.authenticateToken(idToken({ iss: 'https://accounts.example.com' }), []), null);
  assert.equal(await a.authenticateToken('garbage', []), null);
  assert.equal(await a.authenticateToken('abcdef.0123456789abcdef', []), null);
  assert.deepEqual(hits, { discovery: 0, jwks: 0 });
});

test('key rotation refetches once; unknown keys are rate-limited', async () => {
  reset();
  const a = authn({ minRefetchIntervalMs: 60_000 });
  assert.ok(await a.authenticateToken(idToken(), []));
  assert.equal(hits.jwks, 1);
  // A token signed with a key the issuer does not publish: no refetch within the interval.
  await rejects(a.authenticateToken(idToken({}, k2.privateKey, 'k2'), []), /failed to verify signature/);
  await rejects(a.authenticateToken(idToken({}, k2.privateKey, 'k2'), []), /failed to verify signature/);
  assert.equal(hits.jwks, 1);

  reset();
  const b = authn({ minRefetchIntervalMs: 0 });
  assert.ok(await b.authenticateToken(idToken(), []));
  jwks = { keys: [jwk(k2.publicKey, 'k2')] }; // the issuer rotates
  assert.ok(await b.authenticateToken(idToken({}, k2.privateKey, 'k2'), []));
  assert.equal(hits.jwks, 2);
  assert.equal(b.jwksFetches, 2);
  // Concurrent tokens with an unknown key share one fetch.
  jwks = { keys: [jwk(k1.publicKey, 'k1')] };
  await Promise.all([1, 2, 3].map(() => b.authenticateToken(idToken(), [])));
  assert.equal(hits.jwks, 3);
});

test('discovery problems: wrong issuer, untrusted certificate, http issuer', async () => {
  reset();
  discoveryIssuer = 'https://someone-else';
  await rejects(authn().authenticateToken(idToken(), []), /issuer did not match/);
  reset();
  await rejects(authn({ caPEM: undefined }).authenticateToken(idToken(), []), /not initialized/);
  assert.throws(() => new OIDCAuthenticator({ issuerURL: 'http://127.0.0.1:1', clientID: 'k' }), /must use https/);
  assert.throws(() => new OIDCAuthenticator({ issuerURL: issuer, clientID: '' }), /client-id/);
  // initialize() at start-up fetches both documents.
  const a = authn();
  await a.initialize();
  assert.deepEqual(hits, { discovery: 1, jwks: 1 });
});
