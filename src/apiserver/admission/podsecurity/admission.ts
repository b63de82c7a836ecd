/**
 * @module apiserver/admission/podsecurity/admission
 * The PodSecurity admission plugin (k8s.io/pod-security-admission/admission, as kube-apiserver
 * runs it). A namespace's `pod-security.kubernetes.io/*` labels choose a level and version for each
 * mode: `enforce` refuses pods (403), `warn` adds Warning headers, `audit` adds the
 * `pod-security.kubernetes.io/audit-violations` audit annotation. Pods are checked on create and on
 * updates that can change what the checks see (images, containers added, seccomp annotations;
 * ephemeral containers included); other pod subresources that cannot change the spec are skipped.
 * Workload objects with pod templates are only warned and audited, never refused. Namespace labels
 * are validated (422), and making enforce stricter warns about existing pods that would now fail.
 */
import { forbidden, internalError } from '../../../machinery/status.js';
import { invalidError } from '../../../machinery/field-errors.js';
import type { AdmissionAttributes } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { AUDIT_VIOLATIONS_ANNOTATION, ENFORCE_POLICY_ANNOTATION, ERROR_ANNOTATION, EXEMPT_ANNOTATION, aggregateText, compareLevels, defaultPolicy,
  equivalentPolicies, fullyPrivileged, levelLabel, levelVersionString, policyToEvaluate, sameLevelVersion, versionLabel,
  type LevelVersion, type Policy, type PolicyDefaults } from './levels.js';
import { evaluate, forbiddenDetail, forbiddenReason, type AggregateCheckResult } from './evaluate.js';
import { SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION } from './checks/seccompProfile_baseline.js';

export interface PodSecurityExemptions { usernames?: string[]; namespaces?: string[]; runtimeClasses?: string[] }
export interface PodSecurityOptions {
  defaults?: PolicyDefaults;
  exemptions?: PodSecurityExemptions;
  /** How many existing pods a namespace label change checks at most (Kubernetes: 3000). */
  namespaceMaxPodsToCheck?: number;
  /** How long that check may take (Kubernetes: 1s). */
  namespacePodCheckTimeoutMs?: number;
}

/** Pod subresources that cannot change the pod spec, so are never checked. */
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** Resources with a pod template (DefaultPodSpecExtractor), as "group/resource". */
export const POD_CONTROLLERS: ReadonlySet<string> = new Set([
  '/podtemplates', '/replicationcontrollers', 'apps/replicasets', 'apps/deployments', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs',
]);

/** The pod template's metadata and spec of a workload object, or null when it has none. */
export function extractPodSpec(group: string, resource: string, obj: any): { meta: any; spec: any } | null {
  let t: any;
  if (group === '' && resource === 'podtemplates') t = obj?.template;
  else if (group === 'batch' && resource === 'cronjobs') t = obj?.spec?.jobTemplate?.spec?.template;
  else t = obj?.spec?.template;
  if (!t || typeof t !== 'object') return null;
  return { meta: t.metadata ?? {}, spec: t.spec ?? {} };
}

const list = (x: any): any[] => (Array.isArray(x) ? x : []);
const annotation = (pod: any, key: string): string | undefined => pod?.metadata?.annotations?.[key];

function significantContainerUpdate(c: any, old: any, pod: any, oldPod: any): boolean {
  if ((c?.image ?? '') !== (old?.image ?? '')) return true;
  const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + (c?.name ?? '');
  return annotation(pod, key) !== annotation(oldPod, key);
}

