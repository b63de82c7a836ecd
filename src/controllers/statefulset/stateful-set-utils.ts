/**
 * @module controllers/statefulset/stateful-set-utils
 * A StatefulSet pod's identity, in Kubernetes' terms: its name `<set>-<ordinal>`, its labels
 * (`statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index`, `controller-revision-hash`),
 * hostname and subdomain, and its storage (a PVC `<template>-<set>-<ordinal>` per volumeClaimTemplate).
 * Plus the predicates the control loop decides with (created, running and ready, terminating, ...).
 */
import { newControllerRef } from '../framework.js';
import { isPodAvailable, isPodReady } from '../podutil.js';
import { templatePatch } from '../history/revision.js';

export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const STATEFULSET_REVISION_LABEL = 'controller-revision-hash';
export const API_VERSION = 'apps/v1';
export const KIND = 'StatefulSet';

const POD_NAME = /^(.*)-([0-9]+)$/;

/** The parent name and ordinal a pod's name spells (ordinal -1 when it spells none). */
export function parentAndOrdinal(pod: any): [string, number] {
  const m = POD_NAME.exec(pod.metadata?.name ?? '');
  if (!m) return ['', -1];
  const n = Number(m[2]);
  return Number.isSafeInteger(n) && n <= 2 ** 31 - 1 ? [m[1], n] : [m[1], -1];
}

export const getOrdinal = (pod: any): number => parentAndOrdinal(pod)[1];
export const getParentName = (pod: any): string => parentAndOrdinal(pod)[0];
export const getPodName = (set: any, ordinal: number): string => `${set.metadata.name}-${ordinal}`;
export const getStartOrdinal = (set: any): number => set.spec?.ordinals?.start ?? 0;
export const getEndOrdinal = (set: any): number => getStartOrdinal(set) + (set.spec?.replicas ?? 1) - 1;
export const isMemberOf = (set: any, pod: any): boolean => getParentName(pod) === set.metadata.name;

export function podInOrdinalRange(pod: any, set: any): boolean {
  const o = getOrdinal(pod);
  return o >= getStartOrdinal(set) && o <= getEndOrdinal(set);
}

export const claimName = (set: any, template: any, ordinal: number): string => `${template.metadata?.name}-${set.metadata.name}-${ordinal}`;

export function identityMatches(set: any, pod: any): boolean {
  const [parent, ordinal] = parentAndOrdinal(pod);
  return ordinal >= 0 && parent === set.metadata.name && pod.metadata.name === getPodName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace && pod.metadata.labels?.[STATEFULSET_POD_NAME_LABEL] === pod.metadata.name &&
    pod.metadata.labels?.[POD_INDEX_LABEL] === String(ordinal);
}

