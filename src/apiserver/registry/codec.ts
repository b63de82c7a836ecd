/**
 * @module apiserver/registry/codec
 * How objects sit in storage: JSON without metadata.resourceVersion (storage's modRevision is the
 * resourceVersion, set again on every read), optionally through a value transformer (encryption at
 * rest plugs in here).
 */
import type { KeyValue } from '../../storage/interface.js';
import { jsonCopy } from '../../machinery/deep-copy.js';

/** How many just-written objects the codec remembers for the first decode of their value. */
const RECENT_LIMIT = 4096;

export interface ValueTransformer {
  toStorage(plain: string, key: string): string;
  fromStorage(stored: string, key: string): string;
}

export const identityTransformer: ValueTransformer = { toStorage: (s) => s, fromStorage: (s) => s };

export class ObjectCodec {
  /**
   * A copy of each object as it was just encoded, by key, until the value is first decoded. Every
   * write comes back at once through the watch cache, which would otherwise parse (and decrypt)
   * the JSON this process just made: a copy costs a quarter of a parse. A value that never comes
   * back (a lost compare-and-swap) is simply not matched; the oldest entries go past the limit.
   */
  private readonly recent = new Map<string, { value: string; obj: any }>();

  constructor(private readonly transformer: ValueTransformer = identityTransformer) {}

  encode(obj: any, key: string): string {
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined) delete obj.metadata.resourceVersion;
    const s = JSON.stringify(obj);
    const value = this.transformer.toStorage(s, key);
    this.recent.delete(key);
    if (this.recent.size >= RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, { value, obj: jsonCopy(obj) });
    if (rv !== undefined) obj.metadata.resourceVersion = rv;
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
    } else {
      obj = JSON.parse(this.transformer.fromStorage(kv.value, kv.key));
    }
    if (obj.metadata) obj.metadata.resourceVersion = String(kv.modRevision);
    return obj;
  }
}
