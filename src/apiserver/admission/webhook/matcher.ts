/**
 * @module apiserver/admission/webhook/matcher
 * Which webhooks a request goes to: the webhook's rules (operations, API groups/versions,
 * resources with subresources, scope), then its namespaceSelector and objectSelector, as
 * k8s.io/apiserver/pkg/admission/plugin/webhook/{predicates,namespace,object} decide.
 */
import { fromLabelSelector } from '../../../machinery/labels.js';
import type { AdmissionAttributes } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';

export interface Rule { operations?: string[]; apiGroups?: string[]; apiVersions?: string[]; resources?: string[]; scope?: string }

const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

// Whether a rule's resource pattern covers resource/subresource: a bare `*` or name matches only the
// main resource; `pods/status`, `pods/<any>` and `<any>/status` forms name subresources (`*` as any).
function resourceMatches(pattern: string, resource: string, subresource: string): boolean {
  const [pr, ps] = pattern.includes('/') ? [pattern.slice(0, pattern.indexOf('/')), pattern.slice(pattern.indexOf('/') + 1)] : [pattern, undefined];
  if (ps === undefined) return subresource === '' && (pr === '*' || pr === resource);
  return (pr === '*' || pr === resource) && (ps === '*' || ps === subresource);
}

export function ruleMatches(rule: Rule, a: AdmissionAttributes): boolean {
  if (!has(rule.operations, a.operation)) return false;
  if (!has(rule.apiGroups, a.group)) return false;
  if (!has(rule.apiVersions, a.version)) return false;
  if (!(rule.resources ?? []).some((p) => resourceMatches(p, a.resource, a.subresource))) return false;
  const scope = rule.scope ?? '*';
  // A Namespace is cluster-scoped even though its requests carry the namespace's name.
  const clusterScoped = a.namespace === '' || (a.group === '' && a.resource === 'namespaces');
  if (scope === 'Cluster') return clusterScoped;
  if (scope === 'Namespaced') return !clusterScoped;
  return true;
}

/** Kubernetes never sends its webhook configurations (and the like) to webhooks, so one cannot lock itself out. */
export function isExempt(a: AdmissionAttributes): boolean {
  return a.group === 'admissionregistration.k8s.io';
}

const labelsOf = (o: any): Record<string, string> => (o && typeof o === 'object' ? o.metadata?.labels ?? {} : {});

export async function namespaceSelectorMatches(selector: any, a: AdmissionAttributes, client: LoopbackClient): Promise<boolean> {
  const sel = fromLabelSelector(selector ?? {});
  if (sel.empty()) return true;
  if (a.group === '' && a.resource === 'namespaces') return sel.matches(labelsOf(a.object ?? a.oldObject));
  if (!a.namespace) return true; // cluster-scoped objects: the namespace selector does not apply
  const ns = await client.get('', 'namespaces', '', a.namespace);
  return sel.matches(labelsOf(ns));
}

export function objectSelectorMatches(selector: any, a: AdmissionAttributes): boolean {
  const sel = fromLabelSelector(selector ?? {});
  if (sel.empty()) return true;
  return sel.matches(labelsOf(a.object)) || (a.oldObject !== null && a.oldObject !== undefined && sel.matches(labelsOf(a.oldObject)));
}

export async function webhookApplies(w: any, a: AdmissionAttributes, client: LoopbackClient): Promise<boolean> {
  if (!(w.rules ?? []).some((r: Rule) => ruleMatches(r, a))) return false;
  if (!objectSelectorMatches(w.objectSelector, a)) return false;
  return namespaceSelectorMatches(w.namespaceSelector, a, client);
}
