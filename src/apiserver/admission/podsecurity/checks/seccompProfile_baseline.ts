/**
 * @module apiserver/admission/podsecurity/checks/seccompProfile_baseline
 * Baseline `seccompProfile_baseline`: seccomp may not be explicitly Unconfined. Before v1.19 the
 * profile was chosen by the (since removed) `seccomp.security.alpha.kubernetes.io` annotations;
 * from v1.19 by `securityContext.seccompProfile.type` on the pod or its containers.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, annotationsOf, containerSC, containersNamed, goQuote, isSet, joinQuote, pluralize, podSC, sortedSet, visitContainers, nameOf } from './helpers.js';

export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

export const validSeccompType = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';

export function seccompProfileBaseline_1_0(meta: PodMetadata, spec: PodSpec): CheckResult {
  const ann = annotationsOf(meta);
  const bad: string[] = [];
  const check = (key: string) => {
    if (Object.prototype.hasOwnProperty.call(ann, key) && String(ann[key]) === 'unconfined') bad.push(`${key}=${goQuote(String(ann[key]))}`);
  };
  check(SECCOMP_POD_ANNOTATION);
  visitContainers(spec, (c) => check(SECCOMP_CONTAINER_ANNOTATION_PREFIX + nameOf(c)));
  if (!bad.length) return ALLOWED;
  const list = sortedSet(bad);
  return forbidden('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', list.length)} ${list.join(', ')}`);
}

/** Who explicitly set a type that is not RuntimeDefault or Localhost, and which types; shared with the restricted check. */
export function explicitlyBadSeccomp(spec: PodSpec): { badSetters: string[]; badValues: string[]; podValid: boolean; unset: string[] } {
  const badSetters: string[] = [];
  const badValues: string[] = [];
  let podValid = false;
  const psp = podSC(spec).seccompProfile;
  if (isSet(psp)) {
    if (!validSeccompType(psp.type)) { badSetters.push('pod'); badValues.push(String(psp.type ?? '')); } else podValid = true;
  }
  const badContainers: string[] = [];
  const unset: string[] = [];
  visitContainers(spec, (c) => {
    const p = containerSC(c)?.seccompProfile;
    if (isSet(p)) {
      if (!validSeccompType(p.type)) { badContainers.push(nameOf(c)); badValues.push(String(p.type ?? '')); }
    } else if (!podValid) {
      unset.push(nameOf(c));
    }
  });
  if (badContainers.length) badSetters.push(containersNamed(badContainers));
  return { badSetters, badValues: sortedSet(badValues), podValid, unset };
}

export const badSeccompDetail = (setters: string[], values: string[]) =>
  `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(values)}`;

export function seccompProfileBaseline_1_19(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const r = explicitlyBadSeccomp(spec);
  return r.badSetters.length ? forbidden('seccompProfile', badSeccompDetail(r.badSetters, r.badValues)) : ALLOWED;
}

export const seccompProfile_baseline: Check = {
  id: 'seccompProfile_baseline', level: 'baseline',
  versions: [{ minimumVersion: 0, checkPod: seccompProfileBaseline_1_0 }, { minimumVersion: 19, checkPod: seccompProfileBaseline_1_19 }],
};
