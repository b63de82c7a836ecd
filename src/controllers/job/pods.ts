/**
 * @module controllers/job/pods
 * The pods of a Job: how a new one is made from the template (the Job's labels, the tracking
 * finalizer, the controller ownerReference and, for Indexed Jobs, the completion index as an
 * annotation, a label, the JOB_COMPLETION_INDEX env var and the hostname `<job>-<index>`), what
 * state a pod is in, and which active pods to delete first.
 */
import { newControllerRef } from '../framework.js';
import { COMPLETION_INDEX_ANNOTATION, COMPLETION_INDEX_LABEL } from './indexed.js';
import { isPodReady } from '../podutil.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

/** The labels the API server puts on a Job's template when it generates the selector. */
export function jobLabels(job: any): Record<string, string> {
  const { name, uid } = job.metadata;
  return { [CONTROLLER_UID_LABEL]: uid, [LEGACY_CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, [LEGACY_JOB_NAME_LABEL]: name };
}

export function newJobPod(job: any, index?: number): any {
  const tpl = structuredClone(job.spec.template ?? {});
  const meta = tpl.metadata ?? {};
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  // When the selector was generated the template already carries these; when it was not, the pods need them to be found.
  if (!job.spec?.manualSelector) for (const [k, v] of Object.entries(jobLabels(job))) labels[k] ??= v;
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}) };
  const spec = tpl.spec ?? {};
  let generateName = `${job.metadata.name}-`;
  if (index !== undefined) {
    const ix = String(index);
    annotations[COMPLETION_INDEX_ANNOTATION] = ix;
    labels[COMPLETION_INDEX_LABEL] = ix;
    generateName = `${job.metadata.name}-${ix}-`;
    spec.hostname ??= `${job.metadata.name}-${ix}`;
    // The index reaches the program through the downward API, so it follows the annotation.
    const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } };
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      c.env = [...(c.env ?? []).filter((e: any) => e.name !== 'JOB_COMPLETION_INDEX'), env];
    }
  }
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      generateName, namespace: job.metadata.namespace, labels, annotations,
      finalizers: [...new Set([...(meta.finalizers ?? []), JOB_TRACKING_FINALIZER])],
      ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
    },
    spec,
  };
}

export const hasTrackingFinalizer = (pod: any): boolean => (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
export const isTerminal = (pod: any): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
/** Neither finished nor being deleted: a pod that is doing the Job's work. */
export const isActive = (pod: any): boolean => !isTerminal(pod) && !pod.metadata.deletionTimestamp;
export const isTerminating = (pod: any): boolean => !isTerminal(pod) && !!pod.metadata.deletionTimestamp;
export const isReady = isPodReady;

/**
 * Is the pod a failure? Failed pods are; so are pods deleted before they finished (an orphan may
 * never reach Failed), unless the Job waits for terminal phases (podFailurePolicy, or
 * podReplacementPolicy Failed), where only phase Failed counts.
 */
export function isPodFailed(pod: any, job: any): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (job.spec?.podFailurePolicy || job.spec?.podReplacementPolicy === 'Failed') return false;
  return !!pod.metadata.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Which active pods to delete first (controller.ActivePods' order): unscheduled, pending, not ready, newest. */
export function deletionOrder(a: any, b: any): number {
  const sa = a.spec?.nodeName ? 1 : 0, sb = b.spec?.nodeName ? 1 : 0;
  if (sa !== sb) return sa - sb;
  const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0, pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isReady(a) ? 1 : 0, rb = isReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  return Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? '');
}
