/**
 * @module apiserver/admission/podsecurity/checks/capabilities_baseline
 * Baseline `capabilities_baseline`: containers may add only the capabilities a container runtime
 * grants by default anyway.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, containerSC, containersNamed, joinQuote, sortedSet, visitContainers, nameOf } from './helpers.js';

export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

export function capabilitiesBaseline_1_0(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const badContainers: string[] = [];
  const badCaps: string[] = [];
  visitContainers(spec, (c) => {
    const add = containerSC(c)?.capabilities?.add;
    if (!Array.isArray(add)) return;
    const bad = add.map(String).filter((x) => !BASELINE_CAPABILITIES.has(x));
    if (bad.length) { badContainers.push(nameOf(c)); badCaps.push(...bad); }
  });
  if (!badContainers.length) return ALLOWED;
  return forbidden('non-default capabilities',
    `${containersNamed(badContainers)} must not include ${joinQuote(sortedSet(badCaps))} in securityContext.capabilities.add`);
}

export const capabilities_baseline: Check = { id: 'capabilities_baseline', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: capabilitiesBaseline_1_0 }] };