export function storageMatches(set: any, pod: any): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map<string, any>((pod.spec?.volumes ?? []).map((v: any) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((t: any) => volumes.get(t.metadata?.name)?.persistentVolumeClaim?.claimName === claimName(set, t, ordinal));
}

/** The PVCs a pod of `set` needs, keyed by template name; they carry the set's selector labels. */
export function getPersistentVolumeClaims(set: any, ordinal: number): Map<string, any> {
  const claims = new Map<string, any>();
  for (const t of set.spec?.volumeClaimTemplates ?? []) {
    const claim = structuredClone(t);
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = { ...(claim.metadata ?? {}), name: claimName(set, t, ordinal), namespace: set.metadata.namespace,
      labels: { ...(claim.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) } };
    delete claim.status;
    claims.set(t.metadata?.name, claim);
  }
  return claims;
}

/** Point the pod's volumes named like a claim template at that template's PVC; keep the others. */
export function updateStorage(set: any, pod: any): void {
  const claims = getPersistentVolumeClaims(set, getOrdinal(pod));
  const volumes = [...claims].map(([name, c]) => ({ name, persistentVolumeClaim: { claimName: c.metadata.name } }));
  for (const v of pod.spec.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  pod.spec.volumes = volumes;
}

export function updateIdentity(set: any, pod: any): void {
  const ordinal = getOrdinal(pod);
  pod.metadata.name = getPodName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [STATEFULSET_POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
}

/** A new pod of `set` (at the template `set` carries) with the identity of `ordinal`. */
export function newStatefulSetPod(set: any, ordinal: number): any {
  const tpl = set.spec.template ?? {};
  const pod: any = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: getPodName(set, ordinal), namespace: set.metadata.namespace,
      labels: { ...(tpl.metadata?.labels ?? {}) },
      ...(tpl.metadata?.annotations ? { annotations: { ...tpl.metadata.annotations } } : {}),
      ...(tpl.metadata?.finalizers ? { finalizers: [...tpl.metadata.finalizers] } : {}),
      ownerReferences: [newControllerRef(set, API_VERSION, KIND)],
    },
    spec: structuredClone(tpl.spec ?? {}),
  };
  updateIdentity(set, pod);
  // hostname and subdomain are set only at creation: they are immutable afterwards.
  pod.spec.hostname = pod.metadata.name;
  if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
  updateStorage(set, pod);
  return pod;
}

export function setPodRevision(pod: any, revision: string): void {
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [STATEFULSET_REVISION_LABEL]: revision };
}
export const getPodRevision = (pod: any): string => pod?.metadata?.labels?.[STATEFULSET_REVISION_LABEL] ?? '';

/**
 * A pod for `ordinal` at the right revision: ordinals below the partition (RollingUpdate) stay at
 * the current revision, the rest are made at the update revision.
 */
export function newVersionedStatefulSetPod(currentSet: any, updateSet: any, currentRevision: string, updateRevision: string, ordinal: number): any {
  const strategy = currentSet.spec?.updateStrategy ?? {};
  const start = getStartOrdinal(currentSet);
  const keepCurrent = strategy.type !== 'OnDelete' && (strategy.rollingUpdate
    ? ordinal < start + (strategy.rollingUpdate.partition ?? 0)
    : ordinal < start + (currentSet.status?.currentReplicas ?? 0));
  const pod = newStatefulSetPod(keepCurrent ? currentSet : updateSet, ordinal);
  setPodRevision(pod, keepCurrent ? currentRevision : updateRevision);
  return pod;
}

export const isCreated = (pod: any): boolean => !!pod?.status?.phase;
export const isPending = (pod: any): boolean => pod?.status?.phase === 'Pending';
export const isFailed = (pod: any): boolean => pod?.status?.phase === 'Failed';
export const isSucceeded = (pod: any): boolean => pod?.status?.phase === 'Succeeded';
export const isTerminating = (pod: any): boolean => !!pod?.metadata?.deletionTimestamp;
export const isRunningAndReady = (pod: any): boolean => pod?.status?.phase === 'Running' && isPodReady(pod);
export const isRunningAndAvailable = (pod: any, minReadySeconds: number): boolean => isPodAvailable(pod, minReadySeconds);
export const isHealthy = (pod: any): boolean => isRunningAndReady(pod) && !isTerminating(pod);
/** Parallel pod management lets pods start and stop in any order ("burst"). */
export const allowsBurst = (set: any): boolean => set.spec?.podManagementPolicy === 'Parallel';

/** The data of a StatefulSet's revision: a patch restoring its pod template. */
export const getPatch = templatePatch;

export function retentionPolicy(set: any): { whenDeleted: string; whenScaled: string } {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy ?? {};
  return { whenDeleted: p.whenDeleted ?? 'Retain', whenScaled: p.whenScaled ?? 'Retain' };
}

/** An int or a percentage of `total` (rounded down, as StatefulSet's maxUnavailable), at least 1. */
export function maxUnavailable(set: any): number {
  const v = set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1;
  const replicas = set.spec?.replicas ?? 1;
  const n = typeof v === 'string' && v.endsWith('%') ? Math.floor((Number(v.slice(0, -1)) * replicas) / 100) : Number(v);
  return Number.isFinite(n) && n >= 1 ? n : 1;
}
