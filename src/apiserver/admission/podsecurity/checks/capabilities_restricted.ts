/**
 * @module apiserver/admission/podsecurity/checks/capabilities_restricted
 * Restricted `capabilities_restricted` (from v1.22, replacing capabilities_baseline): every
 * container must drop ALL and may add back only NET_BIND_SERVICE. Windows pods exempt from v1.25.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, containerSC, containersNamed, isSet, joinQuote, skipWindows, sortedSet, visitContainers, nameOf } from './helpers.js';

export function capabilitiesRestricted_1_22(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbiddenCaps: string[] = [];
  visitContainers(spec, (c) => {
    const caps = containerSC(c)?.capabilities;
    if (!isSet(caps)) { missingDropAll.push(nameOf(c)); return; }
    const drop = Array.isArray(caps.drop) ? caps.drop : [];
    if (!drop.includes('ALL')) missingDropAll.push(nameOf(c));
    const bad = (Array.isArray(caps.add) ? caps.add : []).map(String).filter((x: string) => x !== 'NET_BIND_SERVICE');
    if (bad.length) { addingForbidden.push(nameOf(c)); forbiddenCaps.push(...bad); }
  });
  const details: string[] = [];
  if (missingDropAll.length) details.push(`${containersNamed(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (addingForbidden.length) details.push(`${containersNamed(addingForbidden)} must not include ${joinQuote(sortedSet(forbiddenCaps))} in securityContext.capabilities.add`);
  return details.length ? forbidden('unrestricted capabilities', details.join('; ')) : ALLOWED;
}

export const capabilities_restricted: Check = {
  id: 'capabilities_restricted', level: 'restricted',
  versions: [
    { minimumVersion: 22, checkPod: capabilitiesRestricted_1_22, overrideCheckIDs: ['capabilities_baseline'] },
    { minimumVersion: 25, checkPod: skipWindows(capabilitiesRestricted_1_22), overrideCheckIDs: ['capabilities_baseline'] },
  ],
};
