/**
 * @module apiserver/admission/podsecurity/checks/helpers
 * What every Pod Security check shares (k8s.io/pod-security-admission/policy): the result shape,
 * a check's versions, the container visitor, and the wording helpers that make the messages
 * exactly Kubernetes' (`container "a"` / `containers "a", "b"`, Go's %q quoting, sorted sets).
 * Pods arrive as plain JSON (v1 wire form), so absent and null fields mean the same thing.
 */

/** One check's verdict; when not allowed, the reason and detail Kubernetes prints. */
export interface CheckResult { allowed: boolean; forbiddenReason?: string; forbiddenDetail?: string }

/** metadata of a pod or pod template (JSON). */
export type PodMetadata = { annotations?: Record<string, string> | null; [k: string]: any } | null | undefined;
/** spec of a pod or pod template (JSON, v1.PodSpec). */
export type PodSpec = Record<string, any>;
/** A container, init container or ephemeral container (JSON, v1.Container). */
export type Container = Record<string, any>;

export type CheckPodFn = (meta: PodMetadata, spec: PodSpec) => CheckResult;

/** A check's behaviour from a policy version on; it may replace baseline checks at the restricted level. */
export interface VersionedCheck { minimumVersion: number; checkPod: CheckPodFn; overrideCheckIDs?: string[] }

export interface Check { id: string; level: 'baseline' | 'restricted'; versions: VersionedCheck[] }

export const ALLOWED: CheckResult = Object.freeze({ allowed: true });

export const forbidden = (forbiddenReason: string, forbiddenDetail = ''): CheckResult => ({ allowed: false, forbiddenReason, forbiddenDetail });

/** Set in JSON terms: present and not null. */
export const isSet = (x: unknown): boolean => x !== undefined && x !== null;

export const pluralize = (singular: string, plural: string, n: number) => (n === 1 ? singular : plural);

/** Go's %q for a string: printable characters kept, quotes, backslashes and controls escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of String(s)) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0x80 && c < 0xa0) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** `"a", "b"` */
export const joinQuote = (xs: readonly string[]) => xs.map(goQuote).join(', ');

/** `container "a"` / `containers "a", "b"` */
export const containersNamed = (names: readonly string[]) => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** A Go sets.String's List(): unique and sorted bytewise. */
export function sortedSet(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Init containers, then containers, then ephemeral containers: the order every message lists them in. */
export function visitContainers(spec: PodSpec, visit: (c: Container) => void): void {
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec?.[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) if (c && typeof c === 'object') visit(c);
  }
}

/** The container's name as Kubernetes prints it (always a string). */
export const nameOf = (c: Container): string => (typeof c?.name === 'string' ? c.name : String(c?.name ?? ''));

/** Pods declaring `spec.os.name: windows` skip the Linux-only restricted checks from v1.25 on. */
export const isWindowsPod = (spec: PodSpec) => spec?.os?.name === 'windows';

/** Wraps a check so Windows pods pass it (the v1.25 versions of Linux-only checks). */
export const skipWindows = (fn: CheckPodFn): CheckPodFn => (meta, spec) => (isWindowsPod(spec) ? ALLOWED : fn(meta, spec));

/** The pod-level securityContext, or an empty one. */
export const podSC = (spec: PodSpec): Record<string, any> => (spec?.securityContext && typeof spec.securityContext === 'object' ? spec.securityContext : {});
/** A container's securityContext, or undefined. */
export const containerSC = (c: Container): Record<string, any> | undefined => (c?.securityContext && typeof c.securityContext === 'object' ? c.securityContext : undefined);

/** The annotations of the pod (or template) metadata. */
export const annotationsOf = (meta: PodMetadata): Record<string, string> => (meta?.annotations && typeof meta.annotations === 'object' ? meta.annotations : {});
