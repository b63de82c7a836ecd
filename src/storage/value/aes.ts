/**
 * @module storage/value/aes
 * The aescbc and aesgcm providers of encryption at rest (k8s.io/apiserver/pkg/storage/value/encrypt/aes),
 * and how providers combine (value.PrefixTransformers). Each key writes values as
 * `k8s:enc:<provider>:v1:<keyName>:` followed by the encrypted bytes; since skiff's storage holds
 * text, the bytes (IV or nonce, ciphertext, tag) are base64 after the prefix. Reads pick the key by
 * its prefix, so a new key listed first writes while the old one still reads (rotation). aesgcm binds
 * the ciphertext to the storage key as authenticated data, as Kubernetes does, so a value copied
 * under another key does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Every encrypted value starts with this; identity refuses to read such values. */
export const ENCRYPTED_PREFIX = 'k8s:enc:';

/** One key of one provider: the prefix it owns, and how to seal/open what follows the prefix. */
export interface PrefixTransformer {
  /** `k8s:enc:aescbc:v1:key1:`; empty for identity (which matches any value). */
  prefix: string;
  /** Provider name and key name, for error messages. */
  provider: string;
  keyName?: string;
  seal(plain: string, key: string): string;
  /** Throws when the body cannot be opened (wrong key material, tampering, truncation). */
  open(body: string, key: string): string;
}

function cipherName(mode: 'cbc' | 'gcm', secret: Buffer): string {
  if (secret.length !== 16 && secret.length !== 24 && secret.length !== 32) {
    throw new Error(`secret is not of the expected length, got ${secret.length}, expected one of [16 24 32]`);
  }
  return `aes-${secret.length * 8}-${mode}`;
}

/** Strict base64: Node's decoder silently skips junk, which would turn corruption into garbage. */
function decodeBody(body: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) throw new Error('the stored data is not valid base64');
  return Buffer.from(body, 'base64');
}

const CBC_IV = 16;

/** aescbc: random 16-byte IV, PKCS#7 padding, no authentication (as Kubernetes' aescbc). */
export function aescbc(keyName: string, secret: Buffer): PrefixTransformer {
  const alg = cipherName('cbc', secret);
  return {
    prefix: `${ENCRYPTED_PREFIX}aescbc:v1:${keyName}:`, provider: 'aescbc', keyName,
    seal(plain) {
      const iv = randomBytes(CBC_IV);
      const c = createCipheriv(alg, secret, iv);
      return Buffer.concat([iv, c.update(plain, 'utf8'), c.final()]).toString('base64');
    },
    open(body) {
      const data = decodeBody(body);
      if (data.length < CBC_IV * 2) throw new Error('the stored data was shorter than the required size');
      if ((data.length - CBC_IV) % 16 !== 0) throw new Error('the stored data is not a multiple of the block size');
      const d = createDecipheriv(alg, secret, data.subarray(0, CBC_IV));
      try {
        return Buffer.concat([d.update(data.subarray(CBC_IV)), d.final()]).toString('utf8');
      } catch {
        throw new Error('invalid padding on input');
      }
    },
  };
}

const GCM_NONCE = 12;
const GCM_TAG = 16;

/** aesgcm: random 12-byte nonce, 16-byte tag, the storage key as authenticated data. */
export function aesgcm(keyName: string, secret: Buffer): PrefixTransformer {
  const alg = cipherName('gcm', secret) as 'aes-256-gcm';
  return {
    prefix: `${ENCRYPTED_PREFIX}aesgcm:v1:${keyName}:`, provider: 'aesgcm', keyName,
    seal(plain, key) {
      const nonce = randomBytes(GCM_NONCE);
      const c = createCipheriv(alg, secret, nonce, { authTagLength: GCM_TAG });
      c.setAAD(Buffer.from(key, 'utf8'));
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([nonce, ct, c.getAuthTag()]).toString('base64');
    },
    open(body, key) {
      const data = decodeBody(body);
      if (data.length < GCM_NONCE + GCM_TAG) throw new Error('the stored data was shorter than the required size');
      const d = createDecipheriv(alg, secret, data.subarray(0, GCM_NONCE), { authTagLength: GCM_TAG });
      d.setAAD(Buffer.from(key, 'utf8'));
      d.setAuthTag(data.subarray(data.length - GCM_TAG));
      try {
        return Buffer.concat([d.update(data.subarray(GCM_NONCE, data.length - GCM_TAG)), d.final()]).toString('utf8');
      } catch {
        throw new Error('cipher: message authentication failed');
      }
    },
  };
}

/** identity: stores plaintext; refuses encrypted values so that a later provider gets to read them. */
export const identity: PrefixTransformer = {
  prefix: '', provider: 'identity',
  seal: (plain) => plain,
  open(body) {
    if (body.startsWith(ENCRYPTED_PREFIX)) throw new Error('identity transformer tried to read encrypted data');
    return body;
  },
};
