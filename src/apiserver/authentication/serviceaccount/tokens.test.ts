import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { fakeLoopback, type FakeLoopback } from '../fake-loopback.js';
import { serviceAccountKeysFromPEM } from './keys.js';
import { parseJWS, signJWT } from '../jwt.js';
import { rejectionReason } from '../token.js';
import {
  serviceAccountTokenAuthenticator, issueBoundToken, issueLegacyToken, splitUsername, DefaultServiceAccountIssuer, LegacyIssuer,
} from './tokens.js';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const keys = serviceAccountKeysFromPEM(pem);
const otherKeys = serviceAccountKeysFromPEM(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
const ISS = DefaultServiceAccountIssuer;

function world(): { c: FakeLoopback; sa: any; pod: any } {
  const c = fakeLoopback();
  const sa = c.put('', 'serviceaccounts', { metadata: { name: 'builder', namespace: 'ci' } });
  const pod = c.put('', 'pods', { metadata: { name: 'p1', namespace: 'ci' }, spec: { serviceAccountName: 'builder', nodeName: 'n1' } });
  return { c, sa, pod };
}

async function rejects(p: Promise<unknown>, why: RegExp) {
  await assert.rejects(p, (e: any) => { assert.equal(e.code, 401); assert.equal(e.message, 'Unauthorized'); assert.match(rejectionReason(e), why); return true; });
}

test('splitUsername', () => {
  assert.deepEqual(splitUsername('system:serviceaccount:ns:name'), { namespace: 'ns', name: 'name' });
  for (const bad of ['system:serviceaccount:ns', 'system:serviceaccount:ns:a:b', 'user:ns:name', 'system:serviceaccount:NS:name']) assert.equal(splitUsername(bad), null);
});

test('bound token: claims look like Kubernetes and authenticate with pod and node extra', async () => {
  const { c, sa, pod } = world();
  const node = c.put('', 'nodes', { metadata: { name: 'n1' } });
  const tok = issueBoundToken(keys, ISS, sa, { audiences: [ISS], expirationSeconds: 3600, pod: { name: 'p1', uid: pod.metadata.uid }, node: { name: 'n1', uid: node.metadata.uid } });
  const p = parseJWS(tok);
  assert.deepEqual(p.header, { alg: 'RS256', kid: keys.kid });
  assert.deepEqual(Object.keys(p.claims), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
  assert.deepEqual(p.claims.aud, [ISS]);
  assert.equal((p.claims.exp as number) - (p.claims.iat as number), 3600);
  assert.deepEqual(p.claims['kubernetes.io'], { namespace: 'ci', node: { name: 'n1', uid: node.metadata.uid }, pod: { name: 'p1', uid: pod.metadata.uid }, serviceaccount: { name: 'builder', uid: sa.metadata.uid } });

  const a = serviceAccountTokenAuthenticator({ client: c, keys });
  const r = await a.authenticateToken(tok, [ISS]);
  assert.deepEqual(r, {
    audiences: [ISS],
    user: {
      name: 'system:serviceaccount:ci:builder', uid: sa.metadata.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
      extra: {
        'authentication.kubernetes.io/pod-name': ['p1'], 'authentication.kubernetes.io/pod-uid': [pod.metadata.uid],
        'authentication.kubernetes.io/credential-id': [`JTI=${p.claims.jti}`],
        'authentication.kubernetes.io/node-name': ['n1'], 'authentication.kubernetes.io/node-uid': [node.metadata.uid],
      },
    },
  });
  // An empty list of requested audiences means the server's own.
  assert.deepEqual((await a.authenticateToken(tok, []))!.audiences, [ISS]);
});

test('bound token: rejections', async () => {
  const { c, sa, pod } = world();
  const a = serviceAccountTokenAuthenticator({ client: c, keys, issuers: [ISS, 'https://old'], implicitAudiences: [ISS, 'api'] });
  const bound = (o: any = {}) => issueBoundToken(keys, ISS, sa, { audiences: [ISS], expirationSeconds: 3600, pod: { name: 'p1', uid: pod.metadata.uid }, ...o });
  const good = bound();
  assert.ok(await a.authenticateToken(good, [ISS]));

  const [h, pl, s] = good.split('.');
  const sig = Buffer.from(s, 'base64url'); sig[0] ^= 0xff;
  await rejects(a.authenticateToken(`${h}.${pl}.${sig.toString('base64url')}`, [ISS]), /invalid signature/);
  await rejects(a.authenticateToken(issueBoundToken(otherKeys, ISS, sa, { audiences: [ISS], expirationSeconds: 3600 }), [ISS]), /invalid signature/);
  // alg none: with no signature it is not even a JWS (null, as Kubernetes' parse failure); with one, refused.
  const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${pl}`;
  assert.equal(await a.authenticateToken(`${none}.`, [ISS]), null);
  await rejects(a.authenticateToken(`${none}.${s}`, [ISS]), /unsupported signing algorithm "none"/);
  const hs = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${pl}`;
  await rejects(a.authenticateToken(`${hs}.${s}`, [ISS]), /unsupported signing algorithm "HS256"/);
  await rejects(a.authenticateToken(bound({ audiences: ['vault'] }), [ISS]), /token audiences \["vault"\] is invalid for the target audiences \["https:\/\/kubernetes.default.svc.cluster.local"\]/);
  assert.deepEqual((await a.authenticateToken(bound({ audiences: ['vault', 'api'] }), ['api', ISS]))!.audiences, ['api']);
  await rejects(a.authenticateToken(bound({ now: new Date(Date.now() - 7200_000) }), [ISS]), /has expired/);
  await rejects(a.authenticateToken(bound({ now: new Date(Date.now() + 600_000) }), [ISS]), /not valid yet/);
  // Within the 60 s leeway is fine.
  assert.ok(await a.authenticateToken(bound({ now: new Date(Date.now() - 3630_000) }), [ISS]));
  // A token of another accepted issuer works; an unknown issuer is not ours at all.
  assert.ok(await a.authenticateToken(issueBoundToken(keys, 'https://old', sa, { audiences: [ISS], expirationSeconds: 3600 }), [ISS]));
  assert.equal(await a.authenticateToken(issueBoundToken(keys, 'https://elsewhere', sa, { audiences: [ISS], expirationSeconds: 3600 }), [ISS]), null);
  assert.equal(await a.authenticateToken('garbage', [ISS]), null);
  assert.equal(await a.authenticateToken('a.b.c', [ISS]), null);

  // The pod terminating (grace period still running) keeps the token; gone or long deleted does not.
  c.put('', 'pods', { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date(Date.now() + 30_000).toISOString() } });
  assert.ok(await a.authenticateToken(good, [ISS]));
  c.put('', 'pods', { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date(Date.now() - 120_000).toISOString() } });
  await rejects(a.authenticateToken(good, [ISS]), /pod ci\/p1 has been deleted/);
  await c.delete('', 'pods', 'ci', 'p1');
  await rejects(a.authenticateToken(good, [ISS]), /pods "p1" not found/);
  c.put('', 'pods', { metadata: { name: 'p1', namespace: 'ci' } });
  await rejects(a.authenticateToken(good, [ISS]), /pod UID .* does not match/);

  // The ServiceAccount deleted, or recreated with a new uid.
  const unbound = issueBoundToken(keys, ISS, sa, { audiences: [ISS], expirationSeconds: 3600 });
  assert.ok(await a.authenticateToken(unbound, [ISS]));
  await c.delete('', 'serviceaccounts', 'ci', 'builder');
  await rejects(a.authenticateToken(unbound, [ISS]), /serviceaccounts "builder" not found/);
  c.put('', 'serviceaccounts', { metadata: { name: 'builder', namespace: 'ci' } });
  await rejects(a.authenticateToken(unbound, [ISS]), /service account UID \(.*\) does not match claim/);
});

