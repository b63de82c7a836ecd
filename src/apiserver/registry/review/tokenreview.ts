/**
 * @module apiserver/registry/review/tokenreview
 * TokenReview (who does this token belong to?) and SelfSubjectReview (`kubectl auth whoami`):
 * answered from the authenticators, nothing stored.
 */
import { StatusError, badRequest } from '../../../machinery/status.js';
import type { BearerTokenAuthenticator } from '../../authn.js';
import type { VirtualHandler } from '../../endpoints/virtual.js';
import type { UserInfo } from '../context.js';
import { nowRFC3339 } from '../object-meta.js';

function userInfoOf(u: UserInfo): object {
  return { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
}

export function tokenReviewHandler(tokens: BearerTokenAuthenticator | null, apiAudiences: string[]): VirtualHandler {
  return {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview',
    async handle({ body }) {
      const token = body.spec?.token;
      if (typeof token !== 'string' || token === '') throw badRequest('token is required for TokenReview in authentication');
      const wanted: string[] = Array.isArray(body.spec?.audiences) && body.spec.audiences.length ? body.spec.audiences : apiAudiences;
      let status: any;
      try {
        const r = tokens ? await tokens.authenticateToken(token, wanted) : null;
        if (!r) status = { authenticated: false, user: {}, error: '[invalid bearer token, token lookup failed]' };
        else {
          const audiences = r.audiences.length ? r.audiences.filter((a) => wanted.includes(a)) : wanted;
          status = { authenticated: true, user: userInfoOf(r.user), audiences };
        }
      } catch (e) {
        if (!(e instanceof StatusError)) throw e;
        status = { authenticated: false, user: {}, error: e.message === 'Unauthorized' ? '[invalid bearer token]' : e.message };
      }
      if (!body.spec.audiences) status.audiences ??= undefined;
      return { code: 201, obj: { ...body, metadata: { ...body.metadata, creationTimestamp: null }, status } };
    },
  };
}

export function selfSubjectReviewHandler(): VirtualHandler {
  return {
    apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview',
    async handle({ body, user }) {
      return { code: 201, obj: { ...body, metadata: { ...body.metadata, creationTimestamp: nowRFC3339() }, status: { userInfo: userInfoOf(user) } } };
    },
  };
}
