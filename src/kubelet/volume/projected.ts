/**
 * @module kubelet/volume/projected
 * The projected volume (pkg/volume/projected collectData): configMap, secret, downwardAPI and
 * serviceAccountToken sources merged into one directory. A failing source does not stop the
 * others from being read; all failures are reported together, as upstream aggregates them.
 */
import type { FileProjection } from './atomic-writer.js';
import { getObject, makePayload } from './configmap.js';
import { downwardAPIPayload } from './downwardapi.js';
import { aggregate } from './errors.js';
import type { TokenManager } from './token-manager.js';

export async function projectedPayload(o: {
  cs: any; pod: any; source: any; defaultMode: number; tokens: TokenManager; allocatable: () => Promise<Record<string, string>>;
}): Promise<Map<string, FileProjection>> {
  const { pod, source, defaultMode } = o;
  const ns = pod.metadata.namespace;
  const payload = new Map<string, FileProjection>();
  const errs: Error[] = [];
  const add = (m: Map<string, FileProjection>) => { for (const [k, v] of m) payload.set(k, v); };
  for (const src of source.sources ?? []) {
    try {
      if (src.configMap || src.secret) {
        const kind = src.configMap ? 'configmap' : 'secret';
        const s = src.configMap ?? src.secret;
        const optional = s.optional === true;
        const obj = await getObject(o.cs, kind, ns, s.name, optional);
        add(makePayload(kind, obj, s.items, defaultMode, optional));
      } else if (src.downwardAPI) {
        add(downwardAPIPayload(pod, src.downwardAPI.items, defaultMode, await o.allocatable()));
      } else if (src.serviceAccountToken) {
        const tp = src.serviceAccountToken;
        const token = await o.tokens.getServiceAccountToken(ns, pod.spec?.serviceAccountName || 'default', {
          ...(tp.audience ? { audiences: [tp.audience] } : {}),
          expirationSeconds: tp.expirationSeconds ?? 3600,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
        });
        payload.set(tp.path, { data: Buffer.from(token), mode: defaultMode });
      }
    } catch (e) { errs.push(e as Error); }
  }
  const err = aggregate(errs);
  if (err) throw err;
  return payload;
}
