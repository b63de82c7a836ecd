import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { fakeLoopback } from '../fake-loopback.js';
import { serviceAccountKeysFromPEM } from './keys.js';
import { populateServiceAccountTokenSecret, LegacyTokenController } from './legacy-token-controller.js';
import { serviceAccountTokenAuthenticator } from './tokens.js';

const keys = serviceAccountKeysFromPEM(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

function tokenSecret(name: string, sa: string, extra: any = {}) {
  return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name, namespace: 'ns', annotations: { 'kubernetes.io/service-account.name': sa } }, ...extra };
}

test('populate fills token, ca.crt, namespace and the uid annotation; the token works', async () => {
  const c = fakeLoopback();
  const sa = c.put('', 'serviceaccounts', { metadata: { name: 'robot', namespace: 'ns' } });
  const s = c.put('', 'secrets', tokenSecret('robot-token', 'robot'));
  assert.equal(await populateServiceAccountTokenSecret(c, keys, s, CA), 'populated');
  const got = await c.get('', 'secrets', 'ns', 'robot-token');
  assert.equal(got.metadata.annotations['kubernetes.io/service-account.uid'], sa.metadata.uid);
  assert.equal(unb64(got.data['ca.crt']), CA);
  assert.equal(unb64(got.data.namespace), 'ns');
  const token = unb64(got.data.token);
  const r = await serviceAccountTokenAuthenticator({ client: c, keys }).authenticateToken(token, []);
  assert.equal(r!.user.name, 'system:serviceaccount:ns:robot');
  assert.equal(await populateServiceAccountTokenSecret(c, keys, got, CA), 'unchanged');
  assert.equal(await populateServiceAccountTokenSecret(c, keys, c.put('', 'secrets', { type: 'Opaque', metadata: { name: 'o', namespace: 'ns' } }), CA), 'skipped');
});

test('a token Secret whose ServiceAccount is gone or was recreated is deleted', async () => {
  const c = fakeLoopback();
  const s = c.put('', 'secrets', tokenSecret('ghost-token', 'ghost'));
  assert.equal(await populateServiceAccountTokenSecret(c, keys, s), 'deleted');
  assert.equal(await c.get('', 'secrets', 'ns', 'ghost-token'), undefined);
  c.put('', 'serviceaccounts', { metadata: { name: 'robot', namespace: 'ns' } });
  const old = c.put('', 'secrets', tokenSecret('robot-token', 'robot', { metadata: { name: 'robot-token', namespace: 'ns', annotations: { 'kubernetes.io/service-account.name': 'robot', 'kubernetes.io/service-account.uid': 'old-uid' } } }));
  assert.equal(await populateServiceAccountTokenSecret(c, keys, old), 'deleted');
  assert.equal(await c.get('', 'secrets', 'ns', 'robot-token'), undefined);
});

test('the controller populates Secrets as they appear and stops cleanly', async () => {
  const c = fakeLoopback();
  c.put('', 'serviceaccounts', { metadata: { name: 'a', namespace: 'ns' } });
  c.put('', 'secrets', tokenSecret('a-token', 'a'));
  const ctl = new LegacyTokenController(c, keys, CA);
  ctl.start();
  await ctl.sync();
  assert.ok((await c.get('', 'secrets', 'ns', 'a-token')).data.token);
  c.put('', 'secrets', tokenSecret('a-token-2', 'a'));
  await new Promise((r) => setTimeout(r, 10));
  await ctl.sync();
  assert.ok((await c.get('', 'secrets', 'ns', 'a-token-2')).data.token);
  await c.delete('', 'serviceaccounts', 'ns', 'a');
  await new Promise((r) => setTimeout(r, 10));
  await ctl.sync();
  assert.equal((await c.list('', 'secrets', 'ns')).length, 0);
  ctl.stop();
  c.put('', 'serviceaccounts', { metadata: { name: 'b', namespace: 'ns' } });
  c.put('', 'secrets', tokenSecret('b-token', 'b'));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal((await c.get('', 'secrets', 'ns', 'b-token')).data, undefined);
});
