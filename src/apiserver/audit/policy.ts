/**
 * @module apiserver/audit/policy
 * The audit Policy (audit.k8s.io/v1, --audit-policy-file): which requests are logged and how much
 * of them. Rules are checked in order and the first match decides the level; no match means None
 * (k8s.io/apiserver/pkg/audit/policy). The policy's omitStages are added to every rule's, and a
 * rule's omitManagedFields, when set, overrides the policy's. A file with no rules is refused, as
 * Kubernetes refuses it.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYAML } from 'yaml';
import { fieldErrorText, invalid, notSupported, required, type FieldError } from '../../machinery/field-errors.js';
import type { UserInfo } from '../registry/context.js';

export type Level = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type Stage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export const LEVELS: readonly Level[] = ['None', 'Metadata', 'Request', 'RequestResponse'];
export const STAGES: readonly Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];
export const AUDIT_API_VERSION = 'audit.k8s.io/v1';

/** level a is below level b (Level.Less). */
export function levelLess(a: Level, b: Level): boolean { return LEVELS.indexOf(a) < LEVELS.indexOf(b); }

export interface GroupResources { group?: string; resources?: string[]; resourceNames?: string[] }

export interface PolicyRule {
  level: Level;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: GroupResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

export interface Policy {
  apiVersion: string; kind: 'Policy'; metadata?: Record<string, unknown>;
  rules: PolicyRule[];
  omitStages?: Stage[];
  omitManagedFields?: boolean;
}

/** What the policy is asked about: authorizer attributes (a RequestInfo plus the user, if known). */
export interface AuditAttributes {
  /** Absent when authentication failed. */
  user?: Pick<UserInfo, 'name' | 'groups'> & Partial<UserInfo>;
  verb: string;
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  isResourceRequest: boolean;
  path: string;
}

/** What the policy decides for one request (RequestAuditConfigWithLevel). */
export interface RequestAuditConfig { level: Level; omitStages: Stage[]; omitManagedFields: boolean }

export class AuditPolicyError extends Error {
  constructor(message: string, readonly errors: FieldError[] = []) {
    super(message);
    this.name = 'AuditPolicyError';
  }
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function validateOmitStages(stages: unknown, path: string): FieldError[] {
  if (stages === undefined || stages === null) return [];
  if (!Array.isArray(stages)) return [invalid(path, stages, 'must be a list')];
  return stages.flatMap((s, i) => (STAGES.includes(s) ? [] : [invalid(`${path}[${i}]`, s, `allowed stages are ${STAGES.join(',')}`)]));
}

function validateRule(r: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (r?.level === undefined || r.level === '') errs.push(required(`${path}.level`));
  else if (!LEVELS.includes(r.level)) errs.push(notSupported(`${path}.level`, r.level, [...LEVELS].sort()));
  for (const f of ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs']) {
    if (r?.[f] != null && !(Array.isArray(r[f]) && r[f].every((x: unknown) => typeof x === 'string'))) errs.push(invalid(`${path}.${f}`, r[f], 'must be a list of strings'));
  }
  (Array.isArray(r?.nonResourceURLs) ? r.nonResourceURLs : []).forEach((url: string, i: number) => {
    if (url === '*' || typeof url !== 'string') return;
    if (!url.startsWith('/')) errs.push(invalid(`${path}.nonResourceURLs[${i}]`, url, "non-resource URL rules must begin with a '/' character"));
    if (url !== '' && url.slice(0, -1).includes('*')) errs.push(invalid(`${path}.nonResourceURLs[${i}]`, url, "non-resource URL wildcards '*' must be the final character of the rule"));
  });
  if (r?.resources != null && !Array.isArray(r.resources)) errs.push(invalid(`${path}.resources`, r.resources, 'must be a list'));
  (Array.isArray(r?.resources) ? r.resources : []).forEach((gr: any, i: number) => {
    const p = `${path}.resources[${i}]`;
    if (gr?.group && !(typeof gr.group === 'string' && gr.group.length <= 253 && DNS1123_SUBDOMAIN.test(gr.group))) errs.push(invalid(`${p}.group`, gr.group, DNS1123_MSG));
    if (gr?.resourceNames?.length && !gr?.resources?.length) errs.push(invalid(`${p}.resourceNames`, gr.resourceNames, 'using resourceNames requires at least one resource'));
  });
  errs.push(...validateOmitStages(r?.omitStages, `${path}.omitStages`));
  if (r?.nonResourceURLs?.length && (r?.resources?.length || r?.namespaces?.length)) {
    errs.push(invalid(`${path}.nonResourceURLs`, r.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
  }
  return errs;
}

/** ValidatePolicy. */
export function validatePolicy(p: any): FieldError[] {
  const errs = validateOmitStages(p?.omitStages, 'omitStages');
  (Array.isArray(p?.rules) ? p.rules : []).forEach((r: unknown, i: number) => errs.push(...validateRule(r, `rules[${i}]`)));
  return errs;
}

/** Parse (YAML or JSON) and validate a Policy; throws AuditPolicyError. */
export function parsePolicy(text: string, source = 'audit policy'): Policy {
  let doc: any;
  try {
    doc = parseYAML(text);
  } catch (e) {
    throw new AuditPolicyError(`failed to load audit policy from ${source}: failed decoding: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || doc.kind !== 'Policy' || doc.apiVersion !== AUDIT_API_VERSION) {
    throw new AuditPolicyError(`failed to load audit policy from ${source}: unknown group version field ${doc?.apiVersion ?? ''}, Kind=${doc?.kind ?? ''} in policy; want ${AUDIT_API_VERSION}, Kind=Policy`);
  }
  if (doc.rules != null && !Array.isArray(doc.rules)) throw new AuditPolicyError(`failed to load audit policy from ${source}: rules: must be a list`);
  const errs = validatePolicy(doc);
  if (errs.length) {
    const texts = errs.map(fieldErrorText);
    throw new AuditPolicyError(`failed to load audit policy from ${source}: ${texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`}`, errs);
  }
  if (!doc.rules?.length) throw new AuditPolicyError(`failed to load audit policy from ${source}: loaded illegal policy with 0 rules`);
  return doc as Policy;
}

/** Read --audit-policy-file. */
export function loadPolicy(path: string): Policy {
  return parsePolicy(readFileSync(path, 'utf8'), `file "${path}"`);
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function ruleMatchesResource(r: PolicyRule, a: AuditAttributes): boolean {
  if (!a.isResourceRequest) return false;
  // Cluster-scoped requests have the empty namespace, which a rule may list.
  if (r.namespaces?.length && !r.namespaces.includes(a.namespace ?? '')) return false;
  if (!r.resources?.length) return true;
  const resource = a.resource ?? '', sub = a.subresource ?? '', name = a.name ?? '';
  const combined = sub ? `${resource}/${sub}` : resource;
  for (const gr of r.resources) {
    if ((gr.group ?? '') !== (a.apiGroup ?? '')) continue;
    if (!gr.resources?.length) return true;
    if (gr.resourceNames?.length && !gr.resourceNames.includes(name)) continue;
    for (const res of gr.resources) {
      if (res === '*' || res === combined) return true;
      if (sub && res.startsWith('*/') && res.slice(2) === sub) return true;
      if (res.endsWith('/*') && res.slice(0, -2) === resource) return true;
    }
  }
  return false;
}

/** One rule against one request (ruleMatches). */
export function ruleMatches(r: PolicyRule, a: AuditAttributes): boolean {
  if (r.users?.length && (!a.user || !r.users.includes(a.user.name))) return false;
  if (r.userGroups?.length && (!a.user || !(a.user.groups ?? []).some((g) => r.userGroups!.includes(g)))) return false;
  if (r.verbs?.length && !r.verbs.includes(a.verb)) return false;
  if (r.namespaces?.length || r.resources?.length) return ruleMatchesResource(r, a);
  if (r.nonResourceURLs?.length) return !a.isResourceRequest && r.nonResourceURLs.some((s) => pathMatches(a.path, s));
  return true;
}

/** The policy ready to answer requests (policy.NewPolicyRuleEvaluator). */
export class PolicyRuleEvaluator {
  private readonly rules: (PolicyRule & { omitStages: Stage[] })[];
  constructor(readonly policy: Policy) {
    const base = policy.omitStages ?? [];
    this.rules = policy.rules.map((r) => ({ ...r, omitStages: [...new Set([...base, ...(r.omitStages ?? [])])] }));
  }

  levelFor(attrs: AuditAttributes): RequestAuditConfig {
    for (const r of this.rules) {
      if (ruleMatches(r, attrs)) {
        return { level: r.level, omitStages: r.omitStages, omitManagedFields: r.omitManagedFields ?? this.policy.omitManagedFields ?? false };
      }
    }
    return { level: 'None', omitStages: this.policy.omitStages ?? [], omitManagedFields: this.policy.omitManagedFields ?? false };
  }
}

/** levelFor without keeping an evaluator: first matching rule wins, no match is None. */
export function levelFor(policy: Policy, attrs: AuditAttributes): RequestAuditConfig {
  return new PolicyRuleEvaluator(policy).levelFor(attrs);
}
