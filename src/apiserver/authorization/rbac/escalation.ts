/**
 * @module apiserver/authorization/rbac/escalation
 * RBAC's escalation prevention, as Kubernetes' rbac REST storage applies it on create and update:
 * a user may write a Role/ClusterRole only with rules they already hold (or with the `escalate`
 * verb on it), and a RoleBinding/ClusterRoleBinding only to a role they may `bind` (or whose rules
 * they hold). "Holding" is decided by the coverage algorithm of pkg/registry/rbac/validation,
 * which breaks the new rules into one-verb, one-resource pieces so every piece is either covered
 * by one owner rule or reported missing. system:masters holds everything.
 */
import { StatusError } from '../../../machinery/status.js';
import type { UserInfo } from '../../registry/context.js';
import type { RequestInfo } from '../../request-info.js';
import type { RBACAuthorizer } from './authorizer.js';
import { aggregateErrors } from './authorizer.js';
import { RBAC_GROUP, goQuote, goQuoteList, resourceAttributes, type ClusterRole, type PolicyRule, type Role, type RoleBinding, type RoleRef } from './types.js';

/** Ask the whole authorizer chain (what Kubernetes' storage does for escalate and bind). */
export type AuthorizeFn = (user: UserInfo, attrs: RequestInfo) => boolean | Promise<boolean>;

export interface EscalationAuthorizer {
  /** Whose rules count as "held": the RBAC rule resolver. */
  rbac: Pick<RBACAuthorizer, 'policyRulesFor' | 'fetchRoleReferenceRules'>;
  authorize: AuthorizeFn;
}

const SYSTEM_PRIVILEGED_GROUP = 'system:masters';
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

const has = (set: readonly string[] | undefined, x: string): boolean => (set ?? []).includes(x);
const hasAll = (set: readonly string[] | undefined, xs: readonly string[] | undefined): boolean => {
  const s = new Set(set ?? []);
  return (xs ?? []).every((x) => s.has(x));
};

/** BreakdownRule: one rule per (group, resource, verb[, name]) and per (url, verb). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length) {
          for (const n of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourceCoversAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (has(owner, '*') || hasAll(owner, wanted)) return true;
  for (const path of wanted ?? []) {
    if (has(owner, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!has(owner, '*/' + path.slice(slash + 1))) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  return owner === sub || (owner.endsWith('*') && sub.startsWith(owner.replace(/\*+$/, '')));
}

/** ruleCovers: does one owner rule cover a broken-down servant rule? */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = (sub.nonResourceURLs ?? []).every((p) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, p)));
  const ownerNames = owner.resourceNames ?? [];
  const names = !sub.resourceNames?.length ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, sub.resourceNames);
  return verbs && groups && resources && names && urls;
}

/** Covers: whether the owner rules cover every servant rule, and the uncovered pieces. */
export function covers(ownerRules: readonly PolicyRule[], servantRules: readonly PolicyRule[]): [boolean, PolicyRule[]] {
  const missing: PolicyRule[] = [];
  for (const servant of servantRules) {
    for (const sub of breakdownRule(servant)) {
      if (!ownerRules.some((o) => ruleCovers(o, sub))) missing.push(sub);
    }
  }
  return [missing.length === 0, missing];
}

