/**
 * @module apiserver/filters/impersonation
 * `kubectl --as/--as-group/--as-uid` (Impersonate-User, Impersonate-Group, Impersonate-Uid,
 * Impersonate-Extra-* headers): after authentication, each requested identity is checked with the
 * `impersonate` verb against the real user's permissions, and the request then runs as the
 * impersonated user. Mirrors k8s.io/apiserver/pkg/endpoints/filters/impersonation.go.
 */
import { forbidden, internalError } from '../../machinery/status.js';
import type { UserInfo } from '../registry/context.js';
import type { RequestInfo } from '../request-info.js';
import type { Req } from '../endpoints/response.js';

const SA_PREFIX = 'system:serviceaccount:';

/** The impersonation attributes Kubernetes checks for one requested identity. */
function impersonateAttrs(resource: string, name: string, opts: { group?: string; namespace?: string; subresource?: string } = {}): RequestInfo {
  return { isResourceRequest: true, path: '', verb: 'impersonate', apiPrefix: 'apis', apiGroup: opts.group ?? '', apiVersion: '',
    namespace: opts.namespace ?? '', resource, subresource: opts.subresource ?? '', name, parts: [] };
}

function headerValues(req: Req, name: string): string[] {
  const v = req.headers[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  // HTTP/1.1 folds repeated headers with ", "; Kubernetes sends one header per group.
  return list.flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter((x) => x.length > 0);
}

export interface Impersonation { user: UserInfo; requested: boolean }

/**
 * The user the request runs as. `may(user, attrs)` is the authorizer chain; every requested
 * identity must be allowed, or the request is refused with Kubernetes' 403.
 */
export async function impersonate(req: Req, user: UserInfo, may: (u: UserInfo, ri: RequestInfo) => Promise<boolean>): Promise<Impersonation> {
  if (!Object.keys(req.headers).some((h) => h.startsWith('impersonate-'))) return { user, requested: false };
  const asUser = headerValues(req, 'impersonate-user')[0];
  const asGroups = headerValues(req, 'impersonate-group');
  const asUid = headerValues(req, 'impersonate-uid')[0];
  const extra: Record<string, string[]> = {};
  for (const h of Object.keys(req.headers)) {
    if (!h.startsWith('impersonate-extra-')) continue;
    const key = decodeURIComponent(h.slice('impersonate-extra-'.length));
    extra[key] = headerValues(req, h);
  }
  const hasExtra = Object.keys(extra).length > 0;
  if (asUser === undefined) {
    if (asGroups.length || hasExtra || asUid !== undefined) {
      throw internalError(new Error(`requested ${JSON.stringify({ groups: asGroups, extra, uid: asUid })} without impersonating a user`));
    }
    return { user, requested: false };
  }
  const checks: RequestInfo[] = [];
  if (asUser.startsWith(SA_PREFIX) && asUser.split(':').length === 4) {
    const [, , ns, name] = asUser.split(':');
    checks.push(impersonateAttrs('serviceaccounts', name, { namespace: ns }));
  } else {
    checks.push(impersonateAttrs('users', asUser));
  }
  for (const g of asGroups) checks.push(impersonateAttrs('groups', g));
  for (const [k, vs] of Object.entries(extra)) for (const v of vs) checks.push(impersonateAttrs('userextras', v, { group: 'authentication.k8s.io', subresource: k }));
  if (asUid !== undefined) checks.push(impersonateAttrs('uids', asUid, { group: 'authentication.k8s.io' }));
  for (const c of checks) {
    if (!(await may(user, c))) {
      const qualified = c.apiGroup ? `${c.resource}.${c.apiGroup}` : c.resource;
      const res = c.subresource ? `${c.resource}/${c.subresource}` : c.resource;
      const scope = c.namespace ? `in the namespace "${c.namespace}"` : 'at the cluster scope';
      throw forbidden(`${qualified} "${c.name}" is forbidden: User "${user.name}" cannot impersonate resource "${res}" in API group "${c.apiGroup}" ${scope}`,
        { name: c.name, group: c.apiGroup || undefined, kind: c.resource });
    }
  }
  const groups = [...asGroups];
  if (asUser.startsWith(SA_PREFIX) && asGroups.length === 0) {
    const ns = asUser.split(':')[2];
    groups.push('system:serviceaccounts', `system:serviceaccounts:${ns}`);
  }
  // Like Kubernetes, an impersonated user is authenticated (unless it is the anonymous user).
  if (asUser === 'system:anonymous') { if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated'); }
  else if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
  const out: UserInfo = { name: asUser, groups, ...(asUid !== undefined ? { uid: asUid } : {}), ...(hasExtra ? { extra } : {}) };
  return { user: out, requested: true };
}
