import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { loadOrCreateServiceAccountKeys, keyIDFromPublicKey, serviceAccountKeysFromPEM, serviceAccountJWKS, serviceAccountIssuerDiscovery } from './keys.js';
import { signJWT, verifyJWT } from '../jwt.js';

test('keys are made once under <data-dir>/pki and reused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sakeys-'));
  try {
    const k1 = await loadOrCreateServiceAccountKeys(dir);
    assert.equal(k1.privateKey.asymmetricKeyType, 'rsa');
    assert.equal(k1.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(statSync(join(dir, 'pki', 'sa.key')).mode & 0o777, 0o600);
    assert.ok(existsSync(join(dir, 'pki', 'sa.pub')));
    const k2 = await loadOrCreateServiceAccountKeys(dir);
    assert.equal(k2.kid, k1.kid);
    const tok = signJWT({ a: 1 }, k1.privateKey, k1.kid);
    assert.equal(verifyJWT(tok, k2.verificationKeys).claims.a, 1);
    assert.equal(readFileSync(join(dir, 'pki', 'sa.pub'), 'utf8'), k1.publicKey.export({ type: 'spki', format: 'pem' }));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('kid is base64url(sha256(PKIX DER))', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  assert.equal(keyIDFromPublicKey(publicKey), createHash('sha256').update(der).digest('base64url'));
  assert.doesNotMatch(keyIDFromPublicKey(publicKey), /[=+/]/);
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  const keys = serviceAccountKeysFromPEM(privateKey.export({ type: 'sec1', format: 'pem' }) as string, [other.export({ type: 'spki', format: 'pem' }) as string]);
  assert.equal(keys.verificationKeys.length, 2);
  const jwks = serviceAccountJWKS(keys);
  assert.deepEqual(jwks.keys.map((k) => [k.kty, k.alg, k.use]), [['EC', 'ES256', 'sig'], ['RSA', 'RS256', 'sig']]);
  assert.equal(jwks.keys[0].kid, keys.kid);
  assert.deepEqual(serviceAccountIssuerDiscovery('https://i', 'https://i/openid/v1/jwks', keys).id_token_signing_alg_values_supported, ['ES256', 'RS256']);
});
