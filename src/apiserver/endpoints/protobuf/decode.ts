/**
 * @module apiserver/endpoints/protobuf/decode
 * Decodes one Kubernetes proto message into the JSON form Go's encoding/json gives the same typed
 * object, driven by the field tables.
 *
 * Zero values. gogo-protobuf writes every non-pointer Go field, even at its zero value, while Go's
 * JSON drops `omitempty` zero fields. The proto does not say which fields are pointers or omitempty,
 * so the rule here is:
 *  - singular strings and bytes that are empty are omitted (Go: omitempty, or a required field that
 *    was never set; an explicit "" in a *string is the one case this loses);
 *  - zero metav1.Time / MicroTime ({} or seconds 0) is omitted (Go writes `null`, which means the same);
 *  - numbers and booleans that are on the wire are kept, even 0/false (pointer fields are written
 *    only when set, so their zero is meaningful, and a kept non-pointer zero equals the Go default);
 *  - nested messages are kept even when empty (`{}`): Go's JSON never omits struct-valued fields
 *    (kubectl 1.27 sends `"resources":{}`, `"status":{}`), and an empty pointer message is meaningful
 *    (`emptyDir: {}` selects the volume source);
 *  - empty lists and maps cannot be told from absent ones on the wire and are omitted; map values and
 *    list elements are kept as they are (a ConfigMap key with value "" stays).
 * json-shape.ts adds what the proto cannot say: inline (embedded) structs, JSON names that differ
 * from proto names, and non-pointer omitempty numbers/booleans whose zero Go leaves out.
 * Unknown field numbers do not fail the decode: they are skipped and recorded as `path.#number`.
 */
import { readFields, asInt32, asInt64, asUint32, VARINT, FIXED64, FIXED32, LEN, type WireField } from './wire.js';
import { registry, type TypeRef } from './schema.js';
import { formatDuration, formatMicroTime, formatTime } from './wellknown.js';
import { PACKAGE_ALIASES } from './types.js';
import { INLINE, OMIT_ZERO, RENAMES } from './json-shape.js';

/** Deepest message nesting accepted; real Kubernetes objects stay far below this. */
export const MAX_DEPTH = 64;

export interface DecodeContext {
  unknownFields: string[];
  /** Decodes a `k8s\0`-prefixed object embedded in a RawExtension. */
  embedded(raw: Buffer, depth: number, path: string): unknown;
}

const { meta, resource, intstr, runtime } = PACKAGE_ALIASES;
const EMPTY = Buffer.alloc(0);

export function fail(path: string, message: string): never {
  throw new Error(`protobuf: ${path || '<root>'}: ${message}`);
}

function fieldsOf(buf: Buffer, path: string): WireField[] {
  try { return readFields(buf); } catch (e) { return fail(path, (e as Error).message); }
}

/** Scalar value of one wire record; `wire` must fit the declared type. */
function scalar(type: string, f: WireField, path: string): unknown {
  const want = type === 'string' || type === 'bytes' ? LEN
    : type === 'double' || type === 'fixed64' || type === 'sfixed64' ? FIXED64
    : type === 'float' || type === 'fixed32' || type === 'sfixed32' ? FIXED32 : VARINT;
  if (f.wire !== want) fail(path, `wire type ${f.wire} does not match declared type ${type}`);
  switch (type) {
    case 'string': return f.bytes.toString('utf8');
    case 'bytes': return f.bytes.toString('base64');
    case 'bool': return f.num !== 0n;
    case 'int32': case 'enum': return asInt32(f.num);
    case 'int64': return asInt64(f.num);
    case 'uint32': case 'fixed32': return asUint32(f.num);
    case 'uint64': case 'fixed64': return Number(f.num);
    case 'sfixed32': return Number(BigInt.asIntN(32, f.num));
    case 'sfixed64': return Number(BigInt.asIntN(64, f.num));
    case 'sint32': case 'sint64': return Number((f.num >> 1n) ^ -(f.num & 1n));
    case 'double': return f.bytes.readDoubleLE(0);
    case 'float': return f.bytes.readFloatLE(0);
    default: return fail(path, `unsupported scalar type ${type}`);
  }
}

