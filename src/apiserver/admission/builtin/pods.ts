/**
 * @module apiserver/admission/builtin/pods
 * Small helpers the pod-facing admission plugins share.
 */
import type { AdmissionAttributes } from '../../registry/context.js';

export const isPodCreate = (a: AdmissionAttributes) => a.operation === 'CREATE' && a.group === '' && a.resource === 'pods' && a.subresource === '';

/** The name Kubernetes' messages use for a pod not named yet. */
export const podName = (a: AdmissionAttributes) => a.object?.metadata?.name || a.name || a.object?.metadata?.generateName || '';

export function allContainers(spec: any): any[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}
