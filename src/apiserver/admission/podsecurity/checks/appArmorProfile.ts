/**
 * @module apiserver/admission/podsecurity/checks/appArmorProfile
 * Baseline `appArmorProfile`: AppArmor may not be turned off or overridden. The securityContext
 * `appArmorProfile.type` (pod or container) may only be RuntimeDefault or Localhost, and the
 * deprecated `container.apparmor.security.beta.kubernetes.io/*` annotations only `runtime/default`,
 * `localhost/*` or empty.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, annotationsOf, goQuote, containerSC, containersNamed, isSet, joinQuote, pluralize, podSC, sortedSet, visitContainers, nameOf } from './helpers.js';

const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const allowedAnnotationValue = (v: string) => v === '' || v === 'runtime/default' || v.startsWith('localhost/');
const allowedType = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';

export function appArmorProfile_1_0(meta: PodMetadata, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  const badValues: string[] = [];
  const psc = podSC(spec);
  if (isSet(psc.appArmorProfile) && !allowedType(psc.appArmorProfile.type)) {
    badSetters.push('pod');
    badValues.push(String(psc.appArmorProfile.type ?? ''));
  }
  const badContainers: string[] = [];
  visitContainers(spec, (c) => {
    const p = containerSC(c)?.appArmorProfile;
    if (isSet(p) && !allowedType(p.type)) { badContainers.push(nameOf(c)); badValues.push(String(p.type ?? '')); }
  });
  if (badContainers.length) badSetters.push(containersNamed(badContainers));
  const badAnnotations: string[] = [];
  for (const [k, v] of Object.entries(annotationsOf(meta))) {
    if (k.startsWith(ANNOTATION_PREFIX) && !allowedAnnotationValue(String(v))) badAnnotations.push(`${k}=${goQuote(String(v))}`);
  }
  const values = sortedSet(badValues);
  if (badAnnotations.length) {
    values.push(...sortedSet(badAnnotations));
    badSetters.push(pluralize('annotation', 'annotations', badAnnotations.length));
  }
  if (!badSetters.length) return ALLOWED;
  return forbidden(pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    `${badSetters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`);
}

export const appArmorProfile: Check = { id: 'appArmorProfile', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: appArmorProfile_1_0 }] };
