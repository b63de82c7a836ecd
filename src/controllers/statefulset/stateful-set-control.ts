/**
 * @module controllers/statefulset/stateful-set-control
 * One pass of the StatefulSet control loop (Kubernetes' defaultStatefulSetControl.UpdateStatefulSet):
 * settle the current and update revisions, then bring the pods towards the spec in the order the
 * policy allows and report the status it saw.
 *
 * - OrderedReady ("monotonic"): pods are created one at a time in ordinal order, each only once
 *   every lower ordinal is Running and Ready; scale-down deletes the highest ordinal first, one at
 *   a time, only while the rest are healthy. Parallel: all at once.
 * - Pods that Failed or Succeeded are deleted, and recreated under the same name on a later pass.
 * - RollingUpdate deletes the highest-ordinal pod not at the update revision (down to the
 *   partition), waiting for it to come back healthy before the next; OnDelete waits for the user.
 */
import type { ControllerHistory } from '../history/history.js';
import {
  applyRevision, equalRevision, findEqualRevisions, newControllerRevision, nextRevision, sortControllerRevisions,
} from '../history/revision.js';
import type { PodControl } from './stateful-pod-control.js';
import {
  API_VERSION, KIND, allowsBurst, getOrdinal, getPatch, getPodRevision, getStartOrdinal, identityMatches, isCreated,
  isFailed, isHealthy, isPending, isRunningAndAvailable, isRunningAndReady, isSucceeded, isTerminating, maxUnavailable,
  newVersionedStatefulSetPod, podInOrdinalRange, storageMatches,
} from './stateful-set-utils.js';

export interface StatefulSetStatus {
  observedGeneration: number; replicas: number; readyReplicas: number; currentReplicas: number; updatedReplicas: number;
  availableReplicas: number; currentRevision: string; updateRevision: string; collisionCount: number;
}

/** Revisions of `set` after this pass: which are current and update, the collision count it took. */
export async function getStatefulSetRevisions(set: any, revisions: any[], history: ControllerHistory): Promise<{ current: any; update: any; collisionCount: number }> {
  sortControllerRevisions(revisions);
  let collisionCount = set.status?.collisionCount ?? 0;
  let update = newRevision(set, nextRevision(revisions), collisionCount);
  const equal = findEqualRevisions(revisions, update);
  const last = revisions[revisions.length - 1];
  if (equal.length && equalRevision(last, equal[equal.length - 1])) {
    update = last; // the template has not changed since the newest revision
  } else if (equal.length) {
    // A rollback to an older template: that revision becomes the newest again.
    update = await history.updateRevisionNumber(equal[equal.length - 1], update.revision);
  } else {
    ({ revision: update, collisionCount } = await history.create(update, collisionCount));
  }
  const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

export function newRevision(set: any, revision: number, collisionCount: number): any {
  const rev = newControllerRevision(set, API_VERSION, KIND, set.spec?.template?.metadata?.labels, getPatch(set), revision, collisionCount);
  if (set.metadata.annotations) rev.metadata.annotations = { ...set.metadata.annotations };
  return rev;
}

/** Count pods into the status: created, ready, available, at the current and at the update revision. */
export function computeStatus(status: StatefulSetStatus, minReadySeconds: number, pods: (any | undefined)[]): void {
  Object.assign(status, { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 });
  for (const p of pods) {
    if (!p) continue;
    if (isCreated(p)) status.replicas++;
    if (isRunningAndReady(p)) {
      status.readyReplicas++;
      if (isRunningAndAvailable(p, minReadySeconds)) status.availableReplicas++;
    }
    if (isCreated(p) && !isTerminating(p)) {
      const r = getPodRevision(p);
      if (r === status.currentRevision) status.currentReplicas++;
      if (r === status.updateRevision) status.updatedReplicas++;
    }
  }
}

/** Run `fn` over pods: in order, stopping at the first that says stop (monotonic), or all together. */
async function runForAll(n: number, fn: (i: number) => Promise<boolean>, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < n; i++) if (await fn(i)) return true;
    return false;
  }
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => fn(i)));
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) throw failed.reason;
  return false;
}

