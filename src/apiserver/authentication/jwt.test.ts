import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createSecretKey, createHmac } from 'node:crypto';
import { parseJWS, verifyJWT, signJWT, checkTimes, audiencesOf, unverifiedClaims, JWTError, MAX_TOKEN_LENGTH } from './jwt.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('RS256 round trip against a KeyObject and a JWK', () => {
  const tok = signJWT({ sub: 'me', n: 1 }, rsa.privateKey, 'kid1');
  const p = parseJWS(tok);
  assert.deepEqual(p.header, { alg: 'RS256', kid: 'kid1' });
  assert.deepEqual(verifyJWT(tok, rsa.publicKey).claims, { sub: 'me', n: 1 });
  const jwk = rsa.publicKey.export({ format: 'jwk' });
  assert.equal(verifyJWT(tok, { ...jwk, alg: 'RS256', use: 'sig' }).claims.sub, 'me');
  // A private key is accepted too (its public half is used).
  assert.equal(verifyJWT(tok, rsa.privateKey).claims.sub, 'me');
});

test('ES256 and ES384 round trip', () => {
  const tok = signJWT({ sub: 'ec' }, ec.privateKey);
  assert.equal(parseJWS(tok).header.alg, 'ES256');
  assert.equal(parseJWS(tok).signature.length, 64);
  assert.equal(verifyJWT(tok, ec.publicKey.export({ format: 'jwk' })).claims.sub, 'ec');
  const t384 = signJWT({ sub: 'ec384' }, ec384.privateKey);
  assert.equal(parseJWS(t384).header.alg, 'ES384');
  assert.equal(verifyJWT(t384, ec384.publicKey).claims.sub, 'ec384');
  assert.throws(() => verifyJWT(t384, ec.publicKey), /does not match the key/);
});

test('several keys: any one that verifies wins', () => {
  const tok = signJWT({ sub: 'x' }, rsa2.privateKey);
  assert.equal(verifyJWT(tok, [rsa.publicKey, rsa2.publicKey]).claims.sub, 'x');
  assert.throws(() => verifyJWT(tok, [rsa.publicKey]), /invalid signature/);
});

test('tampered payload or signature is rejected', () => {
  const tok = signJWT({ sub: 'me' }, rsa.privateKey);
  const [h, , s] = tok.split('.');
  assert.throws(() => verifyJWT(`${h}.${b64({ sub: 'admin' })}.${s}`, rsa.publicKey), /invalid signature/);
  const sig = Buffer.from(s, 'base64url'); sig[10] ^= 1;
  assert.throws(() => verifyJWT(`${tok.split('.').slice(0, 2).join('.')}.${sig.toString('base64url')}`, rsa.publicKey), /invalid signature/);
  const etok = signJWT({ sub: 'me' }, ec.privateKey);
  const esig = Buffer.from(etok.split('.')[2], 'base64url'); esig[5] ^= 1;
  assert.throws(() => verifyJWT(`${etok.split('.').slice(0, 2).join('.')}.${esig.toString('base64url')}`, ec.publicKey), /invalid signature/);
});

test('alg none, HS256 and unknown algorithms are refused', () => {
  const payload = b64({ sub: 'admin' });
  assert.throws(() => verifyJWT(`${b64({ alg: 'none' })}.${payload}.`, rsa.publicKey), JWTError);
  assert.throws(() => verifyJWT(`${b64({ alg: 'none' })}.${payload}.AAAA`, rsa.publicKey), /unsupported signing algorithm "none"/);
  // The classic confusion: an HMAC keyed with the RSA public key.
  const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
  const input = `${b64({ alg: 'HS256' })}.${payload}`;
  const mac = createHmac('sha256', pem).update(input).digest('base64url');
  assert.throws(() => verifyJWT(`${input}.${mac}`, rsa.publicKey), /unsupported signing algorithm "HS256"/);
  assert.throws(() => verifyJWT(`${input}.${mac}`, createSecretKey(Buffer.from('k'))), JWTError);
  assert.throws(() => verifyJWT(`${b64({ alg: '__proto__' })}.${payload}.AAAA`, rsa.publicKey), /unsupported/);
});

test('header alg must fit the key type', () => {
  const tok = signJWT({ sub: 'me' }, rsa.privateKey);
  const [, p, s] = tok.split('.');
  assert.throws(() => verifyJWT(`${b64({ alg: 'ES256' })}.${p}.${s}`, rsa.publicKey), /does not match the key|invalid signature/);
  assert.throws(() => verifyJWT(tok, ec.publicKey), /does not match the key/);
  const jwk = rsa.publicKey.export({ format: 'jwk' });
  assert.throws(() => verifyJWT(tok, { ...jwk, alg: 'RS512' }), /JWK is for algorithm/);
  assert.throws(() => verifyJWT(tok, { ...jwk, use: 'enc' }), /not a signing key/);
  assert.throws(() => verifyJWT(tok, { kty: 'oct', k: 'abcd' }), /unsupported JWK key type/);
  assert.throws(() => verifyJWT(tok, [], ['RS256']), /no keys/);
  assert.throws(() => verifyJWT(tok, rsa.publicKey, ['ES256']), /unsupported signing algorithm/);
});

test('malformed and oversized tokens', () => {
  const tok = signJWT({ sub: 'me' }, rsa.privateKey);
  for (const bad of ['', 'abc', 'a.b', 'a.b.c.d', `${tok}=`, `${tok.slice(0, 10)}+${tok.slice(11)}`,
    `${b64([1])}.${b64({})}.AAAA`, `${b64({ alg: 'RS256' })}.${Buffer.from('not json').toString('base64url')}.AAAA`,
    `${b64({})}.${b64({})}.AAAA`, `${b64({ alg: 'RS256', crit: ['exp'] })}.${b64({})}.AAAA`, `${b64({ alg: 'RS256' })}.${b64({})}.`]) {
    assert.throws(() => parseJWS(bad), JWTError, bad);
    assert.equal(unverifiedClaims(bad), null);
  }
  const big = signJWT({ pad: 'x'.repeat(MAX_TOKEN_LENGTH) }, rsa.privateKey);
  assert.throws(() => verifyJWT(big, rsa.publicKey), /too large/);
  assert.deepEqual(unverifiedClaims(tok), { sub: 'me' });
});

test('checkTimes applies a 60 s leeway', () => {
  const now = 1_000_000;
  assert.equal(checkTimes({ exp: now - 30, nbf: now + 30, iat: now + 30 }, now), null);
  assert.equal(checkTimes({ exp: now - 61 }, now), 'expired');
  assert.equal(checkTimes({ nbf: now + 61 }, now), 'not yet valid');
  assert.equal(checkTimes({ iat: now + 61 }, now), 'issued in the future');
  assert.equal(checkTimes({ exp: now - 1 }, now, 0), 'expired');
  assert.throws(() => checkTimes({ exp: 'soon' }, now), /malformed exp/);
});

test('audiencesOf accepts a string or an array', () => {
  assert.deepEqual(audiencesOf({ aud: 'a' }), ['a']);
  assert.deepEqual(audiencesOf({ aud: ['a', 'b'] }), ['a', 'b']);
  assert.deepEqual(audiencesOf({}), []);
  assert.throws(() => audiencesOf({ aud: [1] }), /malformed aud/);
});
