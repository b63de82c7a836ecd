/**
 * @module apiserver/endpoints/protobuf
 * Decodes request bodies sent as `application/vnd.kubernetes.protobuf` (kubectl 1.32+ typed clients)
 * into the JSON form of the object, so the rest of the API server only ever sees JSON.
 *
 * Wire form (k8s.io/apimachinery/pkg/runtime/serializer/protobuf): the 4-byte prefix `k8s\0`, then a
 * runtime.Unknown {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType} whose
 * `raw` is the object's own generated.proto message.
 */
import { readFields, type WireField } from './wire.js';
import { message, MAX_DEPTH, type DecodeContext } from './decode.js';
import { messageFor } from './schema.js';

export { MAX_DEPTH } from './decode.js';

/** The 4 bytes that start every Kubernetes protobuf body. */
export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface DecodedProtobuf {
  apiVersion: string;
  kind: string;
  /** The object as JSON would carry it, `kind` and `apiVersion` included. */
  object: any;
  /** Fields the schema does not know, as `path.#number` (e.g. `spec.#42`); for strict field validation. */
  unknownFields: string[];
}

interface Envelope { apiVersion: string; kind: string; raw: Buffer }

function last(recs: WireField[], n: number): WireField | undefined {
  for (let i = recs.length - 1; i >= 0; i--) if (recs[i].field === n) return recs[i];
  return undefined;
}

function text(r: WireField | undefined, what: string): string {
  if (!r) return '';
  if (r.wire !== 2) throw new Error(`protobuf: runtime.Unknown ${what} has wire type ${r.wire}, want length-delimited`);
  return r.bytes.toString('utf8');
}

function envelope(body: Buffer): Envelope {
  if (!Buffer.isBuffer(body) || body.length < PROTOBUF_MAGIC.length || !body.subarray(0, 4).equals(PROTOBUF_MAGIC)) {
    throw new Error('protobuf: the body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  let recs: WireField[];
  try { recs = readFields(body.subarray(4)); } catch (e) { throw new Error(`protobuf: runtime.Unknown: ${(e as Error).message}`); }
  let apiVersion = '', kind = '';
  const tm = last(recs, 1);
  if (tm) {
    if (tm.wire !== 2) throw new Error('protobuf: runtime.Unknown typeMeta is not a message');
    let t: WireField[];
    try { t = readFields(tm.bytes); } catch (e) { throw new Error(`protobuf: runtime.Unknown typeMeta: ${(e as Error).message}`); }
    apiVersion = text(last(t, 1), 'apiVersion');
    kind = text(last(t, 2), 'kind');
  }
  const encoding = text(last(recs, 3), 'contentEncoding');
  if (encoding) throw new Error(`protobuf: content encoding ${JSON.stringify(encoding)} is not supported`);
  const contentType = text(last(recs, 4), 'contentType');
  if (contentType && contentType !== 'application/vnd.kubernetes.protobuf') {
    throw new Error(`protobuf: embedded content type ${JSON.stringify(contentType)} is not supported`);
  }
  if (!kind) throw new Error('protobuf: the object has no kind');
  if (!apiVersion) throw new Error(`protobuf: the ${kind} object has no apiVersion`);
  const raw = last(recs, 2);
  if (raw && raw.wire !== 2) throw new Error('protobuf: runtime.Unknown raw is not length-delimited');
  return { apiVersion, kind, raw: raw ? raw.bytes : Buffer.alloc(0) };
}

function decodeAt(body: Buffer, depth: number, path: string, unknownFields: string[]): DecodedProtobuf {
  if (depth > MAX_DEPTH) throw new Error(`protobuf: ${path}: nesting deeper than ${MAX_DEPTH} messages`);
  const env = envelope(body);
  const full = messageFor(env.apiVersion, env.kind);
  if (!full) throw new Error(`protobuf: no protobuf schema for ${env.apiVersion}, Kind=${env.kind}; send it as JSON`);
  const ctx: DecodeContext = {
    unknownFields,
    embedded: (raw, d, p) => decodeAt(raw, d, p, unknownFields).object,
  };
  const fields = message(full, env.raw, depth, path, ctx) as Record<string, unknown>;
  return { apiVersion: env.apiVersion, kind: env.kind, object: { kind: env.kind, apiVersion: env.apiVersion, ...fields }, unknownFields };
}

/**
 * Decode a Kubernetes protobuf request body into `{ apiVersion, kind, object }`, where `object` is
 * the JSON form of the object (see decode.ts for how zero values map to JSON). Throws an Error
 * with a message naming the problem for anything that is not a well-formed object of a known kind.
 */
export function decodeKubernetesProtobuf(body: Buffer): DecodedProtobuf {
  return decodeAt(body, 0, '', []);
}
