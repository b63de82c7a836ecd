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

/** How many just-written values the codec remembers the resourceVersion's place in. */
const RECENT_LIMIT = 4096;

/** Stands in for the resourceVersion while serialising: random per process, so no stored value can forge it. */
const PLACEHOLDER = `\u0000rv-${randomBytes(12).toString('hex')}`;
const TOKEN = `"resourceVersion":${JSON.stringify(PLACEHOLDER)}`;

/**
 * How an encoded object's JSON is remembered: the stored JSON (before any value transformer) and
 * where its resourceVersion goes, `rv` being the field with its value: at `at` followed by a comma
 * (`join` 0), at `at` preceded by one (1), or alone in metadata (2). The stored string is the one
 * storage and the watch cache hold anyway, so remembering it costs nothing.
 */
interface Serialized { plain: string; at: number; join: 0 | 1 | 2 }

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
  const field = `"resourceVersion":${JSON.stringify(rv)}`;
  const { plain, at } = s;
  return plain.slice(0, at) + (s.join === 0 ? field + ',' : s.join === 1 ? ',' + field : field) + plain.slice(at);
}

/** The stored JSON of obj and where its resourceVersion goes; undefined when that cannot be done this way. */
function serializeWithoutRV(obj: any): Serialized | undefined {
  const m = obj?.metadata;
  if (!m || typeof m !== 'object' || Array.isArray(m)) return undefined;
  const had = Object.prototype.hasOwnProperty.call(m, 'resourceVersion');
  const rv = m.resourceVersion;
  m.resourceVersion = PLACEHOLDER;
  let full: string;
  try { full = JSON.stringify(obj); } finally { if (had) m.resourceVersion = rv; else delete m.resourceVersion; }
  const at = full.indexOf(TOKEN);
  if (at < 0) return undefined;
  const end = at + TOKEN.length;
  // Cut the field out with the comma that joined it (one string, so nothing keeps `full` alive).
  if (full.charCodeAt(end) === 44 /* , */) return { plain: flat(full.slice(0, at) + full.slice(end + 1)), at, join: 0 };
  if (full.charCodeAt(at - 1) === 44) return { plain: flat(full.slice(0, at - 1) + full.slice(end)), at: at - 1, join: 1 };
  return { plain: flat(full.slice(0, at) + full.slice(end)), at, join: 2 };
}

/** A flat copy of a string built from slices (V8 would otherwise keep the slices' parent alive). */
function flat(s: string): string {
  // Converting to a number flattens the rope in place (the idiom of the flatstr package); the number is discarded.
  void Number(s);
  return s;
}

export interface ValueTransformer {
  toStorage(plain: string, key: string): string;
  fromStorage(stored: string, key: string): string;
}

export const identityTransformer: ValueTransformer = { toStorage: (s) => s, fromStorage: (s) => s };

export class ObjectCodec {
  /**
   * Where the resourceVersion goes in each value just written, by key, until the value is first
   * decoded (the watch cache decodes every write at once). A value that never comes back (a lost
   * compare-and-swap) is simply not matched; the oldest entries go past the limit.
   */
  private readonly recent = new Map<string, Serialized>();

  constructor(private readonly transformer: ValueTransformer = identityTransformer) {}

  encode(obj: any, key: string): string {
    const ser = serializeWithoutRV(obj);
    if (!ser) {
      const rv = obj.metadata?.resourceVersion;
      if (rv !== undefined) delete obj.metadata.resourceVersion;
      const s = JSON.stringify(obj);
      if (rv !== undefined) obj.metadata.resourceVersion = rv;
      return this.transformer.toStorage(s, key);
    }
    const value = this.transformer.toStorage(ser.plain, key);
    serialized.set(obj, ser);
    this.recent.delete(key);
    if (this.recent.size >= RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, ser);
    return value;
  }

  /**
   * The stored object, with resourceVersion = the value's modRevision. The caller owns it. Values
   * are parsed, not copied from the object just written: in the server a recursive copy of a
   * node or pod cost more than JSON.parse (whose objects are also smaller), measured at 10,000 nodes.
   */
  decode(kv: KeyValue): any {
    const plain = this.transformer.fromStorage(kv.value, kv.key);
    const obj = JSON.parse(plain);
    if (obj.metadata) {
      obj.metadata.resourceVersion = String(kv.modRevision);
      // Just written by this process: its JSON is the stored JSON with the resourceVersion put
      // where encode found it (so the watch cache does not stringify it again).
      const ser = this.recent.get(kv.key);
      if (ser && ser.plain === plain) {
        this.recent.delete(kv.key);
        serialized.set(obj, ser);
      }
    }
    return obj;
  }
}
