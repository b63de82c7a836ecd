/**
 * @module apiserver/options
 * kube-apiserver's security flags, and the Guards built from them once the registry exists:
 * authenticators (x509, token file, bootstrap tokens, ServiceAccount JWTs, OIDC), authorizers
 * (system:masters, Node, RBAC), the admission chain, the audit log, and the small controllers
 * they need (bootstrap policy, ClusterRole aggregation, ServiceAccount tokens, default
 * ServiceAccounts, kube-root-ca.crt). Encryption at rest is wired before the registry is made
 * (see encryptionFromFlags), because it sits under every stored object.
 */
import { readFile } from 'node:fs/promises';
import type { ValueTransformer } from './registry/codec.js';
import { x509Authenticator, bearerAuthenticator, type Authenticator } from './authn.js';
import { decide, mastersAuthorizer, publicInfoAuthorizer, type Authorizer } from './authz.js';
import type { APIServer, Guards, Runnable } from './server.js';
import type { ClusterPKI } from './pki/cluster-pki.js';
import type { VirtualHandler } from './endpoints/virtual.js';
import type { RulesResolver } from './registry/review/subjectaccessreview.js';
import { noAdmission, type AdmissionChain, type UserInfo } from './registry/context.js';
import type { RequestInfo } from './request-info.js';
import { unionTokenAuthenticator, audienceAgnostic, type TokenAuthenticator } from './authentication/token.js';
import { loadTokenFile } from './authentication/token-file.js';
import { bootstrapTokenAuthenticator } from './authentication/bootstrap-token.js';
import { OIDCAuthenticator } from './authentication/oidc.js';
import { loadOrCreateServiceAccountKeys } from './authentication/serviceaccount/keys.js';
import { serviceAccountTokenAuthenticator, DefaultServiceAccountIssuer } from './authentication/serviceaccount/tokens.js';
import { issueTokenRequest } from './authentication/serviceaccount/token-request.js';
import { LegacyTokenController } from './authentication/serviceaccount/legacy-token-controller.js';
import { RBACAuthorizer } from './authorization/rbac/authorizer.js';
import { NodeAuthorizer } from './authorization/node/authorizer.js';
import { checkRoleEscalation, checkBindingEscalation } from './authorization/rbac/escalation.js';
import { reconcileBootstrapPolicy } from './authorization/rbac/reconcile.js';
import { ClusterRoleAggregationController } from './authorization/rbac/aggregation.js';
import { Auditor } from './audit/auditor.js';
import { AuditLog } from './audit/log.js';
import { loadPolicy } from './audit/policy.js';
import { encryptionTransformer, loadEncryptionConfiguration } from '../storage/value/encryption-config.js';
import { ServiceAccountsController } from '../controllers/serviceaccount/controller.js';
import { RootCACertPublisher } from '../controllers/rootcacertpublisher/controller.js';
import { admissionFromFlags } from './admission/setup.js';

/** The flags, named as kube-apiserver names them. */
export interface SecurityFlags {
  anonymousAuth: boolean;
  tokenAuthFile?: string;
  enableBootstrapTokenAuth: boolean;
  serviceAccountIssuer: string;
  apiAudiences: string[];
  oidc?: { issuerURL: string; clientID: string; usernameClaim?: string; usernamePrefix?: string; groupsClaim?: string; groupsPrefix?: string; caFile?: string; requiredClaims?: Record<string, string> };
  /** AlwaysAllow, AlwaysDeny, Node, RBAC (in order). */
  authorizationModes: string[];
  enableAdmissionPlugins: string[];
  disableAdmissionPlugins: string[];
  auditPolicyFile?: string;
  auditLogPath?: string;
  auditLogMaxSizeMB?: number;
  encryptionProviderConfig?: string;
}

export const SECURITY_FLAG_OPTIONS = {
  'anonymous-auth': { type: 'string' }, 'token-auth-file': { type: 'string' }, 'enable-bootstrap-token-auth': { type: 'string' },
  'service-account-issuer': { type: 'string' }, 'api-audiences': { type: 'string' },
  'oidc-issuer-url': { type: 'string' }, 'oidc-client-id': { type: 'string' }, 'oidc-username-claim': { type: 'string' }, 'oidc-username-prefix': { type: 'string' },
  'oidc-groups-claim': { type: 'string' }, 'oidc-groups-prefix': { type: 'string' }, 'oidc-ca-file': { type: 'string' }, 'oidc-required-claim': { type: 'string', multiple: true },
  'authorization-mode': { type: 'string' }, 'enable-admission-plugins': { type: 'string' }, 'disable-admission-plugins': { type: 'string' },
  'audit-policy-file': { type: 'string' }, 'audit-log-path': { type: 'string' }, 'audit-log-maxsize': { type: 'string' },
  'encryption-provider-config': { type: 'string' },
} as const;

