/**
 * @module apiserver/authorization/rbac/authorizer
 * Kubernetes' RBAC authorizer (plugin/pkg/auth/authorizer/rbac): a request is allowed when a
 * ClusterRoleBinding, or a RoleBinding in the request's namespace, names the user (User, Group or
 * ServiceAccount subject) and its Role/ClusterRole has a rule that matches. RBAC never denies: it
 * allows or has no opinion. Objects come from the loopback client's watch caches; an index of
 * bindings by subject is rebuilt lazily after a change, so a check costs a few map lookups however
 * many roles exist. Decisions are synchronous once loaded; while a change is being fetched they
 * wait for it, so a binding made (or removed) a moment ago is honoured at once.
 */
import type { Authorizer, Decision } from '../../authz.js';
import type { UserInfo } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { RequestInfo } from '../../request-info.js';
import { notFound } from '../../../machinery/status.js';
import { ruleAllows } from './rule.js';
import { RBAC_GROUP, goQuote, type Attributes, type ClusterRole, type PolicyRule, type Role, type RoleBinding, type RoleRef, type Subject } from './types.js';

const SA_PREFIX = 'system:serviceaccount:';
type Kind = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';
const KINDS: Kind[] = ['clusterroles', 'roles', 'clusterrolebindings', 'rolebindings'];

/** Which binding granted a rule, and to which of its subjects: what the "allowed by" reason names. */
export interface RuleSource { bindingKind: 'ClusterRoleBinding' | 'RoleBinding'; binding: RoleBinding; subject: Subject }

/** authorization.k8s.io/v1 SubjectRulesReviewStatus. */
export interface ResourceRule { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }
export interface NonResourceRule { verbs: string[]; nonResourceURLs?: string[] }
export interface SubjectRulesReviewStatus { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean; evaluationError?: string }

interface Entry { binding: RoleBinding; order: number }
interface Index {
  clusterRoles: Map<string, ClusterRole>;
  roles: Map<string, Role>;
  clusterBindings: Map<string, Entry[]>;
  roleBindings: Map<string, Map<string, Entry[]>>;
}

/** Index keys of a subject; a ServiceAccount without namespace means the binding's own (none for cluster bindings). */
function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s?.kind) {
    case 'User': return 'u:' + s.name;
    case 'Group': return 'g:' + s.name;
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns ? `sa:${ns}:${s.name}` : undefined;
    }
    default: return undefined;
  }
}

function userKeys(user: UserInfo): string[] {
  const keys = ['u:' + user.name];
  for (const g of user.groups ?? []) keys.push('g:' + g);
  if (user.name.startsWith(SA_PREFIX)) keys.push('sa:' + user.name.slice(SA_PREFIX.length));
  return keys;
}