/** Packed repeated scalars (a LEN record of varints or fixed values), accepted as the proto spec requires. */
function unpack(type: string, f: WireField, path: string): unknown[] {
  const width = ['double', 'fixed64', 'sfixed64'].includes(type) ? 8 : ['float', 'fixed32', 'sfixed32'].includes(type) ? 4 : 0;
  const out: unknown[] = [];
  if (width) {
    if (f.bytes.length % width) fail(path, 'packed field length is not a multiple of its element size');
    for (let i = 0; i < f.bytes.length; i += width) {
      const b = f.bytes.subarray(i, i + width);
      out.push(scalar(type, { field: f.field, wire: width === 8 ? FIXED64 : FIXED32, num: width === 8 ? b.readBigUInt64LE(0) : BigInt(b.readUInt32LE(0)), bytes: b }, path));
    }
    return out;
  }
  // Reuse the record reader: prefix each varint with a field-1 varint key (0x08).
  let pos = 0;
  const parts: Buffer[] = [];
  while (pos < f.bytes.length) {
    let end = pos;
    while (end < f.bytes.length && f.bytes[end] & 0x80) end++;
    if (end >= f.bytes.length) fail(path, 'truncated packed varint');
    parts.push(Buffer.from([0x08]), f.bytes.subarray(pos, end + 1));
    pos = end + 1;
  }
  for (const r of fieldsOf(Buffer.concat(parts), path)) out.push(scalar(type, r, path));
  return out;
}

/** Value of a singular or element field of type `t` from the records `recs` (the last wins; messages merge). */
function value(t: TypeRef, recs: WireField[], depth: number, path: string, ctx: DecodeContext): unknown {
  if (t.t === 'scalar') return scalar(t.scalar, recs[recs.length - 1], path);
  if (t.t !== 'message') return fail(path, 'nested repeated type');
  for (const r of recs) if (r.wire !== LEN) fail(path, `wire type ${r.wire} for a message field`);
  const buf = recs.length === 1 ? recs[0].bytes : Buffer.concat(recs.map((r) => r.bytes));
  return message(t.full, buf, depth + 1, path, ctx);
}