const list = (s: string | undefined): string[] => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
const boolFlag = (s: string | undefined, dflt: boolean): boolean => (s === undefined ? dflt : s === 'true' || s === '1' || s === '');

export function securityFlags(v: Record<string, any>): SecurityFlags {
  const issuer = v['service-account-issuer'] ?? DefaultServiceAccountIssuer;
  const f: SecurityFlags = {
    anonymousAuth: boolFlag(v['anonymous-auth'], true),
    tokenAuthFile: v['token-auth-file'],
    enableBootstrapTokenAuth: boolFlag(v['enable-bootstrap-token-auth'], true),
    serviceAccountIssuer: issuer,
    apiAudiences: v['api-audiences'] ? list(v['api-audiences']) : [issuer],
    authorizationModes: v['authorization-mode'] ? list(v['authorization-mode']) : ['Node', 'RBAC'],
    enableAdmissionPlugins: list(v['enable-admission-plugins']),
    disableAdmissionPlugins: list(v['disable-admission-plugins']),
    auditPolicyFile: v['audit-policy-file'],
    auditLogPath: v['audit-log-path'],
    auditLogMaxSizeMB: v['audit-log-maxsize'] ? Number(v['audit-log-maxsize']) : undefined,
    encryptionProviderConfig: v['encryption-provider-config'],
  };
  if (v['oidc-issuer-url']) {
    if (!v['oidc-client-id']) throw new Error('--oidc-client-id is required with --oidc-issuer-url');
    const required: Record<string, string> = {};
    for (const kv of (v['oidc-required-claim'] ?? []) as string[]) { const i = kv.indexOf('='); if (i > 0) required[kv.slice(0, i)] = kv.slice(i + 1); }
    f.oidc = { issuerURL: v['oidc-issuer-url'], clientID: v['oidc-client-id'], usernameClaim: v['oidc-username-claim'], usernamePrefix: v['oidc-username-prefix'],
      groupsClaim: v['oidc-groups-claim'], groupsPrefix: v['oidc-groups-prefix'], caFile: v['oidc-ca-file'], requiredClaims: Object.keys(required).length ? required : undefined };
  }
  for (const m of f.authorizationModes) if (!['AlwaysAllow', 'AlwaysDeny', 'Node', 'RBAC'].includes(m)) throw new Error(`--authorization-mode: unknown mode "${m}"`);
  return f;
}

/** The value transformer for --encryption-provider-config (identity when not given). */
export function encryptionFromFlags(f: SecurityFlags): ValueTransformer | undefined {
  if (!f.encryptionProviderConfig) return undefined;
  return encryptionTransformer(loadEncryptionConfiguration(f.encryptionProviderConfig));
}

const RBAC = 'rbac.authorization.k8s.io';
const alwaysAllow: Authorizer = { authorize: () => 'Allow' };
const alwaysDeny: Authorizer = { authorize: () => 'Deny' };

