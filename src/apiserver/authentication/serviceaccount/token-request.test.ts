import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { fakeLoopback } from '../fake-loopback.js';
import { serviceAccountKeysFromPEM } from './keys.js';
import { parseJWS } from '../jwt.js';
import { StatusError } from '../../../machinery/status.js';
import { issueTokenRequest, ExpirationExtensionSeconds } from './token-request.js';
import { serviceAccountTokenAuthenticator, DefaultServiceAccountIssuer as ISS } from './tokens.js';

const keys = serviceAccountKeysFromPEM(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
const NOW = new Date('2030-05-01T10:00:00.123Z');

function setup() {
  const c = fakeLoopback();
  const sa = c.put('', 'serviceaccounts', { metadata: { name: 'default', namespace: 'ns' } });
  const node = c.put('', 'nodes', { metadata: { name: 'node-a' } });
  const pod = c.put('', 'pods', { metadata: { name: 'web', namespace: 'ns' }, spec: { serviceAccountName: 'default', nodeName: 'node-a' } });
  return { c, sa, pod, node };
}

async function status(p: Promise<unknown>): Promise<StatusError> {
  try { await p; } catch (e) { assert.ok(e instanceof StatusError, String(e)); return e; }
  assert.fail('expected an error');
}

test('defaults: audiences [issuer], 3600 s, metadata from the ServiceAccount', async () => {
  const { c, sa } = setup();
  const tr = await issueTokenRequest(c, keys, { now: () => NOW }, 'ns', 'default', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
  assert.equal(tr.kind, 'TokenRequest');
  assert.equal(tr.apiVersion, 'authentication.k8s.io/v1');
  assert.deepEqual(tr.metadata, { name: 'default', namespace: 'ns', creationTimestamp: '2030-05-01T10:00:00Z' });
  assert.deepEqual(tr.spec, { audiences: [ISS], expirationSeconds: 3600 });
  assert.equal(tr.status.expirationTimestamp, '2030-05-01T11:00:00Z');
  const claims = parseJWS(tr.status.token).claims;
  assert.equal(claims.exp, Math.floor(NOW.getTime() / 1000) + 3600);
  assert.equal((claims['kubernetes.io'] as any).serviceaccount.uid, sa.metadata.uid);
  const r = await serviceAccountTokenAuthenticator({ client: c, keys, now: () => NOW }).authenticateToken(tr.status.token, [ISS]);
  assert.equal(r!.user.name, 'system:serviceaccount:ns:default');
});

test('pod-bound with kubelet\'s 3607 s gets the one-year extension and the node', async () => {
  const { c, pod, node } = setup();
  const tr = await issueTokenRequest(c, keys, { now: () => NOW }, 'ns', 'default', {
    spec: { audiences: [ISS], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: pod.metadata.uid } },
  });
  assert.equal(tr.status.expirationTimestamp, '2030-05-01T11:00:07Z');
  const claims = parseJWS(tr.status.token).claims as any;
  const iat = Math.floor(NOW.getTime() / 1000);
  assert.equal(claims.exp, iat + ExpirationExtensionSeconds);
  assert.equal(claims['kubernetes.io'].warnafter, iat + 3607);
  assert.deepEqual(claims['kubernetes.io'].pod, { name: 'web', uid: pod.metadata.uid });
  assert.deepEqual(claims['kubernetes.io'].node, { name: 'node-a', uid: node.metadata.uid });
  // Other audiences or another duration: no extension.
  const t2 = await issueTokenRequest(c, keys, { now: () => NOW }, 'ns', 'default', {
    spec: { audiences: ['vault'], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } },
  });
  assert.equal((parseJWS(t2.status.token).claims as any).exp, iat + 3607);
  const t3 = await issueTokenRequest(c, keys, { now: () => NOW, extendExpiration: false }, 'ns', 'default', {
    spec: { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } },
  });
  assert.equal((parseJWS(t3.status.token).claims as any).exp, iat + 3607);
});

test('max expiration caps the duration with a warning', async () => {
  const { c } = setup();
  const warnings: string[] = [];
  const tr = await issueTokenRequest(c, keys, { now: () => NOW, maxExpirationSeconds: 7200 }, 'ns', 'default', { spec: { expirationSeconds: 86400 } }, warnings);
  assert.equal(tr.spec.expirationSeconds, 7200);
  assert.deepEqual(warnings, ['requested expiration of 86400 seconds shortened to 7200 seconds']);
});

test('errors as Kubernetes returns them', async () => {
  const { c, pod } = setup();
  let e = await status(issueTokenRequest(c, keys, {}, 'ns', 'missing', { spec: {} }));
  assert.equal(e.code, 404); assert.equal(e.message, 'serviceaccounts "missing" not found');

  e = await status(issueTokenRequest(c, keys, {}, 'ns', 'default', { spec: { expirationSeconds: 60 } }));
  assert.equal(e.code, 422);
  assert.equal(e.message, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
  assert.deepEqual(e.details?.causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 60: may not specify a duration less than 10 minutes', field: 'spec.expirationSeconds' }]);
  e = await status(issueTokenRequest(c, keys, {}, 'ns', 'default', { spec: { expirationSeconds: 2 ** 32 + 1 } }));
  assert.equal(e.code, 422); assert.match(e.message, /larger than 2\^32 seconds/);

  e = await status(issueTokenRequest(c, keys, {}, 'ns', 'default', { metadata: { name: 'other' }, spec: {} }));
  assert.equal(e.code, 422); assert.match(e.message, /metadata.name: Invalid value: "other": must match the service account name if specified/);

  e = await status(issueTokenRequest(c, keys, {}, 'ns', 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } } }));
  assert.equal(e.code, 404); assert.equal(e.message, 'pods "nope" not found');
  e = await status(issueTokenRequest(c, keys, {}, 'ns', 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'stale' } } }));
  assert.equal(e.code, 409);
  assert.equal(e.message, 'Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (stale) does not match the UID in record. The object might have been deleted and then recreated');
  e = await status(issueTokenRequest(c, keys, {}, 'ns', 'default', { spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } } }));
  assert.equal(e.code, 400); assert.equal(e.message, 'cannot bind token to object of type /v1, Kind=ConfigMap');
  e = await status(issueTokenRequest(c, keys, {}, 'ns', 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'apps/v1', name: 'web' } } }));
  assert.equal(e.code, 400); assert.equal(e.message, 'cannot bind token to object of type apps/v1, Kind=Pod');
  c.put('', 'serviceaccounts', { metadata: { name: 'other', namespace: 'ns' } });
  e = await status(issueTokenRequest(c, keys, {}, 'ns', 'other', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: pod.metadata.uid } } }));
  assert.equal(e.code, 400); assert.equal(e.message, 'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.');
  e = await status(issueTokenRequest(c, keys, {}, 'ns', 'default', { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's' } } }));
  assert.equal(e.code, 404); assert.equal(e.message, 'secrets "s" not found');
});

test('a pod-bound token dies with the pod', async () => {
  const { c } = setup();
  const tr = await issueTokenRequest(c, keys, {}, 'ns', 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } });
  const a = serviceAccountTokenAuthenticator({ client: c, keys });
  assert.deepEqual((await a.authenticateToken(tr.status.token, [ISS]))!.user.extra?.['authentication.kubernetes.io/pod-name'], ['web']);
  await c.delete('', 'pods', 'ns', 'web');
  await assert.rejects(a.authenticateToken(tr.status.token, [ISS]), { code: 401 });
});
