/**
 * @module apiserver/authorization/rbac/types
 * The rbac.authorization.k8s.io/v1 object shapes RBAC reads (Role, ClusterRole, their bindings),
 * and the request attributes an authorizer judges: the RequestInfo fields Kubernetes'
 * authorizer.Attributes carries, so a parsed RequestInfo can be passed as it is.
 */
import type { RequestInfo } from '../../request-info.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
/** The annotation that lets the bootstrap reconciler update a default object unless it is "false". */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject { kind: string; apiGroup?: string; name: string; namespace?: string }
export interface RoleRef { apiGroup: string; kind: string; name: string }

export interface ObjectMeta {
  name: string; namespace?: string;
  labels?: Record<string, string>; annotations?: Record<string, string>;
  [k: string]: unknown;
}
export interface LabelSelectorObj { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }
export interface AggregationRule { clusterRoleSelectors?: LabelSelectorObj[] }

export interface Role { apiVersion?: string; kind?: string; metadata: ObjectMeta; rules?: PolicyRule[] | null }
export interface ClusterRole extends Role { aggregationRule?: AggregationRule | null }
export interface RoleBinding { apiVersion?: string; kind?: string; metadata: ObjectMeta; subjects?: Subject[] | null; roleRef: RoleRef }
export type ClusterRoleBinding = RoleBinding;

/** What an authorizer looks at: Kubernetes' authorizer.Attributes minus the user (passed beside it). */
export type Attributes = Pick<RequestInfo, 'isResourceRequest' | 'verb' | 'apiGroup' | 'namespace' | 'resource' | 'subresource' | 'name' | 'path'> & { apiVersion?: string };

/** A full RequestInfo for a resource check made by the server itself (escalate, bind). */
export function resourceAttributes(a: { verb: string; apiGroup: string; resource: string; namespace?: string; name?: string; subresource?: string }): RequestInfo {
  return {
    isResourceRequest: true, path: '', verb: a.verb, apiPrefix: a.apiGroup ? 'apis' : 'api', apiGroup: a.apiGroup, apiVersion: '*',
    namespace: a.namespace ?? '', resource: a.resource, subresource: a.subresource ?? '', name: a.name ?? '', parts: [],
  };
}

/** Go's strconv.Quote (what %q prints for a string), for messages that must read like Kubernetes'. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** %q of a []string: `["a" "b"]`. */
export function goQuoteList(xs: readonly string[] | undefined | null): string {
  return '[' + (xs ?? []).map(goQuote).join(' ') + ']';
}