/** Build the guards for `server` from the flags; call before server.start(). */
export async function buildGuards(server: APIServer, f: SecurityFlags, dataDir: string, pki: ClusterPKI): Promise<Guards> {
  const client = server.client;
  const runnables: Runnable[] = [];

  // Authentication: Kubernetes' union order (x509, token file, ServiceAccounts, bootstrap tokens, OIDC).
  const keys = await loadOrCreateServiceAccountKeys(dataDir);
  const tokenAuths: TokenAuthenticator[] = [];
  // Authenticators whose tokens carry no audience count as valid for this server's audiences only.
  const auds = f.apiAudiences;
  if (f.tokenAuthFile) tokenAuths.push(audienceAgnostic(loadTokenFile(f.tokenAuthFile), auds));
  tokenAuths.push(serviceAccountTokenAuthenticator({ client, keys, issuers: [f.serviceAccountIssuer], implicitAudiences: auds }));
  if (f.enableBootstrapTokenAuth) tokenAuths.push(audienceAgnostic(bootstrapTokenAuthenticator(client), auds));
  if (f.oidc) {
    const caPEM = f.oidc.caFile ? await readFile(f.oidc.caFile, 'utf8') : undefined;
    tokenAuths.push(audienceAgnostic(new OIDCAuthenticator({ ...f.oidc, caPEM }), auds));
  }
  const tokens = unionTokenAuthenticator(tokenAuths);
  const authenticators: Authenticator[] = [x509Authenticator, bearerAuthenticator(tokens, f.apiAudiences)];

  // Authorization: system:masters always first (Kubernetes' privileged-group authorizer), then the modes.
  const authorizers: Authorizer[] = [mastersAuthorizer];
  let rules: RulesResolver | undefined;
  let rbac: RBACAuthorizer | undefined;
  for (const m of f.authorizationModes) {
    if (m === 'AlwaysAllow') authorizers.push(alwaysAllow);
    else if (m === 'AlwaysDeny') authorizers.push(alwaysDeny);
    else if (m === 'Node') { const n = new NodeAuthorizer(client); authorizers.push(n); runnables.push(n); }
    else if (m === 'RBAC') { rbac = new RBACAuthorizer(client); authorizers.push(rbac); rules = rbac; }
  }
  if (!rbac && !f.authorizationModes.includes('AlwaysAllow')) authorizers.push(publicInfoAuthorizer);
  if (rbac) {
    const r = rbac;
    // The default roles exist before RBAC starts answering, and aggregated roles stay current.
    runnables.unshift({ start: async () => { await reconcileBootstrapPolicy(client); await r.start(); }, stop: () => r.stop() });
    runnables.push(new ClusterRoleAggregationController(client));
    const may = async (u: UserInfo, ri: RequestInfo) => (await decide(authorizers, u, ri, false)).decision === 'Allow';
    const esc = { rbac: r, authorize: may };
    for (const res of ['roles', 'clusterroles']) {
      server.registry.setWriteGuard(RBAC, res, (op, ns, obj, old, ctx) => checkRoleEscalation(esc, ctx.user, obj, ns, old ?? undefined));
    }
    for (const res of ['rolebindings', 'clusterrolebindings']) {
      server.registry.setWriteGuard(RBAC, res, (op, ns, obj, old, ctx) => checkBindingEscalation(esc, ctx.user, obj, ns, old ?? undefined));
    }
  }

  // ServiceAccount tokens: the TokenRequest subresource and Secret-based tokens.
  const tokenRequest: VirtualHandler = {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    async handle({ ri, body, warnings }) {
      const tr = await issueTokenRequest(client, keys, { issuer: f.serviceAccountIssuer, apiAudiences: f.apiAudiences }, ri.namespace, ri.name, body, warnings);
      return { code: 201, obj: tr };
    },
  };
  runnables.push(new LegacyTokenController(client, keys, pki.ca.certPem, (m) => process.stderr.write(`skiff tokens-controller: ${m}\n`)));
  runnables.push(new ServiceAccountsController(client), new RootCACertPublisher(client, pki.ca.certPem));

  // Admission.
  // The certificate plugins ask the authorizers about `approve`/`sign` on certificates.k8s.io signers.
  const adm = await admissionFromFlags(client, f, async (user, verb, name) => (await decide(authorizers, user, {
    isResourceRequest: true, path: `/apis/certificates.k8s.io/v1/signers/${name}`, verb, apiPrefix: 'apis', apiGroup: 'certificates.k8s.io', apiVersion: 'v1',
    namespace: '', resource: 'signers', subresource: '', name, parts: ['signers', name],
  }, false)).decision === 'Allow');
  runnables.push(...adm.runnables);
  const admission: AdmissionChain = adm.chain ?? noAdmission;

  // Audit.
  let auditor: Auditor | undefined;
  if (f.auditPolicyFile && f.auditLogPath) {
    const log = new AuditLog(f.auditLogPath, { maxSizeMB: f.auditLogMaxSizeMB });
    auditor = new Auditor(loadPolicy(f.auditPolicyFile), log);
    runnables.push({ start: () => {}, stop: () => log.close() });
  }

  return { authenticators, anonymous: f.anonymousAuth, tokens, apiAudiences: f.apiAudiences, authorizers, rules, admission, tokenRequest, runnables, auditor };
}
