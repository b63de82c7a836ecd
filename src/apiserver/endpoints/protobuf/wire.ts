/**
 * @module apiserver/endpoints/protobuf/wire
 * Protocol buffers wire reading, schema-free: splits one message into (field number, wire type,
 * value) records with every length and varint checked, so garbage input yields an Error, never a crash.
 */

/** Wire types of the protobuf encoding (groups, 3 and 4, are not used by Kubernetes and are refused). */
export const VARINT = 0, FIXED64 = 1, LEN = 2, FIXED32 = 5;

/** One field record. `num` holds varint and fixed values as unsigned 64-bit; `bytes` a length-delimited payload. */
export interface WireField { field: number; wire: number; num: bigint; bytes: Buffer }

const EMPTY = Buffer.alloc(0);

/** Read a base-128 varint at `pos`; at most 10 bytes (a negative int32/int64 takes all 10). */
export function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    v |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (!(b & 0x80)) return [v & 0xffffffffffffffffn, pos];
  }
  throw new Error('varint longer than 10 bytes');
}

/** Every field of one message in wire order. Throws on truncation, bad wire types or field number 0. */
export function readFields(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    if (key >> 3n > 0x1fffffffn) throw new Error(`field number ${key >> 3n} out of range`);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new Error('field number 0 is not allowed');
    switch (wire) {
      case VARINT: {
        const [v, p2] = readVarint(buf, pos);
        pos = p2;
        out.push({ field, wire, num: v, bytes: EMPTY });
        break;
      }
      case FIXED64:
        if (pos + 8 > buf.length) throw new Error(`truncated fixed64 field ${field}`);
        out.push({ field, wire, num: buf.readBigUInt64LE(pos), bytes: buf.subarray(pos, pos + 8) });
        pos += 8;
        break;
      case FIXED32:
        if (pos + 4 > buf.length) throw new Error(`truncated fixed32 field ${field}`);
        out.push({ field, wire, num: BigInt(buf.readUInt32LE(pos)), bytes: buf.subarray(pos, pos + 4) });
        pos += 4;
        break;
      case LEN: {
        const [len, p2] = readVarint(buf, pos);
        pos = p2;
        if (len > BigInt(buf.length - pos)) throw new Error(`field ${field} length ${len} runs past the end of the message`);
        const end = pos + Number(len);
        out.push({ field, wire, num: len, bytes: buf.subarray(pos, end) });
        pos = end;
        break;
      }
      default:
        throw new Error(`unsupported wire type ${wire} for field ${field}`);
    }
  }
  return out;
}

/** A varint as a signed 64-bit number (two's complement), as JavaScript number. */
export function asInt64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** A varint as a signed 32-bit number: negative int32 values are sign-extended to 10-byte varints on the wire. */
export function asInt32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/** A varint as an unsigned 32-bit number. */
export function asUint32(v: bigint): number {
  return Number(BigInt.asUintN(32, v));
}