test('bound token: secret- and node-bound', async () => {
  const { c, sa } = world();
  const a = serviceAccountTokenAuthenticator({ client: c, keys });
  const secret = c.put('', 'secrets', { metadata: { name: 's1', namespace: 'ci' } });
  const tok = issueBoundToken(keys, ISS, sa, { audiences: [ISS], expirationSeconds: 3600, secret: { name: 's1', uid: secret.metadata.uid } });
  assert.equal((await a.authenticateToken(tok, [ISS]))!.user.extra?.['authentication.kubernetes.io/pod-name'], undefined);
  await c.delete('', 'secrets', 'ci', 's1');
  await rejects(a.authenticateToken(tok, [ISS]), /secrets "s1" not found/);

  const node = c.put('', 'nodes', { metadata: { name: 'n9' } });
  const ntok = issueBoundToken(keys, ISS, sa, { audiences: [ISS], expirationSeconds: 3600, node: { name: 'n9', uid: node.metadata.uid } });
  assert.deepEqual((await a.authenticateToken(ntok, [ISS]))!.user.extra?.['authentication.kubernetes.io/node-name'], ['n9']);
  c.put('', 'nodes', { metadata: { name: 'n9' } });
  await rejects(a.authenticateToken(ntok, [ISS]), /node UID .* does not match claim/);
  assert.throws(() => issueBoundToken(keys, ISS, sa, { audiences: [ISS], expirationSeconds: 1, secret: { name: 's', uid: 'u' }, pod: { name: 'p', uid: 'u' } }), /only be bound to one object/);
});

