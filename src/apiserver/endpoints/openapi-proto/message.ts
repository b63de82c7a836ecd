/**
 * @module apiserver/endpoints/openapi-proto/message
 * Table-driven encoding of a JSON object as one gnostic OpenAPIv2 message. Every gnostic message
 * numbers its fields 1..N in declaration order, so a table is just the JSON keys in that order with
 * how each is encoded. Also the shared pieces: `Any` (a value kept as YAML text), vendor extensions
 * (`x-...` keys as `NamedAny`), and the `Named<T>` lists gnostic uses for JSON objects used as maps.
 */
import { stringify } from 'yaml';
import { ProtoWriter } from './writer.js';

/** Encodes a JSON value as a message body; null when the value has the wrong shape to encode. */
export type Encoder = (v: any) => Buffer | null;

/**
 * How one field is filled from the JSON key of the same place in a table:
 * scalars; `strings` (repeated string); `any`/`anys` (value(s) as `Any`); `ext` (all `x-` keys of the
 * object, not the key named); an Encoder (embedded message); `[Encoder]` (repeated, from a JSON array).
 */
export type Kind = 'string' | 'strings' | 'bool' | 'int64' | 'double' | 'any' | 'anys' | 'ext' | Encoder | [Encoder];
export type Table = ReadonlyArray<readonly [key: string, kind: Kind]>;

function isObject(v: unknown): v is Record<string, any> { return !!v && typeof v === 'object' && !Array.isArray(v); }

/** A JSON object as the message the table describes; keys not in the table are dropped, as gnostic drops them. */
export function encodeMessage(table: Table, obj: unknown): Buffer | null {
  if (!isObject(obj)) return null;
  const w = new ProtoWriter();
  table.forEach(([key, kind], i) => {
    const field = i + 1;
    if (kind === 'ext') { for (const named of vendorExtensions(obj)) w.message(field, named); return; }
    const v = obj[key];
    if (v === undefined) return;
    switch (kind) {
      case 'string': w.string(field, v); break;
      case 'strings': w.strings(field, typeof v === 'string' ? [v] : v); break;
      case 'bool': w.bool(field, v); break;
      case 'int64': w.int64(field, v); break;
      case 'double': w.double(field, v); break;
      case 'any': w.message(field, encodeAny(v)); break;
      case 'anys': if (Array.isArray(v)) for (const x of v) w.message(field, encodeAny(x)); break;
      default:
        if (Array.isArray(kind)) { if (Array.isArray(v)) for (const x of v) w.message(field, kind[0](x)); }
        else w.message(field, kind(v));
    }
  });
  return w.finish();
}

/** A table-driven Encoder. */
export function messageOf(table: Table): Encoder { return (v) => encodeMessage(table, v); }

/**
 * `Any`: gnostic keeps free-form values (defaults, examples, enum members, vendor extensions) as the
 * YAML text of the value in field 2 (`yaml`); field 1 (a google.protobuf.Any) stays unset.
 * Long strings are not folded (Go's yaml.v3 does not wrap lines either), and scalars YAML 1.1 would
 * read as something else (`yes`, `on`, `no`) are quoted, as yaml.v3 quotes them: readers may be 1.1.
 */
export function encodeAny(v: unknown): Buffer {
  const text = stringify(v === undefined ? null : v, { lineWidth: 0, version: '1.1' });
  return new ProtoWriter().string(2, text).finish();
}

/** `NamedAny` entries for the object's `x-` keys, in document order. */
export function vendorExtensions(obj: Record<string, any>): Buffer[] {
  const out: Buffer[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (!k.startsWith('x-') || v === undefined) continue;
    out.push(new ProtoWriter().string(1, k).message(2, encodeAny(v)).finish());
  }
  return out;
}

/** One `Named<T>` pair: name = 1, value = 2. */
export function named(name: string, value: Buffer | null): Buffer {
  return new ProtoWriter().string(1, name).message(2, value).finish();
}

/**
 * A message whose only field (1) is `repeated Named<T> additional_properties`: how gnostic holds a
 * JSON object used as a map (Definitions, Properties, Headers, Examples, Oauth2Scopes ...).
 */
export function namedMap(valueOf: Encoder): Encoder {
  return (v) => {
    if (!isObject(v)) return null;
    const w = new ProtoWriter();
    for (const [k, x] of Object.entries(v)) if (x !== undefined) w.message(1, named(k, valueOf(x)));
    return w.finish();
  };
}

/** `StringArray` / `TypeItem`: field 1 `repeated string value`, from a string or a list of them. */
export const stringArray: Encoder = (v) => {
  if (typeof v === 'string') return new ProtoWriter().strings(1, [v]).finish();
  if (!Array.isArray(v)) return null;
  return new ProtoWriter().strings(1, v).finish();
};

/** `NamedString`'s value is a plain string, not a message. */
export const namedStringMap: Encoder = (v) => {
  if (!isObject(v)) return null;
  const w = new ProtoWriter();
  for (const [k, x] of Object.entries(v)) w.message(1, new ProtoWriter().string(1, k).string(2, String(x)).finish());
  return w.finish();
};

export { isObject };
