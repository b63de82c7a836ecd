/**
 * @module apiserver/authn
 * Authentication: who is asking. Today x509 client certificates signed by the cluster CA
 * (CN = user, O = groups); requests without credentials are system:anonymous. Token
 * authenticators plug into the same chain (see docs/architecture.md).
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

export async function authenticate(chain: Authenticator[], req: Req): Promise<UserInfo> {
  for (const a of chain) {
    const u = await a.authenticate(req);
    if (u) return u;
  }
  return ANONYMOUS;
}
