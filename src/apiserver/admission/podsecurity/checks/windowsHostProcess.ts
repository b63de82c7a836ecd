/**
 * @module apiserver/admission/podsecurity/checks/windowsHostProcess
 * Baseline `windowsHostProcess`: Windows HostProcess containers (full host access) are forbidden,
 * whether asked for by the pod or by a container.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, containerSC, containersNamed, podSC, visitContainers, nameOf } from './helpers.js';

export function windowsHostProcess_1_0(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const setters: string[] = [];
  if (podSC(spec).windowsOptions?.hostProcess === true) setters.push('pod');
  const bad: string[] = [];
  visitContainers(spec, (c) => { if (containerSC(c)?.windowsOptions?.hostProcess === true) bad.push(nameOf(c)); });
  if (bad.length) setters.push(containersNamed(bad));
  return setters.length ? forbidden('hostProcess', `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`) : ALLOWED;
}

export const windowsHostProcess: Check = { id: 'windowsHostProcess', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: windowsHostProcess_1_0 }] };
