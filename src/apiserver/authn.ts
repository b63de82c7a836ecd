/**
 * @module apiserver/authn
 * Authentication: who is asking. x509 client certificates signed by the cluster CA
 * (CN = user, O = groups), then bearer tokens (token file, bootstrap tokens, ServiceAccount JWTs,
 * OIDC: src/apiserver/authentication/). A request with no credentials is system:anonymous when
 * anonymous auth is on; a bearer token no authenticator accepts is 401, never anonymous.
 */
import type { TLSSocket, PeerCertificate } from 'node:tls';
import { unauthorized } from '../machinery/status.js';
import type { UserInfo } from './registry/context.js';
import type { Req } from './endpoints/response.js';

export interface Authenticator {
  /** A user, null when this authenticator has nothing to say, or throws 401 for bad credentials. */
  authenticate(req: Req): Promise<UserInfo | null> | UserInfo | null;
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

function tlsSocketOf(req: Req): TLSSocket | undefined {
  const anyReq = req as any;
  return (anyReq.stream?.session?.socket ?? anyReq.socket) as TLSSocket | undefined;
}

const certIdentity = new WeakMap<object, UserInfo | null>();

/** Client certificates verified against the cluster CA during the TLS handshake. */
export const x509Authenticator: Authenticator = {
  authenticate(req) {
    const sock = tlsSocketOf(req);
    if (!sock || typeof sock.getPeerCertificate !== 'function') return null;
    if (certIdentity.has(sock)) return certIdentity.get(sock)!;
    const cert = sock.getPeerCertificate() as PeerCertificate;
    if (!cert || !cert.subject || Object.keys(cert).length === 0) { certIdentity.set(sock, null); return null; }
    if (!sock.authorized) throw unauthorized();
    const cn = cert.subject.CN;
    const o = cert.subject.O;
    const groups = Array.isArray(o) ? o : o ? [o] : [];
    const user: UserInfo | null = cn ? { name: Array.isArray(cn) ? cn[0] : cn, groups: [...groups, 'system:authenticated'] } : null;
    certIdentity.set(sock, user);
    return user;
  },
};

/** What a token authenticator answers (see src/apiserver/authentication/token.ts). */
export interface BearerTokenAuthenticator {
  authenticateToken(token: string, apiAudiences: string[]): Promise<{ user: UserInfo; audiences: string[] } | null>;
}

/** Tokens longer than this are refused before any parsing (Kubernetes' header limits are similar). */
const MAX_TOKEN_LENGTH = 16 * 1024;

/** The bearer token of a request, if it carries one (`Authorization: Bearer ...`). */
export function bearerToken(req: Req): string | undefined {
  const h = req.headers['authorization'];
  if (typeof h !== 'string') return undefined;
  // Other schemes (Basic, ...) are not ours to judge: Kubernetes treats them as no credentials.
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

/** Bearer tokens as an Authenticator in the chain; apiAudiences are the audiences this server accepts. */
export function bearerAuthenticator(tokens: BearerTokenAuthenticator, apiAudiences: string[]): Authenticator {
  return {
    async authenticate(req) {
      const token = bearerToken(req);
      if (token === undefined) return null;
      if (token.length > MAX_TOKEN_LENGTH) throw unauthorized();
      const r = await tokens.authenticateToken(token, apiAudiences);
      if (!r) throw unauthorized();
      return r.user;
    },
  };
}

export async function authenticate(chain: Authenticator[], req: Req, anonymous = true): Promise<UserInfo> {
  for (const a of chain) {
    const u = await a.authenticate(req);
    if (u) return u;
  }
  if (!anonymous) throw unauthorized();
  return ANONYMOUS;
}
