/**
 * @module apiserver/admission/podsecurity/levels
 * Pod Security levels and policy versions, and the policy a namespace's labels choose
 * (k8s.io/pod-security-admission/api). Each of the three modes (enforce, audit, warn) has a level
 * (`pod-security.kubernetes.io/<mode>`) and a version (`.../<mode>-version`), falling back to the
 * configured defaults. Bad values are reported as field errors on `metadata.labels[...]`; the
 * policy is still usable: enforce fails closed (restricted:latest), audit and warn fail open.
 */
import { invalid, fieldErrorText, type FieldError } from '../../../machinery/field-errors.js';

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/** A policy version is the minor of v1.N; `latest` is newer than every numbered version. */
export type Version = number;
export const LATEST: Version = Number.POSITIVE_INFINITY;

export interface LevelVersion { level: Level; version: Version }
export interface Policy { enforce: LevelVersion; audit: LevelVersion; warn: LevelVersion }
export type Mode = keyof Policy;
export const MODES: readonly Mode[] = ['enforce', 'audit', 'warn'];

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const levelLabel = (m: Mode) => `${LABEL_PREFIX}${m}`;
export const versionLabel = (m: Mode) => `${LABEL_PREFIX}${m}-version`;

/** Audit annotation keys, already carrying the prefix kube-apiserver adds. */
export const ENFORCE_POLICY_ANNOTATION = `${LABEL_PREFIX}enforce-policy`;
export const AUDIT_VIOLATIONS_ANNOTATION = `${LABEL_PREFIX}audit-violations`;
export const EXEMPT_ANNOTATION = `${LABEL_PREFIX}exempt`;
export const ERROR_ANNOTATION = `${LABEL_PREFIX}error`;

export function parseLevel(s: string): { level: Level; error?: string } {
  if ((LEVELS as readonly string[]).includes(s)) return { level: s as Level };
  return { level: 'restricted', error: `must be one of ${LEVELS.join(', ')}` };
}

const versionPattern = /^v1\.([0-9]|[1-9][0-9]*)$/;

export function parseVersion(s: string): { version: Version; error?: string } {
  if (s === 'latest') return { version: LATEST };
  const m = versionPattern.exec(s);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n)) return { version: LATEST, error: 'must be "latest" or "v1.x"' };
  return { version: n };
}

export const versionString = (v: Version) => (v === LATEST ? 'latest' : `v1.${v}`);
/** `restricted:latest`, `baseline:v1.29`: how policies are named in messages and annotations. */
export const levelVersionString = (lv: LevelVersion) => `${lv.level}:${versionString(lv.version)}`;
export const sameLevelVersion = (a: LevelVersion, b: LevelVersion) => a.level === b.level && a.version === b.version;

/** -1, 0 or 1 as `a` is less strict than, as strict as, or stricter than `b`. */
export function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));
}

export const fullyPrivileged = (p: Policy) => MODES.every((m) => p[m].level === 'privileged');

/** Whether two policies behave alike (versions do not matter at the privileged level). */
export function equivalentPolicies(a: Policy, b: Policy): boolean {
  return MODES.every((m) => a[m].level === b[m].level && (a[m].level === 'privileged' || a[m].version === b[m].version));
}

const PRIVILEGED_LATEST: LevelVersion = { level: 'privileged', version: LATEST };
export const PRIVILEGED_POLICY: Policy = { enforce: PRIVILEGED_LATEST, audit: PRIVILEGED_LATEST, warn: PRIVILEGED_LATEST };

/**
 * The policy a namespace's labels choose over `defaults`. Without a warn label, warn follows an
 * explicitly stricter enforce level (so pod controllers, never enforced, still warn about it).
 */
export function policyToEvaluate(labels: Record<string, string> | undefined | null, defaults: Policy = PRIVILEGED_POLICY): { policy: Policy; errors: FieldError[] } {
  const p: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: FieldError[] = [];
  if (!labels || Object.keys(labels).length === 0) return { policy: p, errors };
  const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k) && typeof labels[k] === 'string';
  let hasEnforceLevel = false;
  for (const m of MODES) {
    if (has(levelLabel(m))) {
      const v = labels[levelLabel(m)];
      const r = parseLevel(v);
      if (r.error) errors.push(invalid(`metadata.labels[${levelLabel(m)}]`, v, r.error));
      // A bad enforce level fails closed (restricted); bad audit or warn levels fail open.
      p[m].level = r.error && m !== 'enforce' ? 'privileged' : r.level;
      if (m === 'enforce') hasEnforceLevel = !r.error;
    }
    if (has(versionLabel(m))) {
      const v = labels[versionLabel(m)];
      const r = parseVersion(v);
      if (r.error) errors.push(invalid(`metadata.labels[${versionLabel(m)}]`, v, r.error));
      p[m].version = r.version;
    }
  }
  if (!has(levelLabel('warn')) && hasEnforceLevel && compareLevels(p.enforce.level, p.warn.level) > 0) {
    p.warn.level = p.enforce.level;
    if (!has(versionLabel('warn'))) p.warn.version = p.enforce.version;
  }
  return { policy: p, errors };
}

/** A field error list as Go's ToAggregate().Error() prints it. */
export function aggregateText(errs: FieldError[]): string {
  const texts = errs.map(fieldErrorText);
  return texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
}

/** The server's default policy (PodSecurityConfiguration.defaults); unset modes are privileged:latest. */
export interface PolicyDefaults {
  enforce?: string; enforceVersion?: string;
  audit?: string; auditVersion?: string;
  warn?: string; warnVersion?: string;
}

/** Parses configured defaults; a bad value is a configuration error, as kube-apiserver refuses to start. */
export function defaultPolicy(d: PolicyDefaults = {}): Policy {
  const one = (m: Mode): LevelVersion => {
    const lv = (d as Record<string, string | undefined>)[m];
    const vv = (d as Record<string, string | undefined>)[`${m}Version`];
    const l = lv === undefined || lv === '' ? { level: 'privileged' as Level } : parseLevel(lv);
    const v = vv === undefined || vv === '' ? { version: LATEST } : parseVersion(vv);
    if (l.error) throw new Error(`defaults.${m}: Invalid value: ${JSON.stringify(lv)}: ${l.error}`);
    if (v.error) throw new Error(`defaults.${m}-version: Invalid value: ${JSON.stringify(vv)}: ${v.error}`);
    return { level: l.level, version: v.version };
  };
  return { enforce: one('enforce'), audit: one('audit'), warn: one('warn') };
}