export async function updateStatefulSet(set: any, current: any, update: any, collisionCount: number, pods: any[], pc: PodControl): Promise<StatefulSetStatus> {
  const currentSet = applyRevision(set, current);
  const updateSet = applyRevision(set, update);
  const minReady = set.spec?.minReadySeconds ?? 0;
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation ?? 0, replicas: 0, readyReplicas: 0, currentReplicas: 0, updatedReplicas: 0,
    availableReplicas: 0, currentRevision: current.metadata.name, updateRevision: update.metadata.name, collisionCount,
  };
  computeStatus(status, minReady, pods);

  const start = getStartOrdinal(set);
  const replicaCount = set.spec?.replicas ?? 1;
  const replicas: any[] = new Array(replicaCount);
  const condemned: any[] = [];
  for (const p of pods) {
    if (podInOrdinalRange(p, set)) replicas[getOrdinal(p) - start] = p;
    else if (getOrdinal(p) >= 0) condemned.push(p);
  }
  for (let i = 0; i < replicaCount; i++) {
    replicas[i] ??= newVersionedStatefulSetPod(currentSet, updateSet, current.metadata.name, update.metadata.name, start + i);
  }
  condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
  const firstUnhealthy = replicas.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));

  if (set.metadata.deletionTimestamp) return status;
  const monotonic = !allowsBurst(set);
  const finish = () => { computeStatus(status, minReady, [...replicas, ...condemned]); return status; };

  const processReplica = async (i: number): Promise<boolean> => {
    const pod = replicas[i];
    if (isFailed(pod) || isSucceeded(pod)) {
      // Deleted now, recreated (same name) on a later pass once the API server has let it go.
      if (!isTerminating(pod)) await pc.deleteStatefulPod(set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      if (pc.podClaimIsStale(set, pod)) return true;
      await pc.createStatefulPod(set, pod);
      if (monotonic) return true;
    }
    if (isPending(pod)) await pc.createMissingPersistentVolumeClaims(set, pod);
    if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady))) return true;
    if (!isCreated(pod)) return false;
    if (identityMatches(set, pod) && storageMatches(set, pod) && pc.claimsMatchRetentionPolicy(updateSet, pod)) return false;
    await pc.updateStatefulPod(updateSet, pod);
    return false;
  };
  if (await runForAll(replicas.length, processReplica, monotonic)) return finish();

  // Condemned pods' claims get their scale-down owners before the pods go.
  const fixPodClaim = async (i: number): Promise<boolean> => {
    if (!pc.claimsMatchRetentionPolicy(updateSet, condemned[i])) await pc.updatePodClaimForRetentionPolicy(updateSet, condemned[i]);
    return false;
  };
  if (await runForAll(condemned.length, fixPodClaim, monotonic)) return finish();

  const processCondemned = async (i: number): Promise<boolean> => {
    const pod = condemned[i];
    if (isTerminating(pod)) return monotonic;
    if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, minReady))) return true;
    await pc.deleteStatefulPod(set, pod);
    return true;
  };
  if (await runForAll(condemned.length, processCondemned, monotonic)) return finish();

  finish();
  if (set.spec?.updateStrategy?.type === 'OnDelete') return status;

  const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable !== undefined) {
    // maxUnavailable: replace up to that many pods at once, counting the ones already unhealthy.
    const allowed = maxUnavailable(set) - replicas.filter((p) => !isHealthy(p)).length;
    let deleted = 0;
    for (let t = replicas.length - 1; t >= partition && deleted < allowed; t--) {
      if (getPodRevision(replicas[t]) !== update.metadata.name && !isTerminating(replicas[t])) {
        await pc.deleteStatefulPod(set, replicas[t]);
        deleted++;
        status.currentReplicas--;
      }
    }
    return status;
  }
  for (let t = replicas.length - 1; t >= partition; t--) {
    if (getPodRevision(replicas[t]) !== update.metadata.name && !isTerminating(replicas[t])) {
      await pc.deleteStatefulPod(set, replicas[t]);
      status.currentReplicas--;
      return status;
    }
    if (!isHealthy(replicas[t])) return status; // wait for it before touching the next one
  }
  return status;
}

/** A rolling update is complete when every replica is updated and ready: the update revision becomes current. */
export function completeRollingUpdate(set: any, status: StatefulSetStatus): void {
  const want = set.spec?.replicas ?? 1;
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && status.updatedReplicas === want && status.readyReplicas === want && status.replicas === want) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

export function inconsistentStatus(set: any, status: StatefulSetStatus): boolean {
  const s = set.status ?? {};
  return status.observedGeneration > (s.observedGeneration ?? 0) || status.replicas !== (s.replicas ?? 0) ||
    status.currentReplicas !== (s.currentReplicas ?? 0) || status.readyReplicas !== (s.readyReplicas ?? 0) ||
    status.updatedReplicas !== (s.updatedReplicas ?? 0) || status.currentRevision !== (s.currentRevision ?? '') ||
    status.availableReplicas !== (s.availableReplicas ?? 0) || status.updateRevision !== (s.updateRevision ?? '') ||
    status.collisionCount !== (s.collisionCount ?? 0);
}
