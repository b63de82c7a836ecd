/**
 * @module apiserver/registry/object-meta
 * The metadata the store fills in on every write (uid, creationTimestamp, generation, generateName)
 * and the rules for bumping metadata.generation when anything but metadata and status changes.
 */
import { randomUUID, randomBytes } from 'node:crypto';

/** RFC 3339 with second precision and `Z`, as metav1.Time serialises. */
let lastSecond = 0;
let lastText = '';
export function nowRFC3339(): string {
  // Formatting a Date costs more than the rest of a create's metadata; a second lasts many writes.
  const s = Math.floor(Date.now() / 1000);
  if (s !== lastSecond) { lastSecond = s; lastText = new Date(s * 1000).toISOString().slice(0, 19) + 'Z'; }
  return lastText;
}

const ALNUM = 'bcdfghjklmnpqrstvwxz2456789'; // Kubernetes' utilrand alphabet: no vowels, no 0/1/3 look-alikes

/** `generateName` + 5 random characters, as SimpleNameGenerator does. */
export function generateName(base: string): string {
  const b = base.length > 58 ? base.slice(0, 58) : base;
  const r = randomBytes(5);
  let s = '';
  for (let i = 0; i < 5; i++) s += ALNUM[r[i] % ALNUM.length];
  return b + s;
}

export function fillCreateMeta(obj: any): void {
  const m = obj.metadata;
  m.uid = randomUUID();
  m.creationTimestamp = nowRFC3339();
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.resourceVersion;
  delete m.selfLink;
}

/** True when the object's spec-like content (everything except metadata and status) differs. */
export function specChanged(a: any, b: any): boolean {
  for (const k of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!deepEqual(a?.[k], b?.[k])) return true;
  }
  return false;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a as object), kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!deepEqual((a as any)[k], (b as any)[k])) return false;
  return true;
}

export function deepClone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}
