/**
 * @module apiserver/authentication/serviceaccount/keys
 * The key pair that signs ServiceAccount tokens: RSA 2048, made at first start as
 * <data-dir>/pki/sa.key (0600) and sa.pub, reused after so tokens survive restarts. The key id is
 * base64url(sha256(PKIX DER of the public key)), the same id Kubernetes puts in `kid`, and the
 * public keys are also served as the issuer's JWKS (/openid/v1/jwks).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signingAlgorithmFor } from '../jwt.js';

export interface ServiceAccountKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The `kid` header of tokens signed with privateKey. */
  kid: string;
  /** Keys tokens are checked against: publicKey first, then any from --service-account-key-file. */
  verificationKeys: KeyObject[];
}

/** Kubernetes' keyIDFromPublicKey. */
export function keyIDFromPublicKey(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/** Keys from PEM text: a private signing key (PKCS#1, PKCS#8 or SEC1) and optional extra public keys. */
export function serviceAccountKeysFromPEM(privateKeyPEM: string, extraPublicKeyPEMs: string[] = []): ServiceAccountKeys {
  const privateKey = createPrivateKey(privateKeyPEM);
  signingAlgorithmFor(privateKey); // refuse keys we could not sign with now, not at the first TokenRequest
  const publicKey = createPublicKey(privateKey);
  const extra = extraPublicKeyPEMs.map((p) => createPublicKey(p));
  const kid = keyIDFromPublicKey(publicKey);
  return { privateKey, publicKey, kid, verificationKeys: [publicKey, ...extra.filter((k) => keyIDFromPublicKey(k) !== kid)] };
}

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** The signing keys under `dataDir/pki`, created on first use. */
export async function loadOrCreateServiceAccountKeys(dataDir: string): Promise<ServiceAccountKeys> {
  const dir = join(dataDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPath = join(dir, 'sa.key'), pubPath = join(dir, 'sa.pub');
  if (!existsSync(keyPath)) {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    writeAtomic(keyPath, privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, 0o600);
  }
  const keys = serviceAccountKeysFromPEM(readFileSync(keyPath, 'utf8'));
  const pubPEM = keys.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  // sa.pub is for other tools (e.g. a second API server's --service-account-key-file); keep it in step.
  if (!existsSync(pubPath) || readFileSync(pubPath, 'utf8') !== pubPEM) writeAtomic(pubPath, pubPEM, 0o644);
  return keys;
}

/** The JWKS document of /openid/v1/jwks: every verification key, with its kid. */
export function serviceAccountJWKS(keys: ServiceAccountKeys): { keys: Record<string, unknown>[] } {
  return {
    keys: keys.verificationKeys.map((k) => {
      const jwk = k.export({ format: 'jwk' }) as Record<string, unknown>;
      return { use: 'sig', kty: jwk.kty, kid: keyIDFromPublicKey(k), alg: signingAlgorithmFor(k), ...jwk };
    }),
  };
}

/** The document of /.well-known/openid-configuration for the ServiceAccount issuer. */
export function serviceAccountIssuerDiscovery(issuer: string, jwksURI: string, keys: ServiceAccountKeys): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: jwksURI,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...new Set(keys.verificationKeys.map(signingAlgorithmFor))].sort(),
  };
}