/** Decode a message of the given full name; undefined means "omit" (a zero Time, an empty RawExtension). */
export function message(full: string, buf: Buffer, depth: number, path: string, ctx: DecodeContext): unknown {
  if (depth > MAX_DEPTH) fail(path, `nesting deeper than ${MAX_DEPTH} messages`);
  const recs = fieldsOf(buf, path);
  const special = wellKnown(full, recs, depth, path, ctx);
  if (special !== NOT_SPECIAL) return special;
  const table = registry.fields(full);
  if (!table) return fail(path, `no schema for message ${full}`);
  const byField = new Map<number, WireField[]>();
  for (const r of recs) {
    const list = byField.get(r.field);
    if (list) list.push(r); else byField.set(r.field, [r]);
  }
  const out: Record<string, unknown> = {};
  for (const [num, list] of byField) {
    const spec = table.get(num);
    if (!spec) { ctx.unknownFields.push(`${path ? path + '.' : ''}#${num}`); continue; }
    const key = `${full}.${spec.name}`;
    const name = RENAMES.get(key) ?? spec.name;
    const p = path ? `${path}.${name}` : name;
    const t = spec.type;
    if (t.t === 'repeated') {
      const items: unknown[] = [];
      for (const r of list) {
        if (t.elem.t === 'scalar' && t.elem.scalar !== 'string' && t.elem.scalar !== 'bytes' && r.wire === LEN) items.push(...unpack(t.elem.scalar, r, p));
        else {
          const v = value(t.elem, [r], depth, `${p}[${items.length}]`, ctx);
          items.push(v === undefined ? null : v);
        }
      }
      out[name] = items;
    } else if (t.t === 'map') {
      const m: Record<string, unknown> = {};
      for (const r of list) {
        if (r.wire !== LEN) fail(p, `wire type ${r.wire} for a map entry`);
        const entry = fieldsOf(r.bytes, p);
        const k = entry.filter((e) => e.field === 1), v = entry.filter((e) => e.field === 2);
        const key = k.length ? value(t.key, k, depth, p, ctx) : '';
        const vp = `${p}[${String(key)}]`;
        let val = v.length ? value(t.value, v, depth, vp, ctx)
          : t.value.t === 'message' ? message(t.value.full, EMPTY, depth + 1, vp, ctx)
          : t.value.t === 'scalar' && (t.value.scalar === 'string' || t.value.scalar === 'bytes') ? '' : 0;
        if (val === undefined) val = null;
        m[String(key)] = val;
      }
      out[name] = m;
    } else {
      const v = value(t, list, depth, p, ctx);
      if (v === undefined || (v === '' && t.t === 'scalar')) continue;
      if ((v === 0 || v === false) && OMIT_ZERO.has(key)) continue;
      // An embedded Go struct: its fields belong to this object (earlier own fields win, as in Go).
      if (INLINE.has(key) && v && typeof v === 'object') { for (const [k, x] of Object.entries(v)) if (!(k in out)) out[k] = x; continue; }
      out[name] = v;
    }
  }
  return out;
}

const NOT_SPECIAL = Symbol('not special');

function only(recs: WireField[], n: number): WireField[] { return recs.filter((r) => r.field === n); }

function str(recs: WireField[], n: number, path: string): string {
  const r = only(recs, n);
  return r.length ? scalar('string', r[r.length - 1], path) as string : '';
}

function bigNum(recs: WireField[], n: number, path: string): bigint {
  const r = only(recs, n);
  if (!r.length) return 0n;
  if (r[r.length - 1].wire !== VARINT) fail(path, `wire type ${r[r.length - 1].wire} for a varint`);
  return BigInt.asIntN(64, r[r.length - 1].num);
}

/** Types whose Go JSON form is not an object of their proto fields. */
function wellKnown(full: string, recs: WireField[], depth: number, path: string, ctx: DecodeContext): unknown {
  switch (full) {
    case `${resource}.Quantity`: return str(recs, 1, path) || '0'; // a zero Quantity marshals as "0"
    case `${intstr}.IntOrString`:
      return bigNum(recs, 1, path) === 1n ? str(recs, 3, path) : Number(BigInt.asIntN(32, bigNum(recs, 2, path)));
    case `${meta}.Time`: case `${meta}.MicroTime`: {
      const seconds = Number(bigNum(recs, 1, path)), nanos = Number(BigInt.asIntN(32, bigNum(recs, 2, path)));
      if (seconds === 0 && nanos === 0) return undefined;
      return full.endsWith('.Time') ? formatTime(seconds, path) : formatMicroTime(seconds, nanos, path);
    }
    case `${meta}.Duration`: return formatDuration(bigNum(recs, 1, path));
    case `${meta}.FieldsV1`: case `${runtime}.RawExtension`: {
      const raw = only(recs, 1);
      const bytes = raw.length ? raw[raw.length - 1].bytes : EMPTY;
      if (!bytes.length) return undefined;
      if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x6b387300) return ctx.embedded(bytes, depth + 1, path);
      try { return JSON.parse(bytes.toString('utf8')); } catch (e) { return fail(path, `embedded JSON: ${(e as Error).message}`); }
    }
    case `${meta}.Verbs`: case 'k8s.io.api.authentication.v1.ExtraValue':
      return only(recs, 1).map((r) => scalar('string', r, path));
    default: return NOT_SPECIAL;
  }
}
