import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unionTokenAuthenticator, withAuthenticatedGroup, audienceAgnostic, tokenRejected, rejectionReason, intersectAudiences, type TokenAuthenticator } from './token.js';

const fixed = (name: string | null, err?: string): TokenAuthenticator => ({
  async authenticateToken(_t, auds) {
    if (err) throw tokenRejected(err);
    return name ? { user: { name, groups: [] }, audiences: auds } : null;
  },
});

test('union: first acceptance wins, errors do not stop the others', async () => {
  assert.equal((await unionTokenAuthenticator([fixed(null), fixed('a'), fixed('b')]).authenticateToken('t', []))!.user.name, 'a');
  assert.equal((await unionTokenAuthenticator([fixed(null, 'bad sig'), fixed('b')]).authenticateToken('t', []))!.user.name, 'b');
  assert.equal(await unionTokenAuthenticator([fixed(null), fixed(null)]).authenticateToken('t', []), null);
  assert.equal(await unionTokenAuthenticator([]).authenticateToken('t', []), null);
  await assert.rejects(unionTokenAuthenticator([fixed(null), fixed(null, 'expired'), fixed(null, 'other')]).authenticateToken('t', []),
    (e: any) => e.code === 401 && e.message === 'Unauthorized' && rejectionReason(e) === 'expired');
});

test('withAuthenticatedGroup', () => {
  assert.deepEqual(withAuthenticatedGroup({ name: 'u', groups: ['g'] }).groups, ['g', 'system:authenticated']);
  assert.deepEqual(withAuthenticatedGroup({ name: 'u', groups: ['system:authenticated'] }).groups, ['system:authenticated']);
  assert.deepEqual(withAuthenticatedGroup({ name: 'system:anonymous', groups: ['system:unauthenticated'] }).groups, ['system:unauthenticated']);
});

test('audienceAgnostic: valid only for the server audiences', async () => {
  const a = audienceAgnostic(fixed('u'), ['api', 'https://kubernetes.default.svc']);
  assert.deepEqual((await a.authenticateToken('t', ['https://kubernetes.default.svc', 'x']))!.audiences, ['https://kubernetes.default.svc']);
  assert.equal(await a.authenticateToken('t', ['vault']), null);
  assert.deepEqual(intersectAudiences(['a', 'b', 'a'], ['a']), ['a']);
});
