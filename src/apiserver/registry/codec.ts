/**
 * @module apiserver/registry/codec
 * How objects sit in storage: JSON without metadata.resourceVersion (storage's modRevision is the
 * resourceVersion, set again on every read), optionally through a value transformer (encryption at
 * rest plugs in here).
 */
import type { KeyValue } from '../../storage/interface.js';

export interface ValueTransformer {
  toStorage(plain: string, key: string): string;
  fromStorage(stored: string, key: string): string;
}

export const identityTransformer: ValueTransformer = { toStorage: (s) => s, fromStorage: (s) => s };

export class ObjectCodec {
  constructor(private readonly transformer: ValueTransformer = identityTransformer) {}

  encode(obj: any, key: string): string {
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined) delete obj.metadata.resourceVersion;
    const s = JSON.stringify(obj);
    if (rv !== undefined) obj.metadata.resourceVersion = rv;
    return this.transformer.toStorage(s, key);
  }

  decode(kv: KeyValue): any {
    const obj = JSON.parse(this.transformer.fromStorage(kv.value, kv.key));
    if (obj.metadata) obj.metadata.resourceVersion = String(kv.modRevision);
    return obj;
  }
}
