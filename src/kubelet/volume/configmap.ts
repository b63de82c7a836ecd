/**
 * @module kubelet/volume/configmap
 * The configMap and secret volumes' payloads (pkg/volume/configmap, pkg/volume/secret MakePayload):
 * every key as a file, or only the listed `items` at their paths and modes. A missing object or
 * key is an error unless the source is optional. Also used by projected volumes.
 */
import type { FileProjection } from './atomic-writer.js';
import { isNotFound } from './errors.js';

/** Upstream's default for defaultMode (0644), for configMap, secret, downwardAPI and projected. */
export const DEFAULT_MODE = 0o644;

export type ObjectKind = 'configmap' | 'secret';

/** GET a ConfigMap or Secret; undefined when it does not exist and `optional`, else the kubelet manager's error. */
export async function getObject(cs: any, kind: ObjectKind, ns: string, name: string, optional: boolean): Promise<any | undefined> {
  try {
    return await (kind === 'configmap' ? cs.configmaps : cs.secrets).get(ns, name);
  } catch (e) {
    if (isNotFound(e)) {
      if (optional) return undefined;
      throw new Error(`${kind} "${name}" not found`);
    }
    throw e;
  }
}

/** The files of a ConfigMap or Secret as a volume shows them. `obj` undefined means an optional, missing one. */
export function makePayload(kind: ObjectKind, obj: any | undefined, items: any[] | undefined, defaultMode: number, optional: boolean): Map<string, FileProjection> {
  const values = new Map<string, Buffer>();
  if (kind === 'configmap') {
    for (const [k, v] of Object.entries<string>(obj?.data ?? {})) values.set(k, Buffer.from(v, 'utf8'));
    for (const [k, v] of Object.entries<string>(obj?.binaryData ?? {})) values.set(k, Buffer.from(v, 'base64'));
  } else {
    for (const [k, v] of Object.entries<string>(obj?.data ?? {})) values.set(k, Buffer.from(v, 'base64'));
  }
  const payload = new Map<string, FileProjection>();
  if (!items?.length) {
    for (const [k, data] of values) payload.set(k, { data, mode: defaultMode });
    return payload;
  }
  for (const it of items) {
    const data = values.get(it.key);
    if (!data) {
      if (optional) continue;
      throw new Error(kind === 'configmap' ? `configmap references non-existent config key: ${it.key}` : `references non-existent secret key: ${it.key}`);
    }
    payload.set(it.path, { data, mode: it.mode ?? defaultMode });
  }
  return payload;
}
