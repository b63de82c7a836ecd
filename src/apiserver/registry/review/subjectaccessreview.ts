/**
 * @module apiserver/registry/review/subjectaccessreview
 * SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview (`kubectl auth can-i`)
 * and SelfSubjectRulesReview (`kubectl auth can-i --list`): the authorizer chain asked on
 * someone's behalf; nothing stored.
 */
import { badRequest } from '../../../machinery/status.js';
import { invalid, required, invalidError, type FieldError } from '../../../machinery/field-errors.js';
import type { VirtualHandler } from '../../endpoints/virtual.js';
import type { RequestInfo } from '../../request-info.js';
import type { Decision } from '../../authz.js';
import type { UserInfo } from '../context.js';

export type DecideFn = (user: UserInfo, ri: RequestInfo) => Promise<{ decision: Decision; reason: string }>;

export interface RulesResolver {
  rulesFor(user: UserInfo, namespace: string): { resourceRules: object[]; nonResourceRules: object[]; incomplete: boolean; evaluationError?: string };
}

function attrsOf(spec: any): RequestInfo {
  const ra = spec.resourceAttributes;
  if (ra) {
    return { isResourceRequest: true, path: '', verb: ra.verb ?? '', apiPrefix: ra.group ? 'apis' : 'api', apiGroup: ra.group ?? '', apiVersion: ra.version ?? '',
      namespace: ra.namespace ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', name: ra.name ?? '', parts: [] };
  }
  const nra = spec.nonResourceAttributes ?? {};
  return { isResourceRequest: false, path: nra.path ?? '', verb: nra.verb ?? '', apiPrefix: '', apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', parts: [] };
}

function attributesErrors(spec: any): FieldError[] {
  const hasR = !!spec?.resourceAttributes, hasN = !!spec?.nonResourceAttributes;
  if (hasR && hasN) return [invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes')];
  if (!hasR && !hasN) return [required('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  return [];
}

async function answer(decide: DecideFn, user: UserInfo, spec: any): Promise<object> {
  const { decision, reason } = await decide(user, attrsOf(spec));
  return { allowed: decision === 'Allow', ...(decision === 'Deny' ? { denied: true } : {}), ...(reason ? { reason } : {}) };
}

function subjectOf(spec: any): UserInfo {
  return { name: spec.user ?? '', groups: Array.isArray(spec.groups) ? spec.groups : [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
}

/** SubjectAccessReview, or (local) LocalSubjectAccessReview: resource questions in the URL's namespace only. */
function subjectReviewHandler(decide: DecideFn, local: boolean): VirtualHandler {
  const kind = local ? 'LocalSubjectAccessReview' : 'SubjectAccessReview';
  return {
    apiVersion: 'authorization.k8s.io/v1', kind,
    async handle({ body, ri }) {
      const spec = body.spec ?? {};
      const errs = attributesErrors(spec);
      if (local && spec.nonResourceAttributes) errs.push(invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
      if (!spec.user && !(spec.groups?.length)) errs.push(invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
      if (errs.length) throw invalidError('authorization.k8s.io', kind, body.metadata?.name ?? '', errs);
      if (local) {
        if ((spec.resourceAttributes.namespace ?? '') !== ri.namespace) throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${ri.namespace}`);
        body.metadata.namespace = ri.namespace;
      }
      return { code: 201, obj: { ...body, metadata: { ...body.metadata, creationTimestamp: null }, status: await answer(decide, subjectOf(spec), spec) } };
    },
  };
}

export const subjectAccessReviewHandler = (decide: DecideFn): VirtualHandler => subjectReviewHandler(decide, false);
export const localSubjectAccessReviewHandler = (decide: DecideFn): VirtualHandler => subjectReviewHandler(decide, true);

export function selfSubjectAccessReviewHandler(decide: DecideFn): VirtualHandler {
  return {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
    async handle({ body, user }) {
      const spec = body.spec ?? {};
      const errs = attributesErrors(spec);
      if (errs.length) throw invalidError('authorization.k8s.io', 'SelfSubjectAccessReview', body.metadata?.name ?? '', errs);
      return { code: 201, obj: { ...body, metadata: { ...body.metadata, creationTimestamp: null }, status: await answer(decide, user, spec) } };
    },
  };
}

export function selfSubjectRulesReviewHandler(rules: RulesResolver | null): VirtualHandler {
  return {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview',
    async handle({ body, user }) {
      const ns = body.spec?.namespace ?? '';
      if (!ns) throw badRequest('no namespace on request');
      const status = rules ? rules.rulesFor(user, ns)
        : { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'no authorizer that can list rules is configured' };
      return { code: 201, obj: { ...body, metadata: { ...body.metadata, creationTimestamp: null }, status } };
    },
  };
}
