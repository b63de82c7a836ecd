/**
 * @module apiserver/authentication/bootstrap-token
 * Bootstrap tokens (`abcdef.0123456789abcdef`), the short-lived credentials kubeadm join uses. The
 * token id names a Secret `bootstrap-token-<id>` in kube-system holding the secret half; as in
 * Kubernetes' bootstrap authenticator, any mismatch just means "not a token of mine" (null), so the
 * request ends as 401 without telling the caller which part was wrong.
 */
import { timingSafeEqual } from 'node:crypto';
import type { LoopbackClient } from '../registry/loopback.js';
import { withAuthenticatedGroup, type TokenAuthenticator } from './token.js';

export const BootstrapTokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BootstrapTokenSecretPrefix = 'bootstrap-token-';
export const SecretTypeBootstrapToken = 'bootstrap.kubernetes.io/token';
export const BootstrapUserPrefix = 'system:bootstrap:';
export const BootstrapDefaultGroup = 'system:bootstrappers';
const BootstrapGroupPattern = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** The token id and secret of a bootstrap token, or null when it is not one. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | null {
  const m = BootstrapTokenPattern.exec(token);
  return m ? { id: m[1], secret: m[2] } : null;
}

/** One key of a Secret's data, decoded ('' when absent), as bootstrapsecretutil.GetData. */
function secretData(secret: any, key: string): string {
  const v = secret?.data?.[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '';
}

/** Whether the token's `expiration` has passed; an unparseable expiration counts as expired. */
export function bootstrapTokenExpired(secret: any, now = new Date()): boolean {
  const exp = secretData(secret, 'expiration');
  if (!exp) return false;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(exp)) return true;
  const t = Date.parse(exp);
  return Number.isNaN(t) || now.getTime() > t;
}

/** `system:bootstrappers` plus auth-extra-groups, sorted; null if an extra group is not a bootstrappers group. */
export function bootstrapTokenGroups(secret: any): string[] | null {
  const groups = new Set([BootstrapDefaultGroup]);
  const extra = secretData(secret, 'auth-extra-groups');
  if (extra) {
    for (const g of extra.split(',')) {
      if (!BootstrapGroupPattern.test(g)) return null;
      groups.add(g);
    }
  }
  return [...groups].sort();
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `--enable-bootstrap-token-auth`. */
export function bootstrapTokenAuthenticator(client: LoopbackClient, now: () => Date = () => new Date()): TokenAuthenticator {
  return {
    async authenticateToken(token, apiAudiences) {
      const parsed = parseBootstrapToken(token);
      if (!parsed) return null;
      const secret = await client.get('', 'secrets', 'kube-system', BootstrapTokenSecretPrefix + parsed.id);
      if (!secret) return null;
      if (secret.metadata?.deletionTimestamp) return null;
      if (secret.type !== SecretTypeBootstrapToken || !secret.data) return null;
      if (!constantTimeEqual(secretData(secret, 'token-secret'), parsed.secret)) return null;
      if (secretData(secret, 'token-id') !== parsed.id) return null;
      if (bootstrapTokenExpired(secret, now())) return null;
      if (secretData(secret, 'usage-bootstrap-authentication') !== 'true') return null;
      const groups = bootstrapTokenGroups(secret);
      if (!groups) return null;
      return { user: withAuthenticatedGroup({ name: BootstrapUserPrefix + parsed.id, groups }), audiences: [...apiAudiences] };
    },
  };
}
