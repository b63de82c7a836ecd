/**
 * @module apiserver/admission/podsecurity/admission
 * The PodSecurity admission plugin: a namespace's `pod-security.kubernetes.io/<mode>[-version]`
 * labels choose a level (privileged, baseline, restricted) for each mode. `enforce` refuses pods
 * that violate it; `warn` sends Warning headers; `audit` adds an audit annotation. Workload
 * objects with pod templates are only warned and audited, never refused, as in Kubernetes.
 */
import { StatusError, forbidden } from '../../../machinery/status.js';
import { invalid, invalidError, type FieldError } from '../../../machinery/field-errors.js';
import type { AdmissionAttributes } from '../../registry/context.js';
import type { LoopbackClient } from '../../registry/loopback.js';
import type { AdmissionPlugin } from '../interfaces.js';
import { evaluate, violationsText } from './checks.js';

type Level = 'privileged' | 'baseline' | 'restricted';
const LEVELS: Level[] = ['privileged', 'baseline', 'restricted'];
const PREFIX = 'pod-security.kubernetes.io/';
const MODES = ['enforce', 'audit', 'warn'] as const;
type Mode = typeof MODES[number];
interface Policy { level: Level; version: string }

const rank = (l: Level) => LEVELS.indexOf(l);
const label = (p: Policy) => `${p.level}:${p.version}`;

function versionOK(v: string): boolean { return v === 'latest' || /^v1\.(0|[1-9]\d*)$/.test(v); }

/** The policy of each mode from namespace labels; missing labels mean privileged:latest. */
export function policiesOf(labels: Record<string, string> | undefined): Record<Mode, Policy> {
  const l = labels ?? {};
  const one = (m: Mode): Policy => {
    const level = LEVELS.includes(l[PREFIX + m] as Level) ? (l[PREFIX + m] as Level) : 'privileged';
    const v = l[`${PREFIX}${m}-version`];
    return { level, version: v && versionOK(v) ? v : 'latest' };
  };
  return { enforce: one('enforce'), audit: one('audit'), warn: one('warn') };
}

export function namespaceLabelErrors(labels: Record<string, string> | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const m of MODES) {
    const lv = labels?.[PREFIX + m];
    if (lv !== undefined && !LEVELS.includes(lv as Level)) errs.push(invalid(`metadata.labels[${PREFIX}${m}]`, lv, `must be one of ${LEVELS.join(', ')}`));
    const v = labels?.[`${PREFIX}${m}-version`];
    if (v !== undefined && !versionOK(v)) errs.push(invalid(`metadata.labels[${PREFIX}${m}-version]`, v, 'must be "latest" or of the form "v1.x"'));
  }
  return errs;
}

/** Where a workload keeps its pod template. */
function templateOf(a: AdmissionAttributes): any {
  const o = a.object;
  if (a.group === 'batch' && a.resource === 'cronjobs') return o?.spec?.jobTemplate?.spec?.template;
  if (a.group === '' && a.resource === 'podtemplates') return o?.template;
  return o?.spec?.template;
}

const WORKLOADS = new Set(['apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs', '/replicationcontrollers', '/podtemplates']);

/** Pod updates Kubernetes does not re-check: only fields PSA cannot care about changed. */
function podSpecChanged(a: AdmissionAttributes): boolean {
  if (a.operation !== 'UPDATE') return true;
  const strip = (s: any) => s && { ...s, containers: (s.containers ?? []).map((c: any) => ({ ...c, image: '' })), initContainers: (s.initContainers ?? []).map((c: any) => ({ ...c, image: '' })), activeDeadlineSeconds: 0, tolerations: [] };
  return JSON.stringify(strip(a.object?.spec)) !== JSON.stringify(strip(a.oldObject?.spec)) || JSON.stringify(a.object?.metadata?.annotations ?? {}) !== JSON.stringify(a.oldObject?.metadata?.annotations ?? {});
}

