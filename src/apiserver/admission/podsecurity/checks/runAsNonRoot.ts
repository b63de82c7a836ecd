/**
 * @module apiserver/admission/podsecurity/checks/runAsNonRoot
 * Restricted `runAsNonRoot`: the pod must set runAsNonRoot=true, or else every container must;
 * nobody may set it to false. Explicit falses are reported before missing trues.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, containerSC, containersNamed, isSet, podSC, visitContainers, nameOf } from './helpers.js';

export function runAsNonRoot_1_0(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  const podValue = podSC(spec).runAsNonRoot;
  let podNonRoot = false;
  if (isSet(podValue)) { if (podValue === true) podNonRoot = true; else badSetters.push('pod'); }
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  visitContainers(spec, (c) => {
    const v = containerSC(c)?.runAsNonRoot;
    if (isSet(v)) { if (v !== true) explicitlyBad.push(nameOf(c)); } else if (!podNonRoot) implicitlyBad.push(nameOf(c));
  });
  if (explicitlyBad.length) badSetters.push(containersNamed(explicitlyBad));
  if (badSetters.length) return forbidden('runAsNonRoot != true', `${badSetters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  if (implicitlyBad.length) return forbidden('runAsNonRoot != true', `pod or ${containersNamed(implicitlyBad)} must set securityContext.runAsNonRoot=true`);
  return ALLOWED;
}

export const runAsNonRoot: Check = { id: 'runAsNonRoot', level: 'restricted', versions: [{ minimumVersion: 0, checkPod: runAsNonRoot_1_0 }] };
