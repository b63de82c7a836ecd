/**
 * @module apiserver/admission/podsecurity/checks/hostPathVolumes
 * Baseline `hostPathVolumes`: no hostPath volumes (restricted replaces this with restrictedVolumes).
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden, isSet, joinQuote, pluralize } from './helpers.js';

export function hostPathVolumes_1_0(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const names: string[] = [];
  for (const v of Array.isArray(spec?.volumes) ? spec.volumes : []) if (isSet(v?.hostPath)) names.push(String(v.name ?? ''));
  return names.length ? forbidden('hostPath volumes', `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}`) : ALLOWED;
}

export const hostPathVolumes: Check = { id: 'hostPathVolumes', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: hostPathVolumes_1_0 }] };
