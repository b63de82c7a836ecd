/**
 * @module apiserver/authentication/serviceaccount/tokens
 * ServiceAccount tokens: issuing and checking both kinds Kubernetes has. Legacy tokens (iss
 * `kubernetes/serviceaccount`) live in a Secret and never expire, so they hold only while that
 * Secret and the ServiceAccount (same uid) exist. Bound tokens (TokenRequest, projected volumes)
 * carry an issuer, audiences, an expiry and the object they are bound to; they hold until they
 * expire or that object or the ServiceAccount goes away. Either kind is refused the moment the
 * ServiceAccount is recreated with a new uid.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { UserInfo } from '../../registry/context.js';
import { signJWT, unverifiedClaims, verifyJWT, checkTimes, audiencesOf, parseJWS, DEFAULT_LEEWAY_SECONDS, JWTError } from '../jwt.js';
import { tokenRejected, intersectAudiences, withAuthenticatedGroup, type TokenAuthenticator } from '../token.js';
import type { ServiceAccountKeys } from './keys.js';
import { keyIDFromPublicKey } from './keys.js';

export const LegacyIssuer = 'kubernetes/serviceaccount';
export const DefaultServiceAccountIssuer = 'https://kubernetes.default.svc.cluster.local';

export const ServiceAccountUsernamePrefix = 'system:serviceaccount:';
export const AllServiceAccountsGroup = 'system:serviceaccounts';
export const ServiceAccountGroupPrefix = 'system:serviceaccounts:';
export const PodNameKey = 'authentication.kubernetes.io/pod-name';
export const PodUIDKey = 'authentication.kubernetes.io/pod-uid';
export const NodeNameKey = 'authentication.kubernetes.io/node-name';
export const NodeUIDKey = 'authentication.kubernetes.io/node-uid';
export const CredentialIDKey = 'authentication.kubernetes.io/credential-id';
/** A label the legacy token cleaner sets on Secrets whose tokens must no longer work. */
export const LegacyTokenInvalidSinceLabel = 'kubernetes.io/legacy-token-invalid-since';

const LEGACY_NS = 'kubernetes.io/serviceaccount/namespace';
const LEGACY_SECRET = 'kubernetes.io/serviceaccount/secret.name';
const LEGACY_SA_NAME = 'kubernetes.io/serviceaccount/service-account.name';
const LEGACY_SA_UID = 'kubernetes.io/serviceaccount/service-account.uid';

export function makeUsername(namespace: string, name: string): string {
  return `${ServiceAccountUsernamePrefix}${namespace}:${name}`;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Namespace and name of a ServiceAccount username, or null (SplitUsername). */
export function splitUsername(username: string): { namespace: string; name: string } | null {
  if (!username.startsWith(ServiceAccountUsernamePrefix)) return null;
  const parts = username.slice(ServiceAccountUsernamePrefix.length).split(':');
  if (parts.length !== 2) return null;
  const [namespace, name] = parts;
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) return null;
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) return null;
  return { namespace, name };
}

/** What a valid token says about who is calling (apiserver serviceaccount.ServiceAccountInfo). */
export interface ServiceAccountInfo {
  namespace: string; name: string; uid: string;
  podName?: string; podUID?: string; nodeName?: string; nodeUID?: string; credentialID?: string;
}

/** The user of a ServiceAccount token, with the groups and extra Kubernetes gives it. */
export function serviceAccountUserInfo(sa: ServiceAccountInfo): UserInfo {
  const user: UserInfo = { name: makeUsername(sa.namespace, sa.name), uid: sa.uid, groups: [AllServiceAccountsGroup, ServiceAccountGroupPrefix + sa.namespace] };
  const extra: Record<string, string[]> = {};
  if (sa.podName && sa.podUID) { extra[PodNameKey] = [sa.podName]; extra[PodUIDKey] = [sa.podUID]; }
  if (sa.credentialID) extra[CredentialIDKey] = [sa.credentialID];
  if (sa.nodeName) { extra[NodeNameKey] = [sa.nodeName]; if (sa.nodeUID) extra[NodeUIDKey] = [sa.nodeUID]; }
  if (Object.keys(extra).length) user.extra = extra;
  return withAuthenticatedGroup(user);
}

/** Object keys sorted at every level: the payload reads as Go's map-based JSON encoder writes it. */
function sortedKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortedKeys) as T;
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys((v as any)[k])])) as T;
  }
  return v;
}

