/**
 * @module apiserver/admission/podsecurity/checks/hostNamespaces
 * Baseline `hostNamespaces`: sharing the node's network, PID or IPC namespace is forbidden.
 */
import { type Check, type CheckResult, type PodMetadata, type PodSpec, ALLOWED, forbidden } from './helpers.js';

export function hostNamespaces_1_0(_meta: PodMetadata, spec: PodSpec): CheckResult {
  const set: string[] = [];
  if (spec?.hostNetwork === true) set.push('hostNetwork=true');
  if (spec?.hostPID === true) set.push('hostPID=true');
  if (spec?.hostIPC === true) set.push('hostIPC=true');
  return set.length ? forbidden('host namespaces', set.join(', ')) : ALLOWED;
}

export const hostNamespaces: Check = { id: 'hostNamespaces', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: hostNamespaces_1_0 }] };
