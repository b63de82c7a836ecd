/**
 * @module kubelet/volume/token-manager
 * The kubelet's ServiceAccount token cache (pkg/kubelet/token/token_manager.go): projected
 * `serviceAccountToken` sources get a token from the TokenRequest subresource, bound to the pod,
 * and reuse it until 80% of its lifetime (or 24 hours) has passed. A failed refresh keeps the old
 * token while it is still valid, so an API server hiccup never empties a pod's token file.
 */
import type { Clientset } from '../../client/clientset.js';

const MAX_TTL_MS = 24 * 3600_000;

export interface TokenRequestSpec { audiences?: string[]; expirationSeconds: number; boundObjectRef: { apiVersion: 'v1'; kind: 'Pod'; name: string; uid: string } }
interface Cached { token: string; expiresAt: number; issuedAt: number; podUID: string }

export class TokenManager {
  private cache = new Map<string, Cached>();
  constructor(private readonly cs: Clientset, private readonly now: () => number = Date.now) {}

  /** A token for `namespace/sa` with the request's audiences, expiry and pod binding. */
  async getServiceAccountToken(namespace: string, sa: string, spec: TokenRequestSpec): Promise<string> {
    const key = JSON.stringify([sa, namespace, spec.audiences ?? [], spec.expirationSeconds, spec.boundObjectRef]);
    const cached = this.cache.get(key);
    if (cached && !this.expired(cached) && !this.requiresRefresh(cached)) return cached.token;
    try {
      const path = this.cs.serviceaccounts.path(namespace, sa, 'token');
      const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec };
      const r = await this.cs.transport.request('POST', path, body);
      if (r.status < 200 || r.status >= 300) {
        let msg = `${r.status}`;
        try { msg = JSON.parse(r.body).message ?? msg; } catch { /* not a Status */ }
        throw new Error(msg);
      }
      const tr = JSON.parse(r.body);
      const expiresAt = Date.parse(tr.status.expirationTimestamp);
      const seconds = tr.spec?.expirationSeconds ?? spec.expirationSeconds;
      const entry = { token: tr.status.token as string, expiresAt, issuedAt: expiresAt - seconds * 1000, podUID: spec.boundObjectRef.uid };
      this.cache.set(key, entry);
      return entry.token;
    } catch (e) {
      if (cached && !this.expired(cached)) return cached.token;
      throw e;
    }
  }

  /** Forget the tokens bound to a pod that is gone. */
  deleteServiceAccountToken(podUID: string): void {
    for (const [k, v] of this.cache) if (v.podUID === podUID) this.cache.delete(k);
  }

  private expired(c: Cached): boolean { return this.now() >= c.expiresAt; }

  /** Older than 24 hours, or in the last 20% of its lifetime. */
  private requiresRefresh(c: Cached): boolean {
    const now = this.now();
    if (now > c.issuedAt + MAX_TTL_MS) return true;
    return now > c.expiresAt - (c.expiresAt - c.issuedAt) * 0.2;
  }
}