export function legacyTokenClaims(serviceAccount: any, secret: any): Record<string, unknown> {
  const ns = serviceAccount.metadata.namespace;
  return sortedKeys({
    iss: LegacyIssuer,
    sub: makeUsername(ns, serviceAccount.metadata.name),
    [LEGACY_NS]: ns,
    [LEGACY_SECRET]: secret.metadata.name,
    [LEGACY_SA_NAME]: serviceAccount.metadata.name,
    [LEGACY_SA_UID]: serviceAccount.metadata.uid,
  });
}

/** A Secret-based token for `serviceAccount`, stored by the token controller in `secret`. */
export function issueLegacyToken(keys: ServiceAccountKeys, serviceAccount: any, secret: any): string {
  return signJWT(legacyTokenClaims(serviceAccount, secret), keys.privateKey, keys.kid);
}

export interface ObjectRef { name: string; uid: string }

export interface BoundTokenOptions {
  audiences: string[];
  expirationSeconds: number;
  /** Seconds after which the token is stale but still valid (extended projected-volume tokens). */
  warnAfterSeconds?: number;
  pod?: ObjectRef; secret?: ObjectRef; node?: ObjectRef;
  now?: Date;
}

/** The claims of a bound token (token.Claims plus the issuer): sorted, with a random jti. */
export function boundTokenClaims(issuer: string, serviceAccount: any, opts: BoundTokenOptions): Record<string, unknown> {
  if (opts.secret && (opts.pod || opts.node)) throw new Error('internal error, token can only be bound to one object type');
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const k8s: Record<string, unknown> = {
    namespace: serviceAccount.metadata.namespace,
    serviceaccount: { name: serviceAccount.metadata.name, uid: serviceAccount.metadata.uid },
  };
  if (opts.pod) k8s.pod = { name: opts.pod.name, uid: opts.pod.uid };
  if (opts.secret) k8s.secret = { name: opts.secret.name, uid: opts.secret.uid };
  if (opts.node) k8s.node = { name: opts.node.name, uid: opts.node.uid };
  if (opts.warnAfterSeconds) k8s.warnafter = now + opts.warnAfterSeconds;
  return sortedKeys({
    aud: [...opts.audiences], exp: now + opts.expirationSeconds, iat: now, iss: issuer, jti: randomUUID(),
    'kubernetes.io': k8s, nbf: now, sub: makeUsername(serviceAccount.metadata.namespace, serviceAccount.metadata.name),
  });
}

export function issueBoundToken(keys: ServiceAccountKeys, issuer: string, serviceAccount: any, opts: BoundTokenOptions): string {
  return signJWT(boundTokenClaims(issuer, serviceAccount, opts), keys.privateKey, keys.kid);
}

export interface ServiceAccountAuthenticatorOptions {
  client: LoopbackClient;
  /** The signing keys (their verificationKeys are used), or plain public keys. */
  keys: ServiceAccountKeys | KeyObject[];
  /** --service-account-issuer values; the first is the one tokens are issued with. */
  issuers?: string[];
  /** --api-audiences: the audiences of tokens that name none, and the default of those asked for. */
  implicitAudiences?: string[];
  now?: () => Date;
}

