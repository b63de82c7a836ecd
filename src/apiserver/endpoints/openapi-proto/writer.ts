/**
 * @module apiserver/endpoints/openapi-proto/writer
 * A minimal protocol buffers writer: tags, varints, fixed64 doubles and length-delimited fields.
 * It writes what Go's proto3 marshaller writes: scalars equal to their zero value are left out,
 * message fields are written whenever present (even when empty), repeated strings unpacked.
 */

/** Wire types (protobuf encoding spec). */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;

/** Little-endian base-128 varint; negatives take ten bytes as two's-complement 64-bit, as int64 does. */
export function varint(n: number | bigint): Buffer {
  let v = typeof n === 'bigint' ? n : BigInt(Math.trunc(n));
  if (v < 0n) v = BigInt.asUintN(64, v);
  if (v < 0x80n) return Buffer.from([Number(v)]);
  const out: number[] = [];
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  return Buffer.from(out);
}

function tag(field: number, wire: number): Buffer { return varint((field << 3) | wire); }

/** Builds one message; nested messages are built by their own writer and added with `message`. */
export class ProtoWriter {
  private chunks: Buffer[] = [];

  /** A string field; the empty string is proto3's default and is not written. */
  string(field: number, s: unknown): this {
    if (typeof s !== 'string' || s === '') return this;
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  /** `repeated string`: one length-delimited entry per element, empty strings included. */
  strings(field: number, list: unknown): this {
    if (!Array.isArray(list)) return this;
    for (const s of list) this.bytes(field, Buffer.from(String(s), 'utf8'));
    return this;
  }

  /** A bool field; false is left out unless `always` (a oneof member is written even when zero). */
  bool(field: number, b: unknown, always = false): this {
    if (typeof b !== 'boolean' || (!b && !always)) return this;
    this.chunks.push(tag(field, VARINT), Buffer.from([b ? 1 : 0]));
    return this;
  }

  int64(field: number, n: unknown): this {
    if (typeof n !== 'number' || !Number.isFinite(n) || Math.trunc(n) === 0) return this;
    this.chunks.push(tag(field, VARINT), varint(n));
    return this;
  }

  double(field: number, n: unknown): this {
    if (typeof n !== 'number' || n === 0) return this;
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    this.chunks.push(tag(field, FIXED64), b);
    return this;
  }

  /** An embedded message (already encoded); written even when empty, as Go writes a non-nil pointer. */
  message(field: number, body: Buffer | null | undefined): this {
    if (!body) return this;
    return this.bytes(field, body);
  }

  private bytes(field: number, body: Buffer): this {
    this.chunks.push(tag(field, LEN), varint(body.length), body);
    return this;
  }

  finish(): Buffer { return Buffer.concat(this.chunks); }
}
