/**
 * @module controllers/deployment/hash
 * Which pod template a ReplicaSet runs, and its `pod-template-hash`. A Deployment names its
 * ReplicaSets `<deployment>-<hash>` and adds the hash to their selector and labels so that the
 * ReplicaSets of one Deployment never select each other's pods. As upstream, the hash is FNV-32a
 * over the template (plus status.collisionCount, when set, to get out of a name collision), its
 * decimal digits mapped into the "safe" alphabet that cannot spell words. Upstream hashes Go's
 * in-memory struct dump; we hash a canonical JSON form (sorted keys, empty values dropped), so two
 * templates that are semantically equal hash alike, which is all the controller relies on.
 */

export const DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY = 'pod-template-hash';

/** k8s.io/apimachinery/pkg/util/rand's alphabet: no vowels, no 0/1/3 (no accidental words). */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each byte of `s` picks a letter of the safe alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += SAFE_ALPHANUMS[b % SAFE_ALPHANUMS.length];
  return out;
}

/** FNV-1a, 32 bits, over bytes; `h` continues an earlier hash. */
export function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

/** Go's semantic equality treats nil and empty maps, slices and strings alike; so does our canonical form. */
const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

/** The value with object keys sorted and empty members dropped (recursively). */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (!isEmpty(c)) out[k] = c;
    }
    return out;
  }
  return v;
}

/** equality.Semantic.DeepEqual, near enough for API objects read as JSON. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a) ?? null) === JSON.stringify(canonical(b) ?? null);
}

/** controller.ComputeHash: the pod-template-hash of a template (and collision count). */
export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(JSON.stringify(canonical(template) ?? null), 'utf8'));
  if (collisionCount !== undefined && collisionCount !== null) {
    const le = Buffer.alloc(4);
    le.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(le, h);
  }
  return safeEncodeString(String(h));
}

function withoutHash(template: any): any {
  const t = structuredClone(template ?? {});
  if (t.metadata?.labels) delete t.metadata.labels[DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY];
  return t;
}

/**
 * EqualIgnoreHash: whether two pod templates are the same but for the pod-template-hash label.
 * This is how a Deployment recognises its new ReplicaSet (and an old template coming back).
 */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return semanticEqual(withoutHash(a), withoutHash(b));
}
