/**
 * @module apiserver/admission/podsecurity/checks/procMount
 * Baseline `procMount`: the default /proc masks stay; only `Default` (or unset) is allowed.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, containerSC, containersNamed, isSet, joinQuote, sortedSet, visitContainers, nameOf } from './helpers.js';

export function procMount_1_0(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const types: string[] = [];
  visitContainers(spec, (c) => {
    const pm = containerSC(c)?.procMount;
    if (isSet(pm) && pm !== 'Default') { bad.push(nameOf(c)); types.push(String(pm)); }
  });
  return bad.length ? forbidden('procMount', `${containersNamed(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`) : ALLOWED;
}

export const procMount: Check = { id: 'procMount', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: procMount_1_0 }] };