/** CompactRules: join single group/resource(/name) rules that differ only in verbs. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple = (r.resourceNames?.length ?? 0) <= 1 && !r.nonResourceURLs?.length && r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) { out.push(r); continue; }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.[0] ?? null]);
    const cur = simple.get(key);
    if (!cur) { simple.set(key, structuredClone(r)); continue; }
    for (const v of r.verbs ?? []) if (!cur.verbs.includes(v)) cur.verbs.push(v);
  }
  return out.concat([...simple.values()]);
}

/** CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["delete"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoteList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoteList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoteList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoteList(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoteList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** ConfirmNoEscalation: undefined when the user holds every rule, else the reason why not. */
export function confirmNoEscalation(authz: EscalationAuthorizer, user: UserInfo, namespace: string, rules: readonly PolicyRule[]): string | undefined {
  const { rules: owned, errors } = authz.rbac.policyRulesFor(user, namespace);
  const [ok, missing] = covers(owned, rules);
  if (ok) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${goQuote(user.name)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (errors.length) msg += `; resolution errors: [${aggregateErrors(errors)}]`;
  return msg;
}

/** EscalationAllowed: the privileged group may do anything. */
export function escalationAllowed(user: UserInfo): boolean {
  return (user.groups ?? []).includes(SYSTEM_PRIVILEGED_GROUP);
}

function forbiddenRbac(resource: string, name: string, why: string): StatusError {
  const qr = `${resource}.${RBAC_GROUP}`;
  return new StatusError(403, 'Forbidden', name ? `${qr} ${goQuote(name)} is forbidden: ${why}` : `${qr} is forbidden: ${why}`, { name: name || undefined, group: RBAC_GROUP, kind: resource });
}

/** IsOnlyMutatingGCFields: an update that touches only ownerReferences/finalizers/managedFields is never an escalation. */
export function isOnlyMutatingGCFields(obj: any, old: any): boolean {
  if (!old) return false;
  const strip = (o: any) => {
    const c = structuredClone(o);
    c.metadata = { ...c.metadata };
    for (const k of ['ownerReferences', 'finalizers', 'selfLink', 'managedFields', 'resourceVersion']) delete c.metadata[k];
    return canonical(c);
  };
  return strip(obj) === strip(old);
}
function canonical(v: any): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object') return '{' + Object.keys(v).filter((k) => v[k] !== undefined && v[k] !== null).sort().map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  return JSON.stringify(v);
}

const isClusterKind = (obj: { kind?: string }, namespace: string, clusterKind: string) => (obj.kind ? obj.kind === clusterKind : !namespace);

/**
 * Role/ClusterRole create (no oldRole) or update: allowed for system:masters, for a user with
 * `escalate` on the resource, or when the user already holds every rule. An aggregationRule
 * (which can gather anything) needs full authority. Throws 403 as Kubernetes words it.
 */
export async function checkRoleEscalation(authz: EscalationAuthorizer, user: UserInfo, role: Role | ClusterRole, namespace: string, oldRole?: Role | ClusterRole): Promise<void> {
  if (oldRole && isOnlyMutatingGCFields(role, oldRole)) return;
  if (escalationAllowed(user)) return;
  const cluster = isClusterKind(role, namespace, 'ClusterRole');
  const resource = cluster ? 'clusterroles' : 'roles';
  const name = role.metadata?.name ?? '';
  // The request's own attributes: a create has no name in its URL.
  const attrs = resourceAttributes({ verb: 'escalate', apiGroup: RBAC_GROUP, resource, namespace: cluster ? '' : namespace, name: oldRole ? name : '' });
  if (await authz.authorize(user, attrs)) return;
  const why = confirmNoEscalation(authz, user, cluster ? '' : namespace, role.rules ?? []);
  if (why) throw forbiddenRbac(resource, name, why);
  if (cluster && ((role as ClusterRole).aggregationRule || (oldRole as ClusterRole | undefined)?.aggregationRule)) {
    if (confirmNoEscalation(authz, user, '', FULL_AUTHORITY)) throw forbiddenRbac(resource, name, 'must have cluster-admin privileges to use the aggregationRule');
  }
}

/** BindingAuthorized: may the user `bind` the referenced role in the binding's namespace? */
export async function bindingAuthorized(authz: EscalationAuthorizer, user: UserInfo, ref: RoleRef, bindingNamespace: string): Promise<boolean> {
  if (ref.kind !== 'ClusterRole' && ref.kind !== 'Role') return false;
  const attrs = resourceAttributes({ verb: 'bind', apiGroup: ref.apiGroup ?? RBAC_GROUP, resource: ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles', namespace: bindingNamespace, name: ref.name });
  return authz.authorize(user, attrs);
}

/**
 * RoleBinding/ClusterRoleBinding create or update: allowed for system:masters, with `bind` on the
 * role (resourceNames may name it), or when the user holds every rule of the role. A role that
 * does not exist is 404 for a user who needs its rules, as in Kubernetes.
 */
export async function checkBindingEscalation(authz: EscalationAuthorizer, user: UserInfo, binding: RoleBinding, namespace: string, oldBinding?: RoleBinding): Promise<void> {
  if (oldBinding && isOnlyMutatingGCFields(binding, oldBinding)) return;
  if (escalationAllowed(user)) return;
  const cluster = isClusterKind(binding, namespace, 'ClusterRoleBinding');
  const ns = cluster ? '' : namespace;
  if (await bindingAuthorized(authz, user, binding.roleRef, ns)) return;
  const rules = await authz.rbac.fetchRoleReferenceRules(binding.roleRef, ns);
  const why = confirmNoEscalation(authz, user, ns, rules);
  if (why) throw forbiddenRbac(cluster ? 'clusterrolebindings' : 'rolebindings', binding.metadata?.name ?? '', why);
}