const goQuote = (list: string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

/**
 * Kubernetes' jwtTokenAuthenticator: null unless the token names one of `issuers`, then the
 * signature, the audiences and finally `validate` (object lookups) must all hold.
 */
function jwtTokenAuthenticator(
  issuers: string[], opts: ServiceAccountAuthenticatorOptions,
  validate: (token: string, claims: Record<string, unknown>, now: Date) => Promise<ServiceAccountInfo>,
): TokenAuthenticator {
  const keys = Array.isArray(opts.keys) ? opts.keys : opts.keys.verificationKeys;
  const kids = keys.map(keyIDFromPublicKey);
  const implicit = opts.implicitAudiences ?? [];
  const now = opts.now ?? (() => new Date());
  // Tokens whose signature has been checked (a signature never stops being valid for the same keys;
  // expiry and the bound objects are still checked on every request below). Components send the
  // same token thousands of times a second; an RSA verification each time is most of their cost.
  const verified = new Map<string, Record<string, unknown>>();
  return {
    async authenticateToken(token, apiAudiences) {
      let claims = verified.get(token);
      let tokenAudiences: string[];
      if (!claims) {
        const unverified = unverifiedClaims(token);
        if (!unverified || typeof unverified.iss !== 'string' || !issuers.includes(unverified.iss)) return null;
        const kid = parseJWS(token).header.kid;
        // The key named by kid first; the others still count, as Kubernetes tries every key it has.
        const ordered = kid ? [...keys.filter((_, i) => kids[i] === kid), ...keys.filter((_, i) => kids[i] !== kid)] : keys;
        try {
          claims = verifyJWT(token, ordered).claims;
        } catch (e) {
          throw tokenRejected(e instanceof JWTError ? e.message : String(e));
        }
        verified.set(token, claims);
        if (verified.size > VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
      }
      try {
        tokenAudiences = audiencesOf(claims);
      } catch (e) {
        throw tokenRejected(e instanceof JWTError ? e.message : String(e));
      }
      if (tokenAudiences.length === 0) tokenAudiences = implicit;
      const requested = apiAudiences.length ? apiAudiences : implicit;
      const auds = intersectAudiences(tokenAudiences, requested);
      if (auds.length === 0 && implicit.length !== 0) {
        throw tokenRejected(`token audiences ${goQuote(tokenAudiences)} is invalid for the target audiences ${goQuote(requested)}`);
      }
      const info = await validate(token, claims, now());
      return { user: serviceAccountUserInfo(info), audiences: auds };
    },
  };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const VERIFIED_CACHE_SIZE = 4096;

/** Secret-based tokens (iss `kubernetes/serviceaccount`), checked against the Secret and the ServiceAccount. */
export function legacyServiceAccountTokenAuthenticator(opts: ServiceAccountAuthenticatorOptions): TokenAuthenticator {
  const { client } = opts;
  return jwtTokenAuthenticator([LegacyIssuer], opts, async (token, c) => {
    const sub = str(c.sub), namespace = str(c[LEGACY_NS]), secretName = str(c[LEGACY_SECRET]);
    const saName = str(c[LEGACY_SA_NAME]), saUID = str(c[LEGACY_SA_UID]);
    if (!sub) throw tokenRejected('sub claim is missing');
    if (!namespace) throw tokenRejected('namespace claim is missing');
    if (!secretName) throw tokenRejected('secretName claim is missing');
    if (!saName) throw tokenRejected('serviceAccountName claim is missing');
    if (!saUID) throw tokenRejected('serviceAccountUID claim is missing');
    const subject = splitUsername(sub);
    if (!subject || subject.namespace !== namespace || subject.name !== saName) throw tokenRejected('sub claim is invalid');

    const secret = await client.get('', 'secrets', namespace, secretName);
    if (!secret || secret.metadata?.deletionTimestamp) throw tokenRejected('Token has been invalidated');
    const stored = typeof secret.data?.token === 'string' ? Buffer.from(secret.data.token, 'base64').toString('utf8') : '';
    if (stored !== token) throw tokenRejected("Token does not match server's copy");
    if (secret.metadata?.labels?.[LegacyTokenInvalidSinceLabel]) throw tokenRejected('Token has been invalidated');

    const sa = await client.get('', 'serviceaccounts', namespace, saName);
    if (!sa) throw tokenRejected(`serviceaccounts "${saName}" not found`);
    if (sa.metadata?.deletionTimestamp) throw tokenRejected(`ServiceAccount ${namespace}/${saName} has been deleted`);
    if (sa.metadata?.uid !== saUID) throw tokenRejected(`ServiceAccount UID (${sa.metadata?.uid}) does not match claim (${saUID})`);
    return { namespace, name: saName, uid: saUID };
  });
}

function refOf(v: unknown): ObjectRef | undefined {
  if (!v || typeof v !== 'object') return undefined;
  return { name: str((v as any).name), uid: str((v as any).uid) };
}

function deletedBefore(obj: any, cutoff: number): boolean {
  const ts = obj?.metadata?.deletionTimestamp;
  return typeof ts === 'string' && Date.parse(ts) < cutoff;
}

const TIME_MESSAGES = {
  'expired': 'service account token has expired',
  'not yet valid': 'service account token is not valid yet',
  'issued in the future': 'service account token is issued in the future',
} as const;

/**
 * Bound tokens from TokenRequest. As in Kubernetes, an object whose deletion began (or, for pods,
 * whose grace period ended) within the last minute still counts, so a terminating pod's token works.
 */
export function boundServiceAccountTokenAuthenticator(opts: ServiceAccountAuthenticatorOptions): TokenAuthenticator {
  const { client } = opts;
  const issuers = opts.issuers?.length ? opts.issuers : [DefaultServiceAccountIssuer];
  const withDefaults = { ...opts, implicitAudiences: opts.implicitAudiences ?? [issuers[0]] };
  return jwtTokenAuthenticator(issuers, withDefaults, async (_token, c, now) => {
    let problem;
    try { problem = checkTimes(c, Math.floor(now.getTime() / 1000)); } catch (e) {
      throw tokenRejected(`service account token claims could not be validated: ${(e as Error).message}`);
    }
    if (problem) throw tokenRejected(TIME_MESSAGES[problem]);
    const k8s = (c['kubernetes.io'] && typeof c['kubernetes.io'] === 'object' ? c['kubernetes.io'] : {}) as Record<string, unknown>;
    const namespace = str(k8s.namespace);
    const saRef = refOf(k8s.serviceaccount) ?? { name: '', uid: '' };
    const podRef = refOf(k8s.pod), secretRef = refOf(k8s.secret), nodeRef = refOf(k8s.node);
    if (!namespace || !saRef.name) throw tokenRejected('service account token is missing the kubernetes.io claims');
    const cutoff = now.getTime() - DEFAULT_LEEWAY_SECONDS * 1000;

    const sa = await client.get('', 'serviceaccounts', namespace, saRef.name);
    if (!sa) throw tokenRejected(`serviceaccounts "${saRef.name}" not found`);
    if (deletedBefore(sa, cutoff)) throw tokenRejected(`service account ${namespace}/${saRef.name} has been deleted`);
    if (sa.metadata?.uid !== saRef.uid) throw tokenRejected(`service account UID (${sa.metadata?.uid}) does not match claim (${saRef.uid})`);

    if (secretRef) {
      const secret = await client.get('', 'secrets', namespace, secretRef.name);
      if (!secret) throw tokenRejected(`secrets "${secretRef.name}" not found`);
      if (deletedBefore(secret, cutoff)) throw tokenRejected(`secret ${namespace}/${secretRef.name} has been deleted`);
      if (secret.metadata?.uid !== secretRef.uid) throw tokenRejected(`secret UID (${secret.metadata?.uid}) does not match service account secret ref claim (${secretRef.uid})`);
    }
    const info: ServiceAccountInfo = { namespace, name: saRef.name, uid: saRef.uid };
    if (podRef) {
      const pod = await client.get('', 'pods', namespace, podRef.name);
      if (!pod) throw tokenRejected(`pods "${podRef.name}" not found`);
      if (deletedBefore(pod, cutoff)) throw tokenRejected(`pod ${namespace}/${podRef.name} has been deleted`);
      if (pod.metadata?.uid !== podRef.uid) throw tokenRejected(`pod UID (${pod.metadata?.uid}) does not match service account pod ref claim (${podRef.uid})`);
      info.podName = podRef.name; info.podUID = podRef.uid;
    }
    if (nodeRef) {
      if (secretRef) throw tokenRejected('service account token is bound to a secret and a node');
      if (!podRef) {
        // A token bound to the node itself: the node must still be the one it was issued for.
        const node = await client.get('', 'nodes', '', nodeRef.name);
        if (!node) throw tokenRejected(`nodes "${nodeRef.name}" not found`);
        if (deletedBefore(node, cutoff)) throw tokenRejected(`node ${nodeRef.name} has been deleted`);
        if (node.metadata?.uid !== nodeRef.uid) throw tokenRejected(`node UID (${node.metadata?.uid}) does not match claim (${nodeRef.uid})`);
      }
      info.nodeName = nodeRef.name; info.nodeUID = nodeRef.uid;
    }
    if (typeof c.jti === 'string' && c.jti) info.credentialID = `JTI=${c.jti}`;
    return info;
  });
}

/** Both kinds: what the server wires in for ServiceAccount tokens. */
export function serviceAccountTokenAuthenticator(opts: ServiceAccountAuthenticatorOptions): TokenAuthenticator {
  const issuers = opts.issuers?.length ? opts.issuers : [DefaultServiceAccountIssuer];
  const o = { ...opts, issuers, implicitAudiences: opts.implicitAudiences ?? [issuers[0]] };
  const legacy = legacyServiceAccountTokenAuthenticator(o);
  const bound = boundServiceAccountTokenAuthenticator(o);
  return {
    async authenticateToken(token, apiAudiences) {
      return (await legacy.authenticateToken(token, apiAudiences)) ?? bound.authenticateToken(token, apiAudiences);
    },
  };
}
