/**
 * @module apiserver/registry/codec
 * How objects sit in storage: JSON without metadata.resourceVersion (storage's modRevision is the
 * resourceVersion, set again on every read), optionally through a value transformer (encryption at
 * rest plugs in here).
 *
 * A write serialises its object once. The JSON is made with a placeholder where the
 * resourceVersion goes; storage gets it with the placeholder cut out, and the write's answer and
 * its watch event get it with the real resourceVersion put in (`serialize`), instead of running
 * JSON.stringify three times over the same object.
 */
import { randomBytes } from 'node:crypto';
import type { KeyValue } from '../../storage/interface.js';
import { jsonCopy } from '../../machinery/deep-copy.js';

/** How many just-written objects the codec remembers for the first decode of their value. */
const RECENT_LIMIT = 4096;

/** Stands in for the resourceVersion while serialising: random per process, so no stored value can forge it. */
const PLACEHOLDER = `\u0000rv-${randomBytes(12).toString('hex')}`;
const TOKEN = `"resourceVersion":${JSON.stringify(PLACEHOLDER)}`;

/** An object's JSON with TOKEN at `at`. */
interface Serialized { full: string; at: number }

/**
 * The JSON each encoded object was stored as. An encoded object must not change afterwards except
 * for its resourceVersion (the store sets it from the write's revision and hands the object out).
 */
const serialized = new WeakMap<object, Serialized>();

/** `obj` as JSON, reusing the JSON it was encoded as when there is one. */
export function serialize(obj: any): string {
  const s = obj && typeof obj === 'object' ? serialized.get(obj) : undefined;
  const rv = s && obj.metadata?.resourceVersion;
  if (!s || typeof rv !== 'string') return JSON.stringify(obj);
  return s.full.slice(0, s.at) + `"resourceVersion":${JSON.stringify(rv)}` + s.full.slice(s.at + TOKEN.length);
}

/** JSON of obj with TOKEN where metadata.resourceVersion is (or, if absent, last in metadata); undefined when that cannot be done. */
function serializeWithToken(obj: any): Serialized | undefined {
  const m = obj?.metadata;
  if (!m || typeof m !== 'object' || Array.isArray(m)) return undefined;
  const had = Object.prototype.hasOwnProperty.call(m, 'resourceVersion');
  const rv = m.resourceVersion;
  m.resourceVersion = PLACEHOLDER;
  let full: string;
  try { full = JSON.stringify(obj); } finally { if (had) m.resourceVersion = rv; else delete m.resourceVersion; }
  const at = full.indexOf(TOKEN);
  return at < 0 ? undefined : { full, at };
}

/** The stored form: the JSON without the placeholder field (and the comma that joined it). */
function withoutToken({ full, at }: Serialized): string {
  const end = at + TOKEN.length;
  if (full.charCodeAt(end) === 44 /* , */) return full.slice(0, at) + full.slice(end + 1);
  if (full.charCodeAt(at - 1) === 44) return full.slice(0, at - 1) + full.slice(end);
  return full.slice(0, at) + full.slice(end);
}

export interface ValueTransformer {
  toStorage(plain: string, key: string): string;
  fromStorage(stored: string, key: string): string;
}

export const identityTransformer: ValueTransformer = { toStorage: (s) => s, fromStorage: (s) => s };

export class ObjectCodec {
  /**
   * A copy of each object as it was just encoded, by key, until the value is first decoded. Every
   * write comes back at once through the watch cache, which would otherwise parse (and decrypt)
   * the JSON this process just made: a copy costs less than a parse. A value that never comes
   * back (a lost compare-and-swap) is simply not matched; the oldest entries go past the limit.
   */
  private readonly recent = new Map<string, { value: string; obj: any; ser: Serialized }>();

  constructor(private readonly transformer: ValueTransformer = identityTransformer) {}

  encode(obj: any, key: string): string {
    const ser = serializeWithToken(obj);
    if (!ser) {
      const rv = obj.metadata?.resourceVersion;
      if (rv !== undefined) delete obj.metadata.resourceVersion;
      const s = JSON.stringify(obj);
      if (rv !== undefined) obj.metadata.resourceVersion = rv;
      return this.transformer.toStorage(s, key);
    }
    const value = this.transformer.toStorage(withoutToken(ser), key);
    serialized.set(obj, ser);
    this.recent.delete(key);
    if (this.recent.size >= RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, { value, obj: jsonCopy(obj), ser });
    return value;
  }

  /** The stored object, with resourceVersion = the value's modRevision. The caller owns it. */
  decode(kv: KeyValue): any {
    const hit = this.recent.get(kv.key);
    let obj: any;
    if (hit && hit.value === kv.value) {
      // Handed over once: whoever decodes it first owns the copy.
      this.recent.delete(kv.key);
      obj = hit.obj;
      serialized.set(obj, hit.ser);
    } else {
      obj = JSON.parse(this.transformer.fromStorage(kv.value, kv.key));
    }
    if (obj.metadata) obj.metadata.resourceVersion = String(kv.modRevision);
    return obj;
  }
}
