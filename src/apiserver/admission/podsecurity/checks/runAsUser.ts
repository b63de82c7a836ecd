/**
 * @module apiserver/admission/podsecurity/checks/runAsUser
 * Restricted `runAsUser` (from v1.23): neither the pod nor a container may set runAsUser=0.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, containerSC, containersNamed, podSC, visitContainers, nameOf } from './helpers.js';

export function runAsUser_1_23(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  if (podSC(spec).runAsUser === 0) badSetters.push('pod');
  const bad: string[] = [];
  visitContainers(spec, (c) => { if (containerSC(c)?.runAsUser === 0) bad.push(nameOf(c)); });
  if (bad.length) badSetters.push(containersNamed(bad));
  return badSetters.length ? forbidden('runAsUser=0', `${badSetters.join(' and ')} must not set runAsUser=0`) : ALLOWED;
}

export const runAsUser: Check = { id: 'runAsUser', level: 'restricted', versions: [{ minimumVersion: 23, checkPod: runAsUser_1_23 }] };
