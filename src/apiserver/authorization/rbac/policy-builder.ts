/**
 * @module apiserver/authorization/rbac/policy-builder
 * Small builders for the default policy (Kubernetes' rbacv1helpers NewRule/NewClusterBinding and
 * bootstrappolicy's addDefaultMetadata): every default object carries the rbac-defaults label and
 * the autoupdate annotation so the bootstrap reconciler may keep it current.
 */
import { newRule } from './rule.js';
import { AUTOUPDATE_ANNOTATION, RBAC_GROUP, type AggregationRule, type ClusterRole, type PolicyRule, type Role, type RoleBinding, type Subject } from './types.js';

export const READ = ['get', 'list', 'watch'];
export const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
export const READ_WRITE = [...READ, ...WRITE];
export const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];
export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

/** rbacv1helpers.NewRule(verbs...).Groups(groups...).Resources(resources...)[.Names(names...)]. */
export const rule = (verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule => newRule(verbs, { groups, resources, names });
/** rbacv1helpers.NewRule(verbs...).URLs(urls...). */
export const urlRule = (verbs: string[], urls: string[]): PolicyRule => newRule(verbs, { urls });
/** eventsRule(): recording events in both event API groups. */
export const eventsRule = (): PolicyRule => rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

function meta(name: string, namespace: string | undefined, labels?: Record<string, string>): any {
  const m: any = { name };
  if (namespace) m.namespace = namespace;
  m.labels = { ...(labels ?? {}), ...BOOTSTRAP_LABEL };
  m.annotations = { [AUTOUPDATE_ANNOTATION]: 'true' };
  return m;
}

export function clusterRole(name: string, rules: PolicyRule[], opts: { labels?: Record<string, string>; aggregateFrom?: string } = {}): ClusterRole {
  const r: ClusterRole = { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: meta(name, undefined, opts.labels), rules };
  if (opts.aggregateFrom) {
    const agg: AggregationRule = { clusterRoleSelectors: [{ matchLabels: { [opts.aggregateFrom]: 'true' } }] };
    r.aggregationRule = agg;
    r.rules = [];
  }
  return r;
}

export function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role', metadata: meta(name, namespace), rules };
}

export const users = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'User', apiGroup: RBAC_GROUP, name }));
export const groups = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'Group', apiGroup: RBAC_GROUP, name }));
export const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

/** NewClusterBinding(roleName): a ClusterRoleBinding named after its ClusterRole. */
export function clusterBinding(roleName: string, subjects: Subject[]): RoleBinding {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: meta(roleName, undefined), roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName }, subjects };
}

/** NewRoleBinding(name, namespace) of a Role in the same namespace. */
export function roleBinding(namespace: string, name: string, roleName: string, subjects: Subject[]): RoleBinding {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'RoleBinding', metadata: meta(name, namespace), roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName }, subjects };
}
