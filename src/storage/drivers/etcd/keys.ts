/**
 * @module storage/drivers/etcd/keys
 * Byte-level helpers shared by the etcd driver: key prefixing (like kube-apiserver's --etcd-prefix),
 * range ends for prefix scans, and etcd KeyValue -> storage KeyValue conversion.
 */
import type { IKeyValue } from 'etcd3';
import type { KeyValue } from '../../interface.js';

/** The key Kubernetes' compactor records the last compaction in (outside /registry/, so never listed). */
export const COMPACT_REV_KEY = 'compact_rev_key';

export class KeyCodec {
  constructor(readonly prefix: string) {}

  /** The etcd key for a storage key. */
  encode(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'utf8');
  }

  decode(raw: Buffer): string {
    const s = raw.toString('utf8');
    return this.prefix && s.startsWith(this.prefix) ? s.slice(this.prefix.length) : s;
  }

  /** [start, end) covering every key under `prefix`, beginning strictly after `startAfter` when given. */
  range(prefix: string, startAfter?: string): { key: Buffer; range_end: Buffer } {
    const p = this.encode(prefix);
    let start = p;
    if (startAfter !== undefined) {
      // The smallest key greater than startAfter is startAfter + NUL.
      const after = Buffer.concat([this.encode(startAfter), Buffer.from([0])]);
      if (Buffer.compare(after, p) > 0) start = after;
    }
    return { key: start, range_end: prefixEnd(p) };
  }

  kv(kv: IKeyValue): KeyValue {
    return {
      key: this.decode(kv.key),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }
}

/** The first key after every key starting with `p` (etcd's GetPrefixRangeEnd); NUL means "to the end". */
export function prefixEnd(p: Buffer): Buffer {
  const end = Buffer.from(p);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
