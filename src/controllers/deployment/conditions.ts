/**
 * @module controllers/deployment/conditions
 * A Deployment's status, computed from its ReplicaSets, and its two conditions: Available
 * (MinimumReplicasAvailable when at least replicas-maxUnavailable pods are available) and
 * Progressing (NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetUpdated while a rollout makes
 * progress, NewReplicaSetAvailable once complete, DeploymentPaused / DeploymentResumed, and
 * ProgressDeadlineExceeded once no progress was seen for progressDeadlineSeconds). The rules on
 * lastUpdateTime and lastTransitionTime are upstream's: the transition time moves only when the
 * status (True/False/Unknown) changes.
 */
import { rfc3339 } from '../podutil.js';
import { maxUnavailable, specReplicas } from './fenceposts.js';
import { actualReplicaCount, availableReplicaCount, readyReplicaCount, replicaCount } from './replicasets.js';
import { semanticEqual } from './hash.js';

export const DEPLOYMENT_AVAILABLE = 'Available';
export const DEPLOYMENT_PROGRESSING = 'Progressing';
export const DEPLOYMENT_REPLICA_FAILURE = 'ReplicaFailure';

export const FAILED_RS_CREATE_REASON = 'ReplicaSetCreateError';
export const NEW_RS_REASON = 'NewReplicaSetCreated';
export const FOUND_NEW_RS_REASON = 'FoundNewReplicaSet';
export const NEW_RS_AVAILABLE_REASON = 'NewReplicaSetAvailable';
export const REPLICA_SET_UPDATED_REASON = 'ReplicaSetUpdated';
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
export const PAUSED_DEPLOY_REASON = 'DeploymentPaused';
export const RESUMED_DEPLOY_REASON = 'DeploymentResumed';
export const MINIMUM_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MINIMUM_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';

export interface DeploymentCondition {
  type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; lastUpdateTime: string; lastTransitionTime: string;
}

/** Go's math.MaxInt32: a progressDeadlineSeconds that means "no deadline". */
const MAX_INT32 = 2 ** 31 - 1;

export const hasProgressDeadline = (d: any): boolean =>
  d.spec?.progressDeadlineSeconds !== undefined && d.spec?.progressDeadlineSeconds !== null && d.spec.progressDeadlineSeconds !== MAX_INT32;

export function newCondition(type: string, status: DeploymentCondition['status'], reason: string, message: string, now = Date.now()): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export const getCondition = (status: any, type: string): DeploymentCondition | undefined => status?.conditions?.find((c: any) => c.type === type);

/** SetDeploymentCondition: replace the condition of that type unless status and reason are unchanged. */
export function setCondition(status: any, c: DeploymentCondition): void {
  const cur = getCondition(status, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c = { ...c, lastTransitionTime: cur.lastTransitionTime };
  status.conditions = [...(status.conditions ?? []).filter((x: any) => x.type !== c.type), c];
}

export function removeCondition(status: any, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c: any) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

/** A ReplicaSet's ReplicaFailure condition as the Deployment reports it. */
export const replicaSetToDeploymentCondition = (c: any): DeploymentCondition => ({
  type: c.type, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message,
});

/** calculateStatus: the Deployment's status as its ReplicaSets say, conditions carried over and Available recomputed. */
export function calculateStatus(allRSs: any[], newRS: any | undefined, d: any, now = Date.now()): any {
  const available = availableReplicaCount(allRSs);
  const unavailable = Math.max(0, replicaCount(allRSs) - available);
  const status: any = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
  };
  if (d.status?.collisionCount !== undefined && d.status?.collisionCount !== null) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c: any) => ({ ...c }));
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(DEPLOYMENT_AVAILABLE, 'True', MINIMUM_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition(DEPLOYMENT_AVAILABLE, 'False', MINIMUM_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** Zero counts are omitted on the wire (omitempty), so a status read back compares equal to one computed. */
export function statusEqual(a: any, b: any): boolean {
  const strip = (s: any) => {
    const o = { ...(s ?? {}) };
    for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'terminatingReplicas']) if (!o[k]) delete o[k];
    return o;
  };
  const ca = strip(a), cb = strip(b);
  // collisionCount 0 differs from none (the hash includes it), so compare it on its own.
  return (ca.collisionCount ?? null) === (cb.collisionCount ?? null) && semanticEqual(ca, cb);
}

/** Every replica is updated and available, and the status is of the current generation. */
export function deploymentComplete(d: any, s: any): boolean {
  const want = specReplicas(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Progress: more updated, ready or available pods, or fewer old ones, than the status last written. */
export function deploymentProgressing(d: any, s: any): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** No progress reported for progressDeadlineSeconds since the Progressing condition's lastUpdateTime. */
export function deploymentTimedOut(d: any, s: any, now = Date.now()): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, DEPLOYMENT_PROGRESSING);
  if (!c) return false;
  // A finished rollout is never judged late: the cache may just not show the new rollout's condition yet.
  if (c.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (c.reason === TIMED_OUT_REASON) return true;
  return Date.parse(c.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000 < now;
}
