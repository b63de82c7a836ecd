/**
 * @module apiserver/admission/podsecurity/checks/hostPorts
 * Baseline `hostPorts`: containers may not bind ports on the node.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, containersNamed, pluralize, sortedSet, visitContainers, nameOf } from './helpers.js';

export function hostPorts_1_0(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const badContainers: string[] = [];
  const ports: string[] = [];
  visitContainers(spec, (c) => {
    let bad = false;
    for (const p of Array.isArray(c.ports) ? c.ports : []) {
      const hp = p?.hostPort;
      if (hp !== undefined && hp !== null && hp !== 0) { bad = true; ports.push(String(hp)); }
    }
    if (bad) badContainers.push(nameOf(c));
  });
  if (!badContainers.length) return ALLOWED;
  // Go's string set: the ports are sorted as text ("10250" before "80").
  const list = sortedSet(ports);
  return forbidden('hostPort', `${containersNamed(badContainers)} ${pluralize('uses', 'use', badContainers.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`);
}

export const hostPorts: Check = { id: 'hostPorts', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: hostPorts_1_0 }] };