/** appliesToUser, one subject. */
export function appliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  const k = subjectKey(s, bindingNamespace);
  if (!k) return false;
  if (k.startsWith('u:')) return user.name === s.name;
  if (k.startsWith('g:')) return (user.groups ?? []).includes(s.name);
  return user.name === SA_PREFIX + k.slice(3);
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${goQuote(s.name + '/' + (s.namespace || bindingNamespace))}`;
  return `${s.kind} ${goQuote(s.name)}`;
}

/** The source as Kubernetes prints it: `ClusterRoleBinding "x" of ClusterRole "y" to User "alice"`. */
export function describeSource(src: RuleSource): string {
  const b = src.binding;
  if (src.bindingKind === 'ClusterRoleBinding') {
    return `ClusterRoleBinding ${goQuote(b.metadata.name)} of ${b.roleRef.kind} ${goQuote(b.roleRef.name)} to ${describeSubject(src.subject, '')}`;
  }
  const ns = b.metadata.namespace ?? '';
  return `RoleBinding ${goQuote(b.metadata.name + '/' + ns)} of ${b.roleRef.kind} ${goQuote(b.roleRef.name)} to ${describeSubject(src.subject, ns)}`;
}

/** utilerrors.NewAggregate(errs).Error(): one message as is, several (deduplicated) in brackets. */
export function aggregateErrors(errs: string[]): string {
  const uniq = [...new Set(errs)];
  return uniq.length === 1 ? uniq[0] : `[${uniq.join(', ')}]`;
}

type Visitor = (src: RuleSource | null, rule: PolicyRule | null, err: string | null) => boolean;

export class RBACAuthorizer implements Authorizer {
  private data: Record<Kind, any[]> = { roles: [], clusterroles: [], rolebindings: [], clusterrolebindings: [] };
  private index: Index | undefined;
  private unsubscribe: (() => void)[] = [];
  private loading: Promise<void> | undefined;
  /** Per resource: the list in flight, and whether another change came while it ran. */
  private inflight = new Map<Kind, Promise<void>>();
  private again = new Set<Kind>();

  constructor(private readonly client: LoopbackClient) {}

  /** Load every role and binding and follow changes. */
  start(): Promise<void> {
    if (this.loading) return this.loading;
    for (const k of KINDS) this.unsubscribe.push(this.client.onChange(RBAC_GROUP, k, () => { void this.refresh(k); }));
    this.loading = Promise.all(KINDS.map((k) => this.refresh(k))).then(() => undefined);
    return this.loading;
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Resolves once every change seen so far has been loaded. */
  async synced(): Promise<void> {
    if (this.loading) await this.loading;
    while (this.inflight.size) await Promise.all([...this.inflight.values()]);
  }

  private refresh(kind: Kind): Promise<void> {
    const cur = this.inflight.get(kind);
    if (cur) { this.again.add(kind); return cur; }
    const p = (async () => {
      try {
        do {
          this.again.delete(kind);
          try {
            this.data[kind] = await this.client.list(RBAC_GROUP, kind);
            this.index = undefined;
          } catch { /* keep what we had; the next change retries */ }
        } while (this.again.has(kind));
      } finally { this.inflight.delete(kind); }
    })();
    this.inflight.set(kind, p);
    return p;
  }

  private idx(): Index {
    if (this.index) return this.index;
    const ix: Index = { clusterRoles: new Map(), roles: new Map(), clusterBindings: new Map(), roleBindings: new Map() };
    for (const r of this.data.clusterroles) ix.clusterRoles.set(r.metadata?.name, r);
    for (const r of this.data.roles) ix.roles.set(`${r.metadata?.namespace}/${r.metadata?.name}`, r);
    const add = (m: Map<string, Entry[]>, key: string, e: Entry) => {
      const l = m.get(key);
      if (!l) m.set(key, [e]); else if (l[l.length - 1] !== e) l.push(e);
    };
    this.data.clusterrolebindings.forEach((b: RoleBinding, order) => {
      const e = { binding: b, order };
      for (const s of b.subjects ?? []) { const k = subjectKey(s, ''); if (k) add(ix.clusterBindings, k, e); }
    });
    this.data.rolebindings.forEach((b: RoleBinding, order) => {
      const ns = b.metadata?.namespace ?? '';
      let m = ix.roleBindings.get(ns);
      if (!m) ix.roleBindings.set(ns, (m = new Map()));
      const e = { binding: b, order };
      for (const s of b.subjects ?? []) { const k = subjectKey(s, ns); if (k) add(m, k, e); }
    });
    this.index = ix;
    return ix;
  }

  /** GetRoleReferenceRules from the index (errors worded as Kubernetes' listers word them). */
  getRoleReferenceRules(ref: RoleRef, bindingNamespace: string): { rules: PolicyRule[] } | { error: string } {
    const ix = this.idx();
    if (ref.kind === 'Role') {
      const r = ix.roles.get(`${bindingNamespace}/${ref.name}`);
      return r ? { rules: r.rules ?? [] } : { error: `role.${RBAC_GROUP} ${goQuote(ref.name)} not found` };
    }
    if (ref.kind === 'ClusterRole') {
      const r = ix.clusterRoles.get(ref.name);
      return r ? { rules: r.rules ?? [] } : { error: `clusterrole.${RBAC_GROUP} ${goQuote(ref.name)} not found` };
    }
    return { error: `unsupported role reference kind: ${goQuote(ref.kind)}` };
  }

  /**
   * The rules a role reference grants, read through the client (so a role created a moment ago is
   * seen): what the binding storage checks. A missing role is a 404 like Kubernetes' registry gives.
   */
  async fetchRoleReferenceRules(ref: RoleRef, bindingNamespace: string): Promise<PolicyRule[]> {
    if (ref.kind === 'Role') {
      const r = await this.client.get(RBAC_GROUP, 'roles', bindingNamespace, ref.name);
      if (!r) throw notFound(RBAC_GROUP, 'roles', ref.name);
      return r.rules ?? [];
    }
    if (ref.kind === 'ClusterRole') {
      const r = await this.client.get(RBAC_GROUP, 'clusterroles', '', ref.name);
      if (!r) throw notFound(RBAC_GROUP, 'clusterroles', ref.name);
      return r.rules ?? [];
    }
    throw new Error(`unsupported role reference kind: ${goQuote(ref.kind)}`);
  }

  private candidates(m: Map<string, Entry[]> | undefined, user: UserInfo): Entry[] {
    if (!m) return [];
    const seen = new Set<number>();
    const out: Entry[] = [];
    for (const k of userKeys(user)) for (const e of m.get(k) ?? []) if (!seen.has(e.order)) { seen.add(e.order); out.push(e); }
    return out.sort((a, b) => a.order - b.order);
  }

  /** VisitRulesFor: cluster bindings first, then the namespace's role bindings; stop when fn says so. */
  visitRulesFor(user: UserInfo, namespace: string, fn: Visitor): void {
    const ix = this.idx();
    const scopes: [RuleSource['bindingKind'], Map<string, Entry[]> | undefined, string][] = [['ClusterRoleBinding', ix.clusterBindings, '']];
    if (namespace) scopes.push(['RoleBinding', ix.roleBindings.get(namespace), namespace]);
    for (const [bindingKind, m, ns] of scopes) {
      for (const { binding } of this.candidates(m, user)) {
        const subject = (binding.subjects ?? []).find((s) => appliesTo(user, s, ns));
        if (!subject) continue;
        const got = this.getRoleReferenceRules(binding.roleRef ?? ({} as RoleRef), ns);
        if ('error' in got) { if (!fn(null, null, got.error)) return; continue; }
        const src: RuleSource = { bindingKind, binding, subject };
        for (const rule of got.rules) if (!fn(src, rule, null)) return;
      }
    }
  }

  /** The decision and the reason Kubernetes' RBAC authorizer gives (SubjectAccessReview status.reason). */
  authorizeWithReason(user: UserInfo, attrs: Attributes): { decision: Decision; reason: string } {
    let allowed: RuleSource | null = null;
    const errors: string[] = [];
    this.visitRulesFor(user, attrs.namespace, (src, rule, err) => {
      if (err) errors.push(err);
      if (src && rule && ruleAllows(attrs, rule)) { allowed = src; return false; }
      return true;
    });
    if (allowed) return { decision: 'Allow', reason: `RBAC: allowed by ${describeSource(allowed)}` };
    return { decision: 'NoOpinion', reason: errors.length ? `RBAC: ${aggregateErrors(errors)}` : '' };
  }

  authorize(user: UserInfo, ri: RequestInfo): Decision | Promise<Decision> {
    if (this.inflight.size === 0 && this.loading) return this.authorizeWithReason(user, ri).decision;
    // A change (or the first load) is being fetched: RBAC changes are rare, so decide on fresh data.
    return this.synced().then(() => this.authorizeWithReason(user, ri).decision);
  }

  /** `RBAC: allowed by ...` when allowed, else the NoOpinion reason ('' or the resolution errors). */
  allowedBy(user: UserInfo, attrs: Attributes): string {
    return this.authorizeWithReason(user, attrs).reason;
  }

  /** Authorizer.reason: what a SubjectAccessReview reports after a decision. */
  reason(user: UserInfo, ri: RequestInfo): string {
    return this.allowedBy(user, ri);
  }

  /** Every rule the user holds in the namespace (cluster-wide ones included), and resolution errors. */
  policyRulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_src, rule, err) => {
      if (rule) rules.push(rule);
      if (err) errors.push(err);
      return true;
    });
    return { rules, errors };
  }

  /** RulesFor, in the shape of a SelfSubjectRulesReview status (`kubectl auth can-i --list`). */
  rulesFor(user: UserInfo, namespace: string): SubjectRulesReviewStatus {
    const { rules, errors } = this.policyRulesFor(user, namespace);
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    for (const r of rules) {
      if (r.resources?.length) {
        const rr: ResourceRule = { verbs: [...(r.verbs ?? [])] };
        if (r.apiGroups?.length) rr.apiGroups = [...r.apiGroups];
        rr.resources = [...r.resources];
        if (r.resourceNames?.length) rr.resourceNames = [...r.resourceNames];
        resourceRules.push(rr);
      }
      if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: [...(r.verbs ?? [])], nonResourceURLs: [...r.nonResourceURLs] });
    }
    const status: SubjectRulesReviewStatus = { resourceRules, nonResourceRules, incomplete: false };
    if (errors.length) status.evaluationError = aggregateErrors(errors);
    return status;
  }
}