test('legacy token: valid while the Secret holds it and the ServiceAccount is the same', async () => {
  const { c, sa } = world();
  const secret = c.put('', 'secrets', { type: 'kubernetes.io/service-account-token', metadata: { name: 'builder-token', namespace: 'ci' } });
  const tok = issueLegacyToken(keys, sa, secret);
  const claims = parseJWS(tok).claims;
  assert.deepEqual(claims, {
    iss: LegacyIssuer,
    'kubernetes.io/serviceaccount/namespace': 'ci',
    'kubernetes.io/serviceaccount/secret.name': 'builder-token',
    'kubernetes.io/serviceaccount/service-account.name': 'builder',
    'kubernetes.io/serviceaccount/service-account.uid': sa.metadata.uid,
    sub: 'system:serviceaccount:ci:builder',
  });
  const a = serviceAccountTokenAuthenticator({ client: c, keys, implicitAudiences: ['api'] });
  await rejects(a.authenticateToken(tok, ['api']), /does not match server's copy/);
  c.put('', 'secrets', { ...secret, data: { token: Buffer.from(tok).toString('base64') } });
  assert.deepEqual(await a.authenticateToken(tok, ['api']), {
    audiences: ['api'],
    user: { name: 'system:serviceaccount:ci:builder', uid: sa.metadata.uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] },
  });
  await rejects(a.authenticateToken(tok, ['other']), /token audiences \["api"\] is invalid/);

  // A token forged with a different key, same claims.
  await rejects(a.authenticateToken(signJWT(claims, otherKeys.privateKey), ['api']), /invalid signature/);

  c.put('', 'secrets', { ...secret, metadata: { ...secret.metadata, deletionTimestamp: new Date().toISOString() }, data: { token: Buffer.from(tok).toString('base64') } });
  await rejects(a.authenticateToken(tok, ['api']), /Token has been invalidated/);
  c.put('', 'secrets', { ...secret, data: { token: Buffer.from(tok).toString('base64') } });
  assert.ok(await a.authenticateToken(tok, ['api']));
  await c.delete('', 'serviceaccounts', 'ci', 'builder');
  await rejects(a.authenticateToken(tok, ['api']), /serviceaccounts "builder" not found/);
  c.put('', 'serviceaccounts', { metadata: { name: 'builder', namespace: 'ci' } });
  await rejects(a.authenticateToken(tok, ['api']), /ServiceAccount UID .* does not match claim/);
  c.put('', 'serviceaccounts', sa);
  await c.delete('', 'secrets', 'ci', 'builder-token');
  await rejects(a.authenticateToken(tok, ['api']), /Token has been invalidated/);

  const badSub = signJWT({ ...claims, sub: 'system:serviceaccount:ci:other' }, keys.privateKey, keys.kid);
  await rejects(a.authenticateToken(badSub, ['api']), /sub claim is invalid/);
  const { 'kubernetes.io/serviceaccount/secret.name': _, ...noSecret } = claims;
  await rejects(a.authenticateToken(signJWT(noSecret, keys.privateKey), ['api']), /secretName claim is missing/);
});