/** Whether a pod update may change what the checks see; the rest of a pod spec is immutable. */
export function isSignificantPodUpdate(pod: any, oldPod: any): boolean {
  if (annotation(pod, SECCOMP_POD_ANNOTATION) !== annotation(oldPod, SECCOMP_POD_ANNOTATION)) return true;
  const s = pod?.spec ?? {}, o = oldPod?.spec ?? {};
  if (list(s.containers).length !== list(o.containers).length) return true;
  if (list(s.initContainers).length !== list(o.initContainers).length) return true;
  for (let i = 0; i < list(s.containers).length; i++) if (significantContainerUpdate(s.containers[i], o.containers[i], pod, oldPod)) return true;
  for (let i = 0; i < list(s.initContainers).length; i++) if (significantContainerUpdate(s.initContainers[i], o.initContainers[i], pod, oldPod)) return true;
  for (const c of list(s.ephemeralContainers)) {
    const old = list(o.ephemeralContainers).find((x) => x?.name === c?.name);
    if (!old) return true; // an ephemeral container was added
    if (significantContainerUpdate(c, old, pod, oldPod)) return true;
  }
  return false;
}

/** The warning for a namespace that is exempt yet asks for a policy (only explicitly set, non-privileged modes). */
export function exemptNamespaceWarning(name: string, policy: Policy, labels: Record<string, string> | undefined, defaults: Policy): string {
  if (fullyPrivileged(policy) || equivalentPolicies(policy, defaults)) return '';
  const l = labels ?? {};
  const parts: string[] = [];
  for (const m of ['enforce', 'audit', 'warn'] as const) {
    if (policy[m].level !== 'privileged' && (levelLabel(m) in l || versionLabel(m) in l)) parts.push(`${m}=${levelVersionString(policy[m])}`);
  }
  return `namespace ${JSON.stringify(name)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`;
}

/** Options from a PodSecurityConfiguration (pod-security.admission.config.k8s.io/v1) object. */
export function optionsFromConfiguration(cfg: any): PodSecurityOptions {
  const d = cfg?.defaults ?? {};
  const e = cfg?.exemptions ?? {};
  return {
    defaults: { enforce: d.enforce, enforceVersion: d['enforce-version'], audit: d.audit, auditVersion: d['audit-version'], warn: d.warn, warnVersion: d['warn-version'] },
    exemptions: { usernames: e.usernames ?? [], namespaces: e.namespaces ?? [], runtimeClasses: e.runtimeClasses ?? [] },
  };
}

export type PodSecurityPlugin = AdmissionPlugin & {
  /** The warnings a stricter enforce level on a namespace gives about its existing pods. */
  evaluatePodsInNamespace(namespace: string, enforce: LevelVersion): Promise<string[]>;
};

