/**
 * @module apiserver/authentication/serviceaccount/token-request
 * The `serviceaccounts/token` subresource (TokenRequest): a bound token for a ServiceAccount,
 * optionally tied to a Pod, Secret or Node so it dies with that object. Follows Kubernetes'
 * TokenREST.Create: defaulting, validation, the bound object lookup, the max-expiration cap and the
 * one-year extension kubelet's 3607-second projected tokens get.
 */
import { StatusError, badRequest, conflict, notFound } from '../../../machinery/status.js';
import { invalid, invalidError, type FieldError } from '../../../machinery/field-errors.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { ServiceAccountKeys } from './keys.js';
import { DefaultServiceAccountIssuer, issueBoundToken, type ObjectRef } from './tokens.js';

export const MinTokenAgeSeconds = 10 * 60;
export const MaxTokenAgeSeconds = 2 ** 32;
export const DefaultTokenExpirationSeconds = 3600;
/** What kubelet asks for projected tokens; such tokens get a year and a warning after this. */
export const WarnOnlyBoundTokenExpirationSeconds = 60 * 60 + 7;
export const ExpirationExtensionSeconds = 24 * 365 * 60 * 60;

export interface TokenRequestOptions {
  /** --service-account-issuer (the first one). */
  issuer?: string;
  /** --api-audiences; the audiences of a request that names none. Default [issuer]. */
  apiAudiences?: string[];
  /** --service-account-max-token-expiration in seconds; 0 or unset means no cap. */
  maxExpirationSeconds?: number;
  /** --service-account-extend-token-expiration (default true). */
  extendExpiration?: boolean;
  now?: () => Date;
}

const GROUP = 'authentication.k8s.io';
const KIND = 'TokenRequest';

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** ValidateTokenRequest. */
export function validateTokenRequest(tr: any): FieldError[] {
  const errs: FieldError[] = [];
  const exp = tr.spec.expirationSeconds;
  if (exp < MinTokenAgeSeconds) errs.push(invalid('spec.expirationSeconds', exp, 'may not specify a duration less than 10 minutes'));
  if (exp > MaxTokenAgeSeconds) errs.push(invalid('spec.expirationSeconds', exp, 'may not specify a duration larger than 2^32 seconds'));
  return errs;
}

function gvkString(apiVersion: string, kind: string): string {
  const i = apiVersion.indexOf('/');
  const group = i < 0 ? '' : apiVersion.slice(0, i), version = i < 0 ? apiVersion : apiVersion.slice(i + 1);
  return `${group}/${version}, Kind=${kind}`;
}

/**
 * Creates a token for ServiceAccount `saName` in `namespace` from the TokenRequest body `tokenRequest`
 * and returns the TokenRequest with status.token filled. Warnings for the client go to `warnings`.
 */
