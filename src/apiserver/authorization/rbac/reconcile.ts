/**
 * @module apiserver/authorization/rbac/reconcile
 * The `rbac/bootstrap-roles` post-start step of kube-apiserver (and what `kubectl auth reconcile`
 * does without --remove-extra-*): create default roles and bindings that are missing; for existing
 * ones whose autoupdate annotation is not "false", add missing labels/annotations, missing rules
 * (as the broken-down pieces Kubernetes adds), missing aggregation selectors and missing subjects,
 * and recreate a binding whose roleRef changed. Nothing a user added is removed. Idempotent.
 */
import type { LoopbackClient } from '../../registry/loopback.js';
import { StatusError } from '../../../machinery/status.js';
import { bootstrapPolicy, type BootstrapPolicy } from './bootstrap-policy.js';
import { covers } from './escalation.js';
import { AUTOUPDATE_ANNOTATION, RBAC_GROUP, type ClusterRole, type LabelSelectorObj, type RoleBinding, type Subject } from './types.js';

export type ReconcileOperation = 'none' | 'create' | 'update' | 'recreate';
export interface ReconcileResult { kind: string; namespace: string; name: string; operation: ReconcileOperation; protected: boolean }

const same = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
function canonical(v: any): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object') return '{' + Object.keys(v).filter((k) => v[k] != null).sort().map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  return JSON.stringify(v ?? null);
}

/** Existing values win; expected keys that are missing are added (reconciliation's merge). */
function mergeMeta(obj: any, expected: any): boolean {
  let changed = false;
  for (const field of ['labels', 'annotations'] as const) {
    const want = expected.metadata?.[field] ?? {};
    const have = obj.metadata[field] ?? {};
    const merged = { ...want, ...have };
    if (!same(merged, have)) { obj.metadata[field] = merged; changed = true; }
  }
  return changed;
}

const isProtected = (obj: any): boolean => obj?.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false';

/** computeReconciledRole (union mode): the updated object, or null when nothing is missing. */
export function reconcileRole(existing: ClusterRole, expected: ClusterRole): ClusterRole | null {
  const out = structuredClone(existing);
  let changed = mergeMeta(out, expected);
  const [, missing] = covers(existing.rules ?? [], expected.rules ?? []);
  if (missing.length) { out.rules = [...(out.rules ?? []), ...missing]; changed = true; }
  const want = expected.aggregationRule?.clusterRoleSelectors ?? [];
  const have = existing.aggregationRule?.clusterRoleSelectors ?? [];
  if (!expected.aggregationRule && existing.aggregationRule) {
    // A default role that should not aggregate stops aggregating.
    delete out.aggregationRule;
    changed = true;
  } else if (expected.aggregationRule) {
    const missingSel: LabelSelectorObj[] = want.filter((w) => !have.some((h) => same(h, w)));
    if (missingSel.length) { out.aggregationRule = { clusterRoleSelectors: [...have, ...missingSel] }; changed = true; }
  }
  return changed ? out : null;
}

/** computeReconciledRoleBinding (union mode): 'recreate' when the roleRef differs. */
export function reconcileBinding(existing: RoleBinding, expected: RoleBinding): RoleBinding | 'recreate' | null {
  if (!same(existing.roleRef, expected.roleRef)) return 'recreate';
  const out = structuredClone(existing);
  let changed = mergeMeta(out, expected);
  const have: Subject[] = existing.subjects ?? [];
  const missing = (expected.subjects ?? []).filter((w) => !have.some((h) => same(h, w)));
  if (missing.length) { out.subjects = [...have, ...missing]; changed = true; }
  return changed ? out : null;
}

async function ensureNamespace(client: LoopbackClient, ns: string): Promise<void> {
  if (!ns || (await client.get('', 'namespaces', '', ns))) return;
  try { await client.create('', 'namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }); } catch (e) {
    if (!(e instanceof StatusError && e.code === 409)) throw e;
  }
}

type Reconcile = (existing: any, expected: any) => any;

async function reconcileOne(client: LoopbackClient, resource: string, kind: string, expected: any, fn: Reconcile): Promise<ReconcileResult> {
  const ns = expected.metadata.namespace ?? '';
  const name = expected.metadata.name;
  const res: ReconcileResult = { kind, namespace: ns, name, operation: 'none', protected: false };
  const existing = await client.get(RBAC_GROUP, resource, ns, name);
  if (!existing) {
    await ensureNamespace(client, ns);
    try { await client.create(RBAC_GROUP, resource, ns, expected); res.operation = 'create'; } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
    }
    return res;
  }
  res.protected = isProtected(existing);
  const next = fn(existing, expected);
  if (!next) return res;
  if (res.protected) return res;
  if (next === 'recreate') {
    await client.delete(RBAC_GROUP, resource, ns, name);
    await client.create(RBAC_GROUP, resource, ns, expected);
    res.operation = 'recreate';
    return res;
  }
  await client.update(RBAC_GROUP, resource, ns, name, (cur) => {
    const again = fn(cur, expected);
    return again && again !== 'recreate' ? again : null;
  });
  res.operation = 'update';
  return res;
}

/**
 * Bring the default RBAC policy into the cluster. Returns what was done per object; a failure on one
 * object does not stop the others (it is rethrown at the end, like the post-start hook retrying).
 */
export async function reconcileBootstrapPolicy(client: LoopbackClient, policy: BootstrapPolicy = bootstrapPolicy()): Promise<ReconcileResult[]> {
  const out: ReconcileResult[] = [];
  const errors: unknown[] = [];
  const run = async (resource: string, kind: string, objs: any[], fn: Reconcile) => {
    for (const o of objs) {
      try { out.push(await reconcileOne(client, resource, kind, o, fn)); } catch (e) { errors.push(e); }
    }
  };
  await run('clusterroles', 'ClusterRole', policy.clusterRoles, reconcileRole);
  await run('clusterrolebindings', 'ClusterRoleBinding', policy.clusterRoleBindings, reconcileBinding);
  await run('roles', 'Role', policy.roles, reconcileRole);
  await run('rolebindings', 'RoleBinding', policy.roleBindings, reconcileBinding);
  if (errors.length) throw errors[0];
  return out;
}
