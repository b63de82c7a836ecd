/**
 * @module apiserver/authorization/rbac/rule
 * Whether one PolicyRule allows a request, with the matching rules of Kubernetes'
 * pkg/apis/rbac/v1 evaluation helpers: `*` verbs, groups and resources; `*\/sub` for a subresource
 * of any resource (there is no `resource/*` form: Kubernetes treats it as a literal); resourceNames
 * restrict to named objects, so list/create (no name in the request) never match them; non-resource
 * URLs match exactly or by a prefix ending in `*`.
 */
import type { Attributes, PolicyRule } from './types.js';

export const VERB_ALL = '*';
export const API_GROUP_ALL = '*';
export const RESOURCE_ALL = '*';
export const NON_RESOURCE_ALL = '*';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs ?? []) if (v === VERB_ALL || v === verb) return true;
  return false;
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  for (const g of rule.apiGroups ?? []) if (g === API_GROUP_ALL || g === group) return true;
  return false;
}

/** `combined` is `resource` or `resource/subresource`. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === RESOURCE_ALL || r === combined) return true;
    if (!subresource) continue;
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return names.includes(name);
}

export function nonResourceURLMatches(rule: PolicyRule, url: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === NON_RESOURCE_ALL || u === url) return true;
    if (u.endsWith('*') && url.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

/** RuleAllows: one rule against one request. */
export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (attrs.isResourceRequest) {
    const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    return verbMatches(rule, attrs.verb) && apiGroupMatches(rule, attrs.apiGroup) &&
      resourceMatches(rule, combined, attrs.subresource) && resourceNameMatches(rule, attrs.name);
  }
  return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path);
}

/** RulesAllow: any of the rules. */
export function rulesAllow(attrs: Attributes, rules: readonly PolicyRule[] | null | undefined): boolean {
  for (const r of rules ?? []) if (ruleAllows(attrs, r)) return true;
  return false;
}

/**
 * The builder Kubernetes' bootstrap policy uses (rbacv1helpers.NewRule(...).Groups().Resources()):
 * every list sorted, empty lists left out, as the stored objects show them.
 */
export function newRule(verbs: string[], opts: { groups?: string[]; resources?: string[]; names?: string[]; urls?: string[] }): PolicyRule {
  const r: PolicyRule = { verbs: [...verbs].sort() };
  if (opts.groups?.length) r.apiGroups = [...opts.groups].sort();
  if (opts.resources?.length) r.resources = [...opts.resources].sort();
  if (opts.names?.length) r.resourceNames = [...opts.names].sort();
  if (opts.urls?.length) r.nonResourceURLs = [...opts.urls].sort();
  return r;
}