export function podSecurityPlugin(client: LoopbackClient, opts: { exemptNamespaces?: string[]; exemptUsers?: string[] } = {}): AdmissionPlugin {
  const exemptNs = new Set(opts.exemptNamespaces ?? []);
  const exemptUsers = new Set(opts.exemptUsers ?? []);

  async function checkPodLike(a: AdmissionAttributes, meta: any, spec: any, enforce: boolean): Promise<void> {
    const ns = await client.get('', 'namespaces', '', a.namespace);
    const p = policiesOf(ns?.metadata?.labels);
    if (p.enforce.level === 'privileged' && p.warn.level === 'privileged' && p.audit.level === 'privileged') return;
    const cache = new Map<Level, string>();
    const text = (l: Level) => { if (!cache.has(l)) cache.set(l, violationsText(evaluate(l, meta, spec))); return cache.get(l)!; };
    if (enforce && p.enforce.level !== 'privileged') {
      const t = text(p.enforce.level);
      if (a.auditAnnotations) a.auditAnnotations[`${PREFIX}enforce-policy`] = label(p.enforce);
      if (t) {
        const name = a.name || a.object?.metadata?.generateName || '';
        throw forbidden(`${a.resource} "${name}" is forbidden: violates PodSecurity "${label(p.enforce)}": ${t}`, { name, kind: a.resource });
      }
    }
    // Workloads are never refused, but what the enforce level would refuse in their pods is
    // warned about, as Kubernetes does for pod controllers.
    if (!enforce && p.enforce.level !== 'privileged' && label(p.enforce) !== label(p.warn)) {
      const t = text(p.enforce.level);
      if (t) a.warnings?.push(`would violate PodSecurity "${label(p.enforce)}": ${t}`);
    }
    if (p.warn.level !== 'privileged') {
      const t = text(p.warn.level);
      if (t) a.warnings?.push(`would violate PodSecurity "${label(p.warn)}": ${t}`);
    }
    if (p.audit.level !== 'privileged' && a.auditAnnotations) {
      const t = text(p.audit.level);
      if (t) a.auditAnnotations[`${PREFIX}audit-violations`] = `would violate PodSecurity "${label(p.audit)}": ${t}`;
    }
  }

  async function checkNamespace(a: AdmissionAttributes): Promise<void> {
    const labels = a.object?.metadata?.labels;
    const errs = namespaceLabelErrors(labels);
    if (errs.length) throw invalidError('', 'Namespace', a.object?.metadata?.name ?? a.name, errs);
    if (a.operation !== 'UPDATE') return;
    const now = policiesOf(labels).enforce, before = policiesOf(a.oldObject?.metadata?.labels).enforce;
    if (now.level === 'privileged' || (rank(now.level) <= rank(before.level) && now.version === before.version)) return;
    const lines: string[] = [];
    for (const pod of await client.list('', 'pods', a.object.metadata.name)) {
      const t = violationsText(evaluate(now.level, pod.metadata, pod.spec));
      if (t) lines.push(`${pod.metadata.name}: ${t}`);
    }
    if (lines.length && a.warnings) {
      a.warnings.push(`existing pods in namespace "${a.object.metadata.name}" violate the new PodSecurity enforce level "${label(now)}"`);
      a.warnings.push(...lines.slice(0, 10));
    }
  }

  return {
    name: 'PodSecurity',
    handles(a) {
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
      if (a.group === '' && a.resource === 'namespaces' && !a.subresource) return true;
      if (exemptUsers.has(a.user.name) || exemptNs.has(a.namespace)) return false;
      if (a.group === '' && a.resource === 'pods') return a.subresource === '' || a.subresource === 'ephemeralcontainers';
      return !a.subresource && WORKLOADS.has(`${a.group}/${a.resource}`);
    },
    async validate(a) {
      if (a.resource === 'namespaces') return checkNamespace(a);
      if (a.resource === 'pods') {
        if (!podSpecChanged(a)) return;
        return checkPodLike(a, a.object?.metadata, a.object?.spec, true);
      }
      const t = templateOf(a);
      if (!t) return;
      try { await checkPodLike(a, t.metadata, t.spec, false); } catch (e) { if (!(e instanceof StatusError)) throw e; }
    },
  };
}
