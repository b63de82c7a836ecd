/**
 * @module apiserver/admission/podsecurity/checks/allowPrivilegeEscalation
 * Restricted `allowPrivilegeEscalation` (from v1.8): every container must set
 * `allowPrivilegeEscalation: false` explicitly. Windows pods are exempt from v1.25.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, containerSC, containersNamed, skipWindows, visitContainers, nameOf } from './helpers.js';

export function allowPrivilegeEscalation_1_8(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(spec, (c) => { if (containerSC(c)?.allowPrivilegeEscalation !== false) bad.push(nameOf(c)); });
  return bad.length ? forbidden('allowPrivilegeEscalation != false', `${containersNamed(bad)} must set securityContext.allowPrivilegeEscalation=false`) : ALLOWED;
}

export const allowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation', level: 'restricted',
  versions: [{ minimumVersion: 8, checkPod: allowPrivilegeEscalation_1_8 }, { minimumVersion: 25, checkPod: skipWindows(allowPrivilegeEscalation_1_8) }],
};
