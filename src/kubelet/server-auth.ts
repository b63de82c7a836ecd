/**
 * @module kubelet/server-auth
 * Authorization of the kubelet API by the API server (upstream's `--authorization-mode=Webhook`,
 * pkg/kubelet/server/auth.go): each request becomes a SubjectAccessReview for the caller on the
 * `nodes` resource named after this node, with the subresource picked from the path (`stats`,
 * `metrics`, `log`, `spec`, else `proxy`, which covers exec, attach, portforward and logs) and the
 * verb from the HTTP method. Answers are cached briefly (allowed 5 min, denied 30 s, as upstream's
 * webhook cache), so a `kubectl logs -f` costs one review, not one per request.
 */
import type { Clientset } from '../client/clientset.js';

const SAR = { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', namespaced: false };

const isSubpath = (path: string, prefix: string) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);

/** The nodes subresource a kubelet API path is authorized as. */
export function subresourceFor(path: string): string {
  const p = path.split('?')[0];
  if (isSubpath(p, '/stats')) return 'stats';
  if (isSubpath(p, '/metrics')) return 'metrics';
  if (isSubpath(p, '/logs')) return 'log';
  if (isSubpath(p, '/spec')) return 'spec';
  if (isSubpath(p, '/checkpoint')) return 'checkpoint';
  return 'proxy';
}

export function webhookAuthorizer(cs: Clientset, nodeName: string, ttl = { allowedMs: 300_000, deniedMs: 30_000 }) {
  const cache = new Map<string, { allowed: boolean; until: number }>();
  return async (user: { user: string; groups: string[] }, verb: string, path: string): Promise<boolean> => {
    const subresource = subresourceFor(path);
    const key = JSON.stringify([user.user, [...user.groups].sort(), verb, subresource]);
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.allowed;
    const review = await cs.resource(SAR).create('', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: { user: user.user, groups: user.groups, resourceAttributes: { verb, resource: 'nodes', subresource, name: nodeName } },
    });
    const allowed = review?.status?.allowed === true;
    if (cache.size > 1024) cache.clear();
    cache.set(key, { allowed, until: Date.now() + (allowed ? ttl.allowedMs : ttl.deniedMs) });
    return allowed;
  };
}
