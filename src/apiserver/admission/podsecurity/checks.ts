/**
 * @module apiserver/admission/podsecurity/checks
 * The Pod Security Standards' checks (k8s.io/pod-security-admission/policy, version "latest"), one
 * function per check ID. Each looks at a pod's metadata and spec and returns null when allowed, or
 * the reason and detail Kubernetes prints (`privileged (container "c" must not set ...)`).
 */

export interface Violation { reason: string; detail?: string }
export interface Check { id: string; level: 'baseline' | 'restricted'; overrides?: string[]; run(meta: any, spec: any): Violation | null }

interface Named { name: string; c: any; kind: 'init' | 'regular' | 'ephemeral' }

function containersOf(spec: any): Named[] {
  const out: Named[] = [];
  for (const c of spec?.initContainers ?? []) out.push({ name: c?.name, c, kind: 'init' });
  for (const c of spec?.containers ?? []) out.push({ name: c?.name, c, kind: 'regular' });
  for (const c of spec?.ephemeralContainers ?? []) out.push({ name: c?.name, c, kind: 'ephemeral' });
  return out;
}

const q = (s: string) => JSON.stringify(s);
const joinQ = (xs: string[]) => xs.map(q).join(', ');
/** `container "a"` / `containers "a", "b"` */
const noun = (word: string, names: string[]) => `${word}${names.length === 1 ? '' : 's'} ${joinQ(names)}`;
/** uses / use */
const verb = (names: string[], one: string, many: string) => (names.length === 1 ? one : many);

const BASELINE_CAPS = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const RESTRICTED_VOLUMES_OK = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** Group container names by a per-container finding; returns `container "a" must ...; containers "b", "c" must ...`-style parts. */
function byFinding(cs: Named[], f: (c: Named) => string | null): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const c of cs) { const k = f(c); if (k !== null) m.set(k, [...(m.get(k) ?? []), c.name]); }
  return m;
}

