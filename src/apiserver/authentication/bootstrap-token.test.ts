import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeLoopback } from './fake-loopback.js';
import { bootstrapTokenAuthenticator, parseBootstrapToken, bootstrapTokenExpired } from './bootstrap-token.js';

const b = (s: string) => Buffer.from(s).toString('base64');

function tokenSecret(id: string, secret: string, extra: Record<string, string> = {}, meta: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system', ...meta },
    data: Object.fromEntries(Object.entries({ 'token-id': id, 'token-secret': secret, 'usage-bootstrap-authentication': 'true', ...extra }).map(([k, v]) => [k, b(v)])),
  };
}

test('parseBootstrapToken', () => {
  assert.deepEqual(parseBootstrapToken('abcdef.0123456789abcdef'), { id: 'abcdef', secret: '0123456789abcdef' });
  for (const bad of ['ABCDEF.0123456789abcdef', 'abcdef.0123456789abcde', 'abcdef0123456789abcdef', 'abcdef.0123456789abcdef\n']) assert.equal(parseBootstrapToken(bad), null);
});

test('a valid bootstrap token authenticates as system:bootstrap:<id>', async () => {
  const c = fakeLoopback();
  c.put('', 'secrets', tokenSecret('abcdef', '0123456789abcdef', {
    'auth-extra-groups': 'system:bootstrappers:worker,system:bootstrappers:kubeadm:default-node-token',
    expiration: new Date(Date.now() + 3600_000).toISOString(),
  }));
  const a = bootstrapTokenAuthenticator(c);
  assert.deepEqual(await a.authenticateToken('abcdef.0123456789abcdef', ['api']), {
    user: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:bootstrappers:worker', 'system:authenticated'] },
    audiences: ['api'],
  });
});

test('bootstrap tokens that do not hold are not accepted', async () => {
  const cases: Array<[string, any]> = [
    ['wrong secret', tokenSecret('abcdef', '0123456789abcdeX')],
    ['wrong type', { ...tokenSecret('abcdef', '0123456789abcdef'), type: 'Opaque' }],
    ['id mismatch', tokenSecret('abcdef', '0123456789abcdef', { 'token-id': 'zzzzzz' })],
    ['expired', tokenSecret('abcdef', '0123456789abcdef', { expiration: '2000-01-01T00:00:00Z' })],
    ['bad expiration', tokenSecret('abcdef', '0123456789abcdef', { expiration: 'tomorrow' })],
    ['not for authentication', tokenSecret('abcdef', '0123456789abcdef', { 'usage-bootstrap-authentication': 'false' })],
    ['bad extra group', tokenSecret('abcdef', '0123456789abcdef', { 'auth-extra-groups': 'system:masters' })],
    ['being deleted', tokenSecret('abcdef', '0123456789abcdef', {}, { deletionTimestamp: '2024-01-01T00:00:00Z' })],
  ];
  for (const [why, secret] of cases) {
    const c = fakeLoopback();
    c.put('', 'secrets', secret);
    assert.equal(await bootstrapTokenAuthenticator(c).authenticateToken('abcdef.0123456789abcdef', []), null, why);
  }
  const empty = bootstrapTokenAuthenticator(fakeLoopback());
  assert.equal(await empty.authenticateToken('abcdef.0123456789abcdef', []), null, 'no secret');
  assert.equal(await empty.authenticateToken('garbage', []), null);
});

test('bootstrapTokenExpired', () => {
  const s = (exp: string) => ({ data: { expiration: b(exp) } });
  const now = new Date('2030-01-01T00:00:00Z');
  assert.equal(bootstrapTokenExpired({ data: {} }, now), false);
  assert.equal(bootstrapTokenExpired(s('2030-01-01T01:00:00+01:00'), now), false);
  assert.equal(bootstrapTokenExpired(s('2029-12-31T23:59:59Z'), now), true);
});
