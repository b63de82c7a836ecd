/**
 * @module apiserver/authentication/token
 * The shape every bearer-token authenticator shares (Kubernetes' authenticator.Token), the union
 * that tries them in turn, and the group adder that gives every authenticated user
 * `system:authenticated`. An authenticator answers null for a token that is not its kind, so the
 * next one can try; it throws 401 only for a token that is its kind but is not valid.
 */
import { StatusError, unauthorized } from '../../machinery/status.js';
import type { UserInfo } from '../registry/context.js';

export interface TokenAuthResult {
  user: UserInfo;
  /** The audiences the token is valid for (the intersection with the audiences asked for). */
  audiences: string[];
}

export interface TokenAuthenticator {
  authenticateToken(token: string, apiAudiences: string[]): Promise<TokenAuthResult | null>;
}

export const AllAuthenticated = 'system:authenticated';
export const AllUnauthenticated = 'system:unauthenticated';
export const Anonymous = 'system:anonymous';

/**
 * 401 for a token that belongs to an authenticator but is invalid. Clients always see plain
 * "Unauthorized" (as from Kubernetes); the reason rides along in `cause` for logs and tests.
 */
export function tokenRejected(reason: string): StatusError {
  const e = unauthorized();
  (e as Error).cause = new Error(reason);
  return e;
}

/** The reason a tokenRejected error carries, or the error's own message. */
export function rejectionReason(e: unknown): string {
  const c = (e as Error | undefined)?.cause;
  if (c instanceof Error) return c.message;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Kubernetes' AuthenticatedGroupAdder: every user a credential proves gets system:authenticated,
 * unless it is the anonymous user or already says which of the two it is.
 */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.name === Anonymous) return user;
  if (user.groups.includes(AllAuthenticated) || user.groups.includes(AllUnauthenticated)) return user;
  return { ...user, groups: [...user.groups, AllAuthenticated] };
}

/**
 * The union of token authenticators, as Kubernetes' unionAuthTokenHandler without FailOnError:
 * the first that accepts wins; an authenticator that throws does not stop the others, but if none
 * accepts, the first error is thrown (a 401 either way once the integrator sees null).
 */
export function unionTokenAuthenticator(list: TokenAuthenticator[]): TokenAuthenticator {
  return {
    async authenticateToken(token, apiAudiences) {
      let firstError: unknown;
      for (const a of list) {
        try {
          const r = await a.authenticateToken(token, apiAudiences);
          if (r) return r;
        } catch (e) {
          if (firstError === undefined) firstError = e;
        }
      }
      if (firstError !== undefined) throw firstError;
      return null;
    },
  };
}

/** Audiences in both lists, in the order of the first (authenticator.Audiences.Intersect). */
export function intersectAudiences(a: string[], b: string[]): string[] {
  const set = new Set(b);
  return [...new Set(a.filter((x) => set.has(x)))];
}

/**
 * Kubernetes' WrapAudienceAgnosticToken: an authenticator that knows nothing of audiences (token
 * file, bootstrap tokens, OIDC) is valid for the server's own audiences only, so a TokenReview
 * asking for other audiences gets null from it.
 */
export function audienceAgnostic(inner: TokenAuthenticator, implicitAudiences: string[]): TokenAuthenticator {
  return {
    async authenticateToken(token, apiAudiences) {
      const auds = implicitAudiences.length ? intersectAudiences(implicitAudiences, apiAudiences) : apiAudiences;
      if (implicitAudiences.length && auds.length === 0) return null;
      const r = await inner.authenticateToken(token, apiAudiences);
      return r ? { user: r.user, audiences: auds } : null;
    },
  };
}
