/**
 * @module controllers/history/hash
 * The short, DNS-safe hashes that name ControllerRevisions and label the pods made from them
 * (`web-7b9c5d6f8`, `controller-revision-hash`): FNV-1a (32 bit) over a canonical JSON form of
 * the data, plus the owner's collisionCount when a name is taken by different data, then spelled
 * with Kubernetes' SafeEncodeString alphabet (no vowels, so no words, and no 0/1/3 that look alike).
 */

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted, so equal objects hash equally whatever order their keys came in. */
export function canonicalJSON(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJSON(o[k])}`).join(',')}}`;
}

export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Kubernetes' rand.SafeEncodeString: each character mapped onto a vowel-free alphabet. */
export function safeEncodeString(s: string): string {
  let r = '';
  for (let i = 0; i < s.length; i++) r += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return r;
}

/** The hash of `data`, salted with the collision count when there is one (as ComputeHash / HashControllerRevision). */
export function computeHash(data: unknown, collisionCount?: number): string {
  let s = canonicalJSON(data);
  if (collisionCount !== undefined && collisionCount !== null) s += String(collisionCount);
  return safeEncodeString(String(fnv32a(s)));
}
