/**
 * @module apiserver/authz
 * Authorization: may this user do this verb on this resource? The chain asks each authorizer in
 * turn; the first Allow or Deny decides. Until RBAC lands, system:masters may do everything and
 * anonymous users reach only health, version and discovery (Kubernetes' defaults).
 */
import { forbidden } from '../machinery/status.js';
import type { UserInfo } from './registry/context.js';
import type { RequestInfo } from './request-info.js';

export type Decision = 'Allow' | 'Deny' | 'NoOpinion';

export interface Authorizer {
  authorize(user: UserInfo, ri: RequestInfo): Promise<Decision> | Decision;
  /** Why it decided so (SubjectAccessReview's status.reason), asked only after a decision. */
  reason?(user: UserInfo, ri: RequestInfo): string;
}

const PUBLIC_PATHS = ['/healthz', '/livez', '/readyz', '/version', '/api', '/apis', '/openapi'];

export const mastersAuthorizer: Authorizer = {
  authorize: (user) => (user.groups.includes('system:masters') ? 'Allow' : 'NoOpinion'),
};

/** What Kubernetes' system:public-info-viewer and system:discovery roles grant to everyone. */
export const publicInfoAuthorizer: Authorizer = {
  authorize(_user, ri) {
    if (ri.isResourceRequest || ri.verb !== 'get') return 'NoOpinion';
    return PUBLIC_PATHS.some((p) => ri.path === p || ri.path.startsWith(p + '/')) ? 'Allow' : 'NoOpinion';
  },
};

/** The message Kubernetes gives for a refused request. */
export function forbiddenMessage(user: UserInfo, ri: RequestInfo): string {
  if (!ri.isResourceRequest) return `forbidden: User "${user.name}" cannot ${ri.verb} path "${ri.path}"`;
  const res = ri.subresource ? `${ri.resource}/${ri.subresource}` : ri.resource;
  const what = `User "${user.name}" cannot ${ri.verb} resource "${res}" in API group "${ri.apiGroup}"`;
  const where = ri.namespace ? ` in the namespace "${ri.namespace}"` : ' at the cluster scope';
  const head = ri.name ? `${ri.resource}${ri.apiGroup ? '.' + ri.apiGroup : ''} "${ri.name}" is forbidden: ` : `${ri.resource}${ri.apiGroup ? '.' + ri.apiGroup : ''} is forbidden: `;
  return head + what + where;
}

/** The chain's decision and its reason, as a SubjectAccessReview reports them. */
export async function decide(chain: Authorizer[], user: UserInfo, ri: RequestInfo, withReason = true): Promise<{ decision: Decision; reason: string }> {
  for (const a of chain) {
    const d = await a.authorize(user, ri);
    // The reason costs a second walk of the rules: only asked for when someone will read it.
    if (d !== 'NoOpinion') return { decision: d, reason: withReason || d !== 'Allow' ? a.reason?.(user, ri) ?? '' : '' };
  }
  return { decision: 'NoOpinion', reason: '' };
}

/** The 403 Kubernetes answers when the chain did not allow a request. */
export function forbiddenError(user: UserInfo, ri: RequestInfo, reason = '') {
  return forbidden(forbiddenMessage(user, ri) + (reason ? `: ${reason}` : ''), ri.isResourceRequest ? { name: ri.name || undefined, group: ri.apiGroup || undefined, kind: ri.resource } : undefined);
}