export const CHECKS: Check[] = [
  { id: 'appArmorProfile', level: 'baseline', run(meta, spec) {
    const bad: string[] = [];
    for (const [k, v] of Object.entries(meta?.annotations ?? {})) {
      if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v !== 'runtime/default' && !String(v).startsWith('localhost/')) bad.push(`${k}=${q(String(v))}`);
    }
    const okType = (p: any) => !p || p.type === 'RuntimeDefault' || p.type === 'Localhost';
    if (!okType(spec?.securityContext?.appArmorProfile)) bad.push(`pod must not set securityContext.appArmorProfile.type to ${q(spec.securityContext.appArmorProfile.type)}`);
    for (const c of containersOf(spec)) if (!okType(c.c?.securityContext?.appArmorProfile)) bad.push(`container ${q(c.name)} must not set securityContext.appArmorProfile.type to ${q(c.c.securityContext.appArmorProfile.type)}`);
    return bad.length ? { reason: 'forbidden AppArmor profile', detail: bad.join(', ') } : null;
  } },
  { id: 'capabilities_baseline', level: 'baseline', run(_m, spec) {
    const parts: string[] = [];
    const caps = byFinding(containersOf(spec), (c) => {
      const bad = (c.c?.securityContext?.capabilities?.add ?? []).filter((x: string) => !BASELINE_CAPS.has(x));
      return bad.length ? joinQ(bad) : null;
    });
    for (const [caps_, names] of caps) parts.push(`${noun('container', names)} must not include ${caps_} in securityContext.capabilities.add`);
    return parts.length ? { reason: 'non-default capabilities', detail: parts.join('; ') } : null;
  } },
  { id: 'hostNamespaces', level: 'baseline', run(_m, spec) {
    const set = [spec?.hostNetwork && 'hostNetwork=true', spec?.hostPID && 'hostPID=true', spec?.hostIPC && 'hostIPC=true'].filter(Boolean);
    return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : null;
  } },
  { id: 'hostPathVolumes', level: 'baseline', run(_m, spec) {
    const names = (spec?.volumes ?? []).filter((v: any) => v?.hostPath).map((v: any) => v.name);
    return names.length ? { reason: 'hostPath volumes', detail: noun('volume', names) } : null;
  } },
  { id: 'hostPorts', level: 'baseline', run(_m, spec) {
    const names: string[] = [], ports: string[] = [];
    for (const c of containersOf(spec)) {
      const ps = (c.c?.ports ?? []).filter((p: any) => p?.hostPort).map((p: any) => String(p.hostPort));
      if (ps.length) { names.push(c.name); ports.push(...ps); }
    }
    return names.length ? { reason: 'hostPort', detail: `${noun('container', names)} ${verb(names, 'uses', 'use')} ${ports.length === 1 ? 'hostPort' : 'hostPorts'} ${ports.join(', ')}` } : null;
  } },
  { id: 'hostProcess', level: 'baseline', run(_m, spec) {
    const pod = spec?.securityContext?.windowsOptions?.hostProcess === true;
    const names = containersOf(spec).filter((c) => c.c?.securityContext?.windowsOptions?.hostProcess === true).map((c) => c.name);
    if (!pod && !names.length) return null;
    const who = pod && names.length ? `pod and ${noun('container', names)}` : pod ? 'pod' : noun('container', names);
    return { reason: 'hostProcess', detail: `${who} must not set securityContext.windowsOptions.hostProcess=true` };
  } },
  { id: 'privileged', level: 'baseline', run(_m, spec) {
    const names = containersOf(spec).filter((c) => c.c?.securityContext?.privileged === true).map((c) => c.name);
    return names.length ? { reason: 'privileged', detail: `${noun('container', names)} must not set securityContext.privileged=true` } : null;
  } },
  { id: 'procMount', level: 'baseline', run(_m, spec) {
    const m = byFinding(containersOf(spec), (c) => { const p = c.c?.securityContext?.procMount; return p && p !== 'Default' ? p : null; });
    const parts = [...m].map(([p, names]) => `${noun('container', names)} must not set securityContext.procMount to ${q(p)}`);
    return parts.length ? { reason: 'procMount', detail: parts.join('; ') } : null;
  } },
  { id: 'seLinuxOptions', level: 'baseline', run(_m, spec) {
    const okTypes = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
    const bad = (o: any) => o && (!okTypes.has(o.type ?? '') || o.user || o.role);
    const names = containersOf(spec).filter((c) => bad(c.c?.securityContext?.seLinuxOptions)).map((c) => c.name);
    const pod = bad(spec?.securityContext?.seLinuxOptions);
    if (!pod && !names.length) return null;
    const who = pod && names.length ? `pod and ${noun('container', names)}` : pod ? 'pod' : noun('container', names);
    return { reason: 'seLinuxOptions', detail: `${who} set forbidden securityContext.seLinuxOptions` };
  } },
  { id: 'seccompProfile_baseline', level: 'baseline', run(_m, spec) {
    const parts: string[] = [];
    if (spec?.securityContext?.seccompProfile?.type === 'Unconfined') parts.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
    const names = containersOf(spec).filter((c) => c.c?.securityContext?.seccompProfile?.type === 'Unconfined').map((c) => c.name);
    if (names.length) parts.push(`${noun('container', names)} must not set securityContext.seccompProfile.type to "Unconfined"`);
    return parts.length ? { reason: 'seccompProfile', detail: parts.join('; ') } : null;
  } },
  { id: 'sysctls', level: 'baseline', run(_m, spec) {
    const bad = (spec?.securityContext?.sysctls ?? []).map((s: any) => s?.name).filter((n: string) => !SAFE_SYSCTLS.has(n));
    return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : null;
  } },
  { id: 'allowPrivilegeEscalation', level: 'restricted', run(_m, spec) {
    const names = containersOf(spec).filter((c) => c.c?.securityContext?.allowPrivilegeEscalation !== false).map((c) => c.name);
    return names.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${noun('container', names)} must set securityContext.allowPrivilegeEscalation=false` } : null;
  } },
  { id: 'capabilities_restricted', level: 'restricted', overrides: ['capabilities_baseline'], run(_m, spec) {
    const cs = containersOf(spec).filter((c) => c.kind !== 'ephemeral' || true);
    const noDrop = cs.filter((c) => !(c.c?.securityContext?.capabilities?.drop ?? []).includes('ALL')).map((c) => c.name);
    const parts: string[] = [];
    if (noDrop.length) parts.push(`${noun('container', noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    const adds = byFinding(cs, (c) => {
      const bad = (c.c?.securityContext?.capabilities?.add ?? []).filter((x: string) => x !== 'NET_BIND_SERVICE');
      return bad.length ? joinQ(bad) : null;
    });
    for (const [caps, names] of adds) parts.push(`${noun('container', names)} must not include ${caps} in securityContext.capabilities.add`);
    return parts.length ? { reason: 'unrestricted capabilities', detail: parts.join('; ') } : null;
  } },
  { id: 'restrictedVolumes', level: 'restricted', overrides: ['hostPathVolumes'], run(_m, spec) {
    const names: string[] = [], types: string[] = [];
    for (const v of spec?.volumes ?? []) {
      const t = Object.keys(v ?? {}).find((k) => k !== 'name');
      if (t && !RESTRICTED_VOLUMES_OK.has(t)) { names.push(v.name); if (!types.includes(t)) types.push(t); }
    }
    return names.length ? { reason: 'restricted volume types', detail: `${noun('volume', names)} ${verb(names, 'uses', 'use')} restricted volume ${types.length === 1 ? 'type' : 'types'} ${joinQ(types)}` } : null;
  } },
  { id: 'runAsNonRoot', level: 'restricted', run(_m, spec) {
    const podVal = spec?.securityContext?.runAsNonRoot;
    const parts: string[] = [];
    if (podVal === false) parts.push('pod must not set securityContext.runAsNonRoot=false');
    const explicitFalse = containersOf(spec).filter((c) => c.c?.securityContext?.runAsNonRoot === false).map((c) => c.name);
    if (explicitFalse.length) parts.push(`${noun('container', explicitFalse)} must not set securityContext.runAsNonRoot=false`);
    if (podVal !== true) {
      const unset = containersOf(spec).filter((c) => c.c?.securityContext?.runAsNonRoot === undefined || c.c?.securityContext?.runAsNonRoot === null).map((c) => c.name);
      if (unset.length && podVal !== false) parts.push(`pod or ${noun('container', unset)} must set securityContext.runAsNonRoot=true`);
    }
    return parts.length ? { reason: 'runAsNonRoot != true', detail: parts.join('; ') } : null;
  } },
  { id: 'runAsUser', level: 'restricted', run(_m, spec) {
    const parts: string[] = [];
    if (spec?.securityContext?.runAsUser === 0) parts.push('pod must not set runAsUser=0');
    const names = containersOf(spec).filter((c) => c.c?.securityContext?.runAsUser === 0).map((c) => c.name);
    if (names.length) parts.push(`${noun('container', names)} must not set runAsUser=0`);
    return parts.length ? { reason: 'runAsUser=0', detail: parts.join('; ') } : null;
  } },
  { id: 'seccompProfile_restricted', level: 'restricted', overrides: ['seccompProfile_baseline'], run(_m, spec) {
    const ok = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
    const parts: string[] = [];
    const podType = spec?.securityContext?.seccompProfile?.type;
    if (podType !== undefined && !ok(podType)) parts.push(`pod must not set securityContext.seccompProfile.type to ${q(podType)}`);
    const badSet = byFinding(containersOf(spec), (c) => { const t = c.c?.securityContext?.seccompProfile?.type; return t !== undefined && !ok(t) ? t : null; });
    for (const [t, names] of badSet) parts.push(`${noun('container', names)} must not set securityContext.seccompProfile.type to ${q(t)}`);
    if (!ok(podType)) {
      const unset = containersOf(spec).filter((c) => c.c?.securityContext?.seccompProfile?.type === undefined).map((c) => c.name);
      if (unset.length && podType === undefined) parts.push(`pod or ${noun('container', unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
    return parts.length ? { reason: 'seccompProfile', detail: parts.join('; ') } : null;
  } },
];

/** The checks of a level, baseline first, each in ID order; restricted checks replace the baseline ones they override. */
export function checksFor(level: 'privileged' | 'baseline' | 'restricted'): Check[] {
  if (level === 'privileged') return [];
  const list = CHECKS.filter((c) => c.level === 'baseline' || level === 'restricted');
  const overridden = new Set(level === 'restricted' ? list.flatMap((c) => c.overrides ?? []) : []);
  return list.filter((c) => !overridden.has(c.id));
}

/** Every violation of a pod (metadata + spec) at a level, in Kubernetes' order. */
export function evaluate(level: 'privileged' | 'baseline' | 'restricted', meta: any, spec: any): Violation[] {
  const out: Violation[] = [];
  for (const c of checksFor(level)) { const v = c.run(meta, spec); if (v) out.push(v); }
  return out;
}

export function violationsText(vs: Violation[]): string {
  return vs.map((v) => (v.detail ? `${v.reason} (${v.detail})` : v.reason)).join(', ');
}