export async function issueTokenRequest(
  client: LoopbackClient, keys: ServiceAccountKeys, opts: TokenRequestOptions,
  namespace: string, saName: string, tokenRequest: any, warnings: string[] = [],
): Promise<any> {
  if (!namespace) throw badRequest('namespace is required');
  const issuer = opts.issuer || DefaultServiceAccountIssuer;
  const apiAudiences = opts.apiAudiences?.length ? opts.apiAudiences : [issuer];
  const now = (opts.now ?? (() => new Date()))();
  const body = tokenRequest && typeof tokenRequest === 'object' ? tokenRequest : {};
  const meta = body.metadata && typeof body.metadata === 'object' ? body.metadata : {};
  const spec = body.spec && typeof body.spec === 'object' ? body.spec : {};

  if (meta.name && meta.name !== saName) {
    throw invalidError(GROUP, KIND, saName, [invalid('metadata.name', meta.name, 'must match the service account name if specified')]);
  }
  if (meta.namespace && meta.namespace !== namespace) {
    throw invalidError(GROUP, KIND, saName, [invalid('metadata.namespace', meta.namespace, 'must match the service account namespace if specified')]);
  }
  const sa = await client.get('', 'serviceaccounts', namespace, saName);
  if (!sa) throw notFound('', 'serviceaccounts', saName);

  if (spec.audiences !== undefined && spec.audiences !== null && (!Array.isArray(spec.audiences) || spec.audiences.some((a: unknown) => typeof a !== 'string'))) {
    throw badRequest('TokenRequest in version "v1" cannot be handled as a TokenRequest: spec.audiences: expected a list of strings');
  }
  let expirationSeconds = spec.expirationSeconds ?? DefaultTokenExpirationSeconds;
  if (typeof expirationSeconds !== 'number' || !Number.isInteger(expirationSeconds)) {
    throw badRequest('TokenRequest in version "v1" cannot be handled as a TokenRequest: spec.expirationSeconds: expected an integer');
  }
  const out: any = {
    kind: KIND, apiVersion: `${GROUP}/v1`,
    metadata: { ...meta, name: saName, namespace, creationTimestamp: rfc3339(now) },
    spec: {
      audiences: spec.audiences?.length ? [...spec.audiences] : [...apiAudiences],
      expirationSeconds,
      ...(spec.boundObjectRef ? { boundObjectRef: { ...spec.boundObjectRef } } : {}),
    },
    status: {},
  };
  const errs = validateTokenRequest(out);
  if (errs.length) throw invalidError(GROUP, KIND, '', errs);

  let pod: ObjectRef | undefined, secret: ObjectRef | undefined, node: ObjectRef | undefined;
  const ref = out.spec.boundObjectRef;
  if (ref) {
    const apiVersion = String(ref.apiVersion ?? ''), kind = String(ref.kind ?? ''), name = String(ref.name ?? '');
    // Only group and kind matter, as in Kubernetes (an empty apiVersion means the core group).
    const core = !apiVersion.includes('/');
    let obj: any;
    if (core && kind === 'Pod') {
      obj = await client.get('', 'pods', namespace, name);
      if (!obj) throw notFound('', 'pods', name);
      const podSA = obj.spec?.serviceAccountName || obj.spec?.serviceAccount || 'default';
      if (podSA !== saName) throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
      pod = { name, uid: obj.metadata.uid };
      // The pod's node rides along (ServiceAccountTokenPodNodeInfo); a node that is gone is left out.
      const nodeName = obj.spec?.nodeName;
      if (nodeName) {
        const n = await client.get('', 'nodes', '', nodeName);
        if (n) node = { name: nodeName, uid: n.metadata.uid };
      }
    } else if (core && kind === 'Node') {
      obj = await client.get('', 'nodes', '', name);
      if (!obj) throw notFound('', 'nodes', name);
      node = { name, uid: obj.metadata.uid };
    } else if (core && kind === 'Secret') {
      obj = await client.get('', 'secrets', namespace, name);
      if (!obj) throw notFound('', 'secrets', name);
      secret = { name, uid: obj.metadata.uid };
    } else {
      throw badRequest(`cannot bind token to object of type ${gvkString(apiVersion, kind)}`);
    }
    if (ref.uid && ref.uid !== obj.metadata.uid) {
      throw conflict('', kind, name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
  }

  if (opts.maxExpirationSeconds && opts.maxExpirationSeconds > 0 && expirationSeconds > opts.maxExpirationSeconds) {
    warnings.push(`requested expiration of ${expirationSeconds} seconds shortened to ${opts.maxExpirationSeconds} seconds`);
    expirationSeconds = out.spec.expirationSeconds = opts.maxExpirationSeconds;
  }
  let exp = expirationSeconds, warnAfterSeconds = 0;
  const kubeAudiences = out.spec.audiences.every((a: string) => apiAudiences.includes(a));
  if ((opts.extendExpiration ?? true) && pod && expirationSeconds === WarnOnlyBoundTokenExpirationSeconds && kubeAudiences) {
    warnAfterSeconds = exp;
    exp = ExpirationExtensionSeconds;
  }
  let token: string;
  try {
    token = issueBoundToken(keys, issuer, sa, { audiences: out.spec.audiences, expirationSeconds: exp, warnAfterSeconds, pod, secret, node, now });
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw new StatusError(500, 'InternalError', `Internal error occurred: failed to generate token: ${(e as Error).message}`);
  }
  out.status = { token, expirationTimestamp: rfc3339(new Date(now.getTime() + expirationSeconds * 1000)) };
  return out;
}
