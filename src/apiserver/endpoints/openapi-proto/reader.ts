/**
 * @module apiserver/endpoints/openapi-proto/reader
 * A minimal protocol buffers reader for checking encoded documents in tests: it splits a message
 * into its fields (number, wire type, raw value) without knowing the schema; callers descend into
 * length-delimited fields they know to be messages.
 */

export interface Field { field: number; wire: number; /** varint / fixed64 value */ num?: bigint; /** length-delimited bytes */ bytes?: Buffer }

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [v, pos];
    shift += 7n;
    if (shift > 63n) throw new Error('varint too long');
  }
}

/** Every field of one message, in wire order; throws on malformed input. */
export function readFields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new Error('field number 0');
    if (wire === 0) { const [v, p] = readVarint(buf, pos); out.push({ field, wire, num: v }); pos = p; }
    else if (wire === 1) { if (pos + 8 > buf.length) throw new Error('truncated fixed64'); out.push({ field, wire, num: buf.readBigUInt64LE(pos), bytes: buf.subarray(pos, pos + 8) }); pos += 8; }
    else if (wire === 2) {
      const [len, p] = readVarint(buf, pos);
      const end = p + Number(len);
      if (end > buf.length) throw new Error('truncated length-delimited field');
      out.push({ field, wire, bytes: buf.subarray(p, end) });
      pos = end;
    } else if (wire === 5) { out.push({ field, wire, num: BigInt(buf.readUInt32LE(pos)) }); pos += 4; }
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

/** All values of a field: sub-messages / strings as Buffers. */
export function all(buf: Buffer, field: number): Buffer[] {
  return readFields(buf).filter((f) => f.field === field && f.bytes).map((f) => f.bytes!);
}

/** The first length-delimited value of a field, or undefined. */
export function first(buf: Buffer, field: number): Buffer | undefined { return all(buf, field)[0]; }

/** A string field (undefined when absent). */
export function str(buf: Buffer, field: number): string | undefined { return first(buf, field)?.toString('utf8'); }

/** A `repeated Named<T>` field as a Map name -> encoded value (Named<T>: name = 1, value = 2). */
export function namedMap(buf: Buffer, field: number): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const entry of all(buf, field)) m.set(str(entry, 1) ?? '', first(entry, 2) ?? Buffer.alloc(0));
  return m;
}
