/**
 * @module apiserver/admission/podsecurity/checks/seccompProfile_restricted
 * Restricted `seccompProfile_restricted` (from v1.19, replacing seccompProfile_baseline): the pod,
 * or else every container, must set seccompProfile.type RuntimeDefault or Localhost. Windows pods
 * are exempt from v1.25.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, containersNamed, skipWindows } from './helpers.js';
import { badSeccompDetail, explicitlyBadSeccomp } from './seccompProfile_baseline.js';

export function seccompProfileRestricted_1_19(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const r = explicitlyBadSeccomp(spec);
  if (r.badSetters.length) return forbidden('seccompProfile', badSeccompDetail(r.badSetters, r.badValues));
  if (r.unset.length) return forbidden('seccompProfile', `pod or ${containersNamed(r.unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  return ALLOWED;
}

export const seccompProfile_restricted: Check = {
  id: 'seccompProfile_restricted', level: 'restricted',
  versions: [
    { minimumVersion: 19, checkPod: seccompProfileRestricted_1_19, overrideCheckIDs: ['seccompProfile_baseline'] },
    { minimumVersion: 25, checkPod: skipWindows(seccompProfileRestricted_1_19), overrideCheckIDs: ['seccompProfile_baseline'] },
  ],
};
