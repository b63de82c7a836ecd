/**
 * @module apiserver/authentication/serviceaccount/legacy-token-controller
 * Kubernetes' TokensController for Secret-based tokens: a Secret of type
 * kubernetes.io/service-account-token that names a ServiceAccount gets a signed token, the CA and
 * the namespace written into it; one whose ServiceAccount is gone (or was recreated with another
 * uid) is deleted, since its token could never authenticate again.
 */
import type { LoopbackClient } from '../../registry/loopback.js';
import type { ServiceAccountKeys } from './keys.js';
import { issueLegacyToken } from './tokens.js';

export const SecretTypeServiceAccountToken = 'kubernetes.io/service-account-token';
export const ServiceAccountNameKey = 'kubernetes.io/service-account.name';
export const ServiceAccountUIDKey = 'kubernetes.io/service-account.uid';

export type PopulateResult = 'populated' | 'unchanged' | 'deleted' | 'skipped';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (v: unknown) => (typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '');

function needs(secret: any, rootCAPEM: string): { ca: boolean; namespace: boolean; token: boolean } {
  const data = secret.data ?? {};
  return {
    ca: rootCAPEM !== '' && unb64(data['ca.crt']) !== rootCAPEM,
    namespace: unb64(data.namespace) !== secret.metadata.namespace,
    token: !data.token,
  };
}

/**
 * Brings one Secret up to date: fills token, ca.crt and namespace and records the ServiceAccount's
 * uid, or deletes the Secret when its ServiceAccount no longer exists.
 */
export async function populateServiceAccountTokenSecret(
  client: LoopbackClient, keys: ServiceAccountKeys, secret: any, rootCAPEM = '',
): Promise<PopulateResult> {
  if (secret?.type !== SecretTypeServiceAccountToken || secret.metadata?.deletionTimestamp) return 'skipped';
  const ns: string = secret.metadata.namespace;
  const saName: string | undefined = secret.metadata.annotations?.[ServiceAccountNameKey];
  if (!saName) return 'skipped';
  const wantUID: string | undefined = secret.metadata.annotations?.[ServiceAccountUIDKey];
  const sa = await client.get('', 'serviceaccounts', ns, saName);
  if (!sa || (wantUID && sa.metadata.uid !== wantUID)) {
    // Only the Secret we looked at: one recreated meanwhile under the same name is left alone.
    const cur = await client.get('', 'secrets', ns, secret.metadata.name);
    if (cur && cur.metadata.uid === secret.metadata.uid) await client.delete('', 'secrets', ns, secret.metadata.name);
    return 'deleted';
  }
  const n = needs(secret, rootCAPEM);
  if (!n.ca && !n.namespace && !n.token) return 'unchanged';
  let changed = false;
  await client.update('', 'secrets', ns, secret.metadata.name, (cur) => {
    if (cur.metadata.uid !== secret.metadata.uid || cur.metadata.deletionTimestamp) return null;
    const m = needs(cur, rootCAPEM);
    if (!m.ca && !m.namespace && !m.token) return null;
    cur.metadata.annotations = { ...cur.metadata.annotations, [ServiceAccountNameKey]: sa.metadata.name, [ServiceAccountUIDKey]: sa.metadata.uid };
    cur.data = { ...cur.data };
    if (m.ca) cur.data['ca.crt'] = b64(rootCAPEM);
    if (m.namespace) cur.data.namespace = b64(ns);
    if (m.token) cur.data.token = b64(issueLegacyToken(keys, sa, cur));
    changed = true;
    return cur;
  });
  return changed ? 'populated' : 'unchanged';
}

/** Keeps every service-account-token Secret populated; re-checks all of them after any Secret or ServiceAccount change. */
export class LegacyTokenController {
  private unsubscribe: Array<() => void> = [];
  private running: Promise<void> | null = null;
  private dirty = false;
  private stopped = true;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: LoopbackClient,
    private readonly keys: ServiceAccountKeys,
    private readonly rootCAPEM = '',
    private readonly log: (msg: string) => void = () => {},
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const kick = () => { void this.sync(); };
    this.unsubscribe.push(this.client.onChange('', 'secrets', kick), this.client.onChange('', 'serviceaccounts', kick));
    kick();
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribe.splice(0)) u();
    if (this.retry) clearTimeout(this.retry);
  }

  /** One pass over all Secrets; calls during a pass make one more pass after it. Resolves when idle. */
  sync(): Promise<void> {
    if (this.running) { this.dirty = true; return this.running; }
    this.running = (async () => {
      do {
        this.dirty = false;
        if (this.stopped) break;
        await this.syncOnce();
      } while (this.dirty);
    })().finally(() => { this.running = null; });
    return this.running;
  }

  private async syncOnce(): Promise<void> {
    let failed = false;
    try {
      const secrets = await this.client.list('', 'secrets');
      for (const s of secrets) {
        if (s.type !== SecretTypeServiceAccountToken) continue;
        try {
          await populateServiceAccountTokenSecret(this.client, this.keys, s, this.rootCAPEM);
        } catch (e) {
          failed = true;
          this.log(`token controller: secret ${s.metadata?.namespace}/${s.metadata?.name}: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      failed = true;
      this.log(`token controller: listing secrets: ${(e as Error).message}`);
    }
    if (failed && !this.stopped && !this.retry) {
      this.retry = setTimeout(() => { this.retry = undefined; void this.sync(); }, 1000);
      this.retry.unref();
    }
  }
}
