/**
 * @module storage/value/prefix-transformers
 * The providers of one resource combined (value.NewPrefixTransformers): the first provider's first
 * key writes; a read goes to the provider whose prefix the stored value carries. identity, whose
 * prefix is empty, is skipped for encrypted values so the providers after it can read them; this
 * is what lets an identity-first configuration migrate data back to plaintext.
 */
import { StatusError, internalError } from '../../machinery/status.js';
import { ENCRYPTED_PREFIX, type PrefixTransformer } from './aes.js';

/** Same shape as apiserver/registry/codec's ValueTransformer (storage must not import the apiserver). */
export interface ValueTransformer {
  toStorage(plain: string, key: string): string;
  fromStorage(stored: string, key: string): string;
}

/** What Kubernetes' storage answers when a value cannot be decrypted: a 500 naming the key. */
function transformError(key: string, why: string): StatusError {
  return internalError(new Error(`unable to transform key "${key}": ${why}`));
}

const ENVELOPE = /^k8s:enc:([^:]+):(v[0-9]+):([^:]*):/;

/** Why no provider matched, in words that say which key is missing. */
function noMatch(stored: string, identityConfigured: boolean): string {
  const m = ENVELOPE.exec(stored);
  if (m) return `no matching prefix found: the value is encrypted by provider ${m[1]} with key "${m[3]}", which is not configured for this resource`;
  if (stored.startsWith(ENCRYPTED_PREFIX)) return 'no matching prefix found: the value carries an unknown encryption prefix';
  if (!identityConfigured) return 'no matching prefix found: the value is not encrypted and the identity provider is not configured for this resource';
  return 'no matching prefix found';
}

export function prefixTransformers(list: readonly PrefixTransformer[]): ValueTransformer {
  if (list.length === 0) throw new Error('at least one provider is required');
  const writer = list[0];
  const identityConfigured = list.some((t) => t.prefix === '');
  return {
    toStorage(plain, key) {
      try {
        return writer.prefix + writer.seal(plain, key);
      } catch (e) {
        throw transformError(key, (e as Error).message);
      }
    },
    fromStorage(stored, key) {
      for (const t of list) {
        if (!stored.startsWith(t.prefix)) continue;
        try {
          return t.open(stored.slice(t.prefix.length), key);
        } catch (e) {
          if (t.prefix === '') continue; // identity saw an encrypted value: the next provider may own it
          const who = t.keyName !== undefined ? `${t.provider} key "${t.keyName}"` : t.provider;
          throw transformError(key, `${who}: ${(e as Error).message}`);
        }
      }
      throw transformError(key, noMatch(stored, identityConfigured));
    },
  };
}