export function podSecurityPlugin(client: LoopbackClient, opts: PodSecurityOptions = {}): PodSecurityPlugin {
  const defaults = defaultPolicy(opts.defaults);
  const exemptUsers = new Set(opts.exemptions?.usernames ?? []);
  const exemptNamespaces = new Set(opts.exemptions?.namespaces ?? []);
  const exemptRuntimeClasses = new Set(opts.exemptions?.runtimeClasses ?? []);
  const maxPods = opts.namespaceMaxPodsToCheck ?? 3000;
  const timeoutMs = opts.namespacePodCheckTimeoutMs ?? 1000;

  const exemptNamespace = (ns: string) => ns !== '' && exemptNamespaces.has(ns);
  const exemptUser = (u: string) => u !== '' && exemptUsers.has(u);
  const exemptRuntimeClass = (rc: unknown) => typeof rc === 'string' && rc !== '' && exemptRuntimeClasses.has(rc);

  const annotate = (a: AdmissionAttributes, values: Record<string, string>) => {
    if (!Object.keys(values).length) return;
    a.auditAnnotations ??= {};
    Object.assign(a.auditAnnotations, values);
  };
  const warn = (a: AdmissionAttributes, ws: string[]) => {
    if (!ws.length) return;
    a.warnings ??= [];
    a.warnings.push(...ws);
  };

  async function namespacePolicy(a: AdmissionAttributes) {
    const ns = await client.get('', 'namespaces', '', a.namespace);
    if (!ns) throw internalError(new Error(`failed to lookup namespace ${JSON.stringify(a.namespace)}`));
    return policyToEvaluate(ns.metadata?.labels, defaults);
  }

  /** EvaluatePod: enforce (pods only), then audit and warn, reusing results for equal level+version. */
  function evaluatePodAdmission(a: AdmissionAttributes, policy: Policy, policyError: string, meta: any, spec: any, enforce: boolean): void {
    if (exemptRuntimeClass(spec?.runtimeClassName)) { annotate(a, { [EXEMPT_ANNOTATION]: 'runtimeClass' }); return; }
    const annotations: Record<string, string> = {};
    if (policyError) annotations[ERROR_ANNOTATION] = `Failed to parse policy: ${policyError}`;
    const cache: { lv: LevelVersion; r: AggregateCheckResult }[] = [];
    const resultFor = (lv: LevelVersion) => {
      const hit = cache.find((c) => sameLevelVersion(c.lv, lv));
      if (hit) return hit.r;
      const r = evaluate(lv, meta, spec);
      cache.push({ lv, r });
      return r;
    };
    let refusal: Error | undefined;
    if (enforce) {
      annotations[ENFORCE_POLICY_ANNOTATION] = levelVersionString(policy.enforce);
      const r = resultFor(policy.enforce);
      if (!r.allowed) {
        const name = a.name || a.object?.metadata?.name || '';
        refusal = forbidden(`${a.group ? `${a.resource}.${a.group}` : a.resource} ${JSON.stringify(name)} is forbidden: violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${forbiddenDetail(r)}`,
          { name, group: a.group || undefined, kind: a.resource });
      }
    }
    const audit = resultFor(policy.audit);
    if (!audit.allowed) annotations[AUDIT_VIOLATIONS_ANNOTATION] = `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.audit))}: ${forbiddenDetail(audit)}`;
    annotate(a, annotations);
    if (refusal) throw refusal; // no warnings on a request that is refused anyway
    const w = resultFor(policy.warn);
    if (!w.allowed) warn(a, [`would violate PodSecurity ${JSON.stringify(levelVersionString(policy.warn))}: ${forbiddenDetail(w)}`]);
  }

  async function validatePod(a: AdmissionAttributes): Promise<void> {
    if (IGNORED_POD_SUBRESOURCES.has(a.subresource)) return;
    if (exemptNamespace(a.namespace)) { annotate(a, { [EXEMPT_ANNOTATION]: 'namespace' }); return; }
    if (exemptUser(a.user?.name ?? '')) { annotate(a, { [EXEMPT_ANNOTATION]: 'user' }); return; }
    const { policy, errors } = await namespacePolicy(a);
    if (!errors.length && fullyPrivileged(policy)) {
      annotate(a, { [ENFORCE_POLICY_ANNOTATION]: levelVersionString(policy.enforce) });
      return;
    }
    if (a.operation === 'UPDATE' && !isSignificantPodUpdate(a.object, a.oldObject)) return;
    evaluatePodAdmission(a, policy, errors.length ? aggregateText(errors) : '', a.object?.metadata ?? {}, a.object?.spec ?? {}, true);
  }

  async function validatePodController(a: AdmissionAttributes): Promise<void> {
    if (a.subresource) return;
    if (exemptNamespace(a.namespace)) { annotate(a, { [EXEMPT_ANNOTATION]: 'namespace' }); return; }
    if (exemptUser(a.user?.name ?? '')) { annotate(a, { [EXEMPT_ANNOTATION]: 'user' }); return; }
    const { policy, errors } = await namespacePolicy(a);
    if (!errors.length && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return;
    const t = extractPodSpec(a.group, a.resource, a.object);
    if (!t) return;
    evaluatePodAdmission(a, policy, errors.length ? aggregateText(errors) : '', t.meta, t.spec, false);
  }

  async function validateNamespace(a: AdmissionAttributes): Promise<void> {
    if (a.subresource) return;
    const ns = a.object ?? {};
    const name: string = ns.metadata?.name ?? a.name;
    const labels = ns.metadata?.labels;
    const now = policyToEvaluate(labels, defaults);
    if (a.operation === 'CREATE') {
      if (now.errors.length) throw invalidError('', 'Namespace', name, now.errors);
      if (exemptNamespace(name)) warn(a, [exemptNamespaceWarning(name, now.policy, labels, defaults)].filter(Boolean));
      return;
    }
    const before = policyToEvaluate(a.oldObject?.metadata?.labels, defaults);
    // Bad labels are refused only when they changed, so old namespaces stay updatable.
    if (now.errors.length && (!before.errors.length || aggregateText(now.errors) !== aggregateText(before.errors))) {
      throw invalidError('', 'Namespace', name, now.errors);
    }
    const e = now.policy.enforce, old = before.policy.enforce;
    if (sameLevelVersion(e, old) || e.level === 'privileged') return;
    if (e.version === old.version && compareLevels(e.level, old.level) < 1) return;
    if (exemptNamespace(name)) { warn(a, [exemptNamespaceWarning(name, now.policy, labels, defaults)].filter(Boolean)); return; }
    warn(a, await evaluatePodsInNamespace(name, e));
  }

  async function evaluatePodsInNamespace(namespace: string, enforce: LevelVersion): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let pods: any[];
    try { pods = await client.list('', 'pods', namespace); } catch {
      return ['failed to list pods while checking new PodSecurity enforce level'];
    }
    // One pod per controller first, so a big ReplicaSet does not crowd out everything else.
    const first: any[] = [], rest: any[] = [];
    const seenControllers = new Set<string>();
    for (const p of pods) {
      if (exemptRuntimeClass(p?.spec?.runtimeClassName)) continue;
      const ref = list(p?.metadata?.ownerReferences).find((r) => r?.controller === true);
      if (!ref) first.push(p);
      else if (seenControllers.has(ref.uid)) rest.push(p);
      else { seenControllers.add(ref.uid); first.push(p); }
    }
    let prioritized = [...first, ...rest];
    const total = prioritized.length;
    if (prioritized.length > maxPods) prioritized = prioritized.slice(0, maxPods);
    let checked = prioritized.length;
    const order: string[] = [];
    const byWarning = new Map<string, { podName: string; count: number }>();
    for (let i = 0; i < prioritized.length; i++) {
      const pod = prioritized[i];
      const r = evaluate(enforce, pod.metadata ?? {}, pod.spec ?? {});
      if (!r.allowed) {
        const w = forbiddenReason(r);
        const podName = String(pod.metadata?.name ?? '');
        const c = byWarning.get(w);
        if (!c) { order.push(w); byWarning.set(w, { podName, count: 1 }); } else {
          if (podName < c.podName) c.podName = podName;
          c.count++;
        }
      }
      if (Date.now() > deadline) { checked = i + 1; break; }
    }
    const out: string[] = [];
    if (checked < total) out.push(`new PodSecurity enforce level only checked against the first ${checked} of ${total} existing pods`);
    if (order.length) out.push(`existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`);
    const lines = order.map((w) => {
      const c = byWarning.get(w)!;
      if (c.count === 1) return `${c.podName}: ${w}`;
      if (c.count === 2) return `${c.podName} (and 1 other pod): ${w}`;
      return `${c.podName} (and ${c.count - 1} other pods): ${w}`;
    }).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    return [...out, ...lines];
  }

  return {
    name: 'PodSecurity',
    handles(a) {
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
      if (a.group === '' && (a.resource === 'namespaces' || a.resource === 'pods')) return true;
      return POD_CONTROLLERS.has(`${a.group}/${a.resource}`);
    },
    async validate(a) {
      if (a.group === '' && a.resource === 'namespaces') return validateNamespace(a);
      if (a.group === '' && a.resource === 'pods') return validatePod(a);
      if (POD_CONTROLLERS.has(`${a.group}/${a.resource}`)) return validatePodController(a);
    },
    evaluatePodsInNamespace,
  };
}
