/**
 * @module apiserver/registry/kinds/pod
 * Pods: Pending on create; the spec is immutable after create except the fields Kubernetes lets
 * change (container images, activeDeadlineSeconds, tolerations additions, schedulingGates removal);
 * a bound pod is deleted gracefully (the kubelet finishes the delete), an unbound one at once.
 */
import type { Strategy } from '../strategy.js';
import { forbiddenField, type FieldError } from '../../../machinery/field-errors.js';
import { deepEqual } from '../object-meta.js';
import { deepCopy } from '../../../machinery/deep-copy.js';

export const podStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec) };
  },
  validateUpdate(obj, old): FieldError[] {
    // Most pod writes (every status write) leave the spec alone: nothing to check, nothing to copy.
    if (deepEqual(obj.spec, old.spec)) return [];
    const a = deepCopy(obj.spec ?? {}), b = deepCopy(old.spec ?? {});
    // Fields a pod update may change.
    for (const s of [a, b]) {
      delete s.activeDeadlineSeconds; delete s.tolerations; delete s.schedulingGates;
      for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) delete c.image;
    }
    if (!old.spec?.nodeName) { delete a.nodeName; delete b.nodeName; }
    if (!deepEqual(a, b)) {
      return [forbiddenField('spec', 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)')];
    }
    return [];
  },
  fieldAttrs: (obj) => ({
    'spec.nodeName': obj.spec?.nodeName ?? '', 'spec.restartPolicy': obj.spec?.restartPolicy ?? '', 'spec.schedulerName': obj.spec?.schedulerName ?? '',
    'spec.serviceAccountName': obj.spec?.serviceAccountName ?? '', 'spec.hostNetwork': String(!!obj.spec?.hostNetwork),
    'status.phase': obj.status?.phase ?? '', 'status.podIP': obj.status?.podIP ?? '', 'status.nominatedNodeName': obj.status?.nominatedNodeName ?? '',
  }),
  defaultGracePeriod: (obj) => (obj.spec?.nodeName ? (obj.spec?.terminationGracePeriodSeconds ?? 30) : 0),
};

/** Guaranteed when every container has equal cpu and memory requests and limits; BestEffort when none has any. */
export function qosClass(spec: any): string {
  const cs = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false, guaranteed = cs.length > 0;
  for (const c of cs) {
    const req = c.resources?.requests ?? {}, lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
