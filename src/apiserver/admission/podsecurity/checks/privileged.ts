/**
 * @module apiserver/admission/podsecurity/checks/privileged
 * Baseline `privileged`: privileged containers are forbidden.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, containerSC, containersNamed, visitContainers, nameOf } from './helpers.js';

export function privileged_1_0(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(spec, (c) => { if (containerSC(c)?.privileged === true) bad.push(nameOf(c)); });
  return bad.length ? forbidden('privileged', `${containersNamed(bad)} must not set securityContext.privileged=true`) : ALLOWED;
}

export const privileged: Check = { id: 'privileged', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: privileged_1_0 }] };
