/**
 * @module controllers/deployment/sync
 * The writes a Deployment sync makes, shared by both strategies: find or create the new
 * ReplicaSet (and keep revisions in step), scale a ReplicaSet and say so in an event, scale a
 * Deployment whose spec.replicas changed (proportionally during a rollout), trim the revision
 * history, and write the status and conditions. Every write carries the resourceVersion it was
 * computed from, so a decision made from a stale cache fails with 409 and is made again.
 */
import { StatusError } from '../../machinery/status.js';
import type { Clientset } from '../../client/clientset.js';
import type { Informer } from '../../client/informer.js';
import type { EventRecorder, EventType } from '../../client/record/recorder.js';
import { newControllerRef, controllerRef } from '../framework.js';
import { DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY, computeHash, equalIgnoreHash } from './hash.js';
import { maxSurge, specReplicas } from './fenceposts.js';
import { REVISION_ANNOTATION, maxRevision, replicasAnnotationsNeedUpdate, setDeploymentRevision, setNewReplicaSetAnnotations, setReplicasAnnotations } from './annotations.js';
import { byRevision, findNewReplicaSet, findOldReplicaSets } from './replicasets.js';
import { newRSNewReplicas, planScale, type ScaleStep } from './plan.js';
import {
  DEPLOYMENT_PROGRESSING, DEPLOYMENT_REPLICA_FAILURE, FAILED_RS_CREATE_REASON, FOUND_NEW_RS_REASON, NEW_RS_AVAILABLE_REASON, NEW_RS_REASON,
  REPLICA_SET_UPDATED_REASON, TIMED_OUT_REASON, calculateStatus, deploymentComplete, deploymentProgressing, deploymentTimedOut, getCondition,
  hasProgressDeadline, newCondition, removeCondition, replicaSetToDeploymentCondition, setCondition, statusEqual,
} from './conditions.js';

const MAX_INT32 = 2 ** 31 - 1;

export interface SyncDeps {
  client: Clientset;
  recorder: EventRecorder;
  replicasets: Informer;
  /** Look at the Deployment again after `ms` (a progress-deadline check). */
  requeueAfter(d: any, ms: number): void;
}

export class DeploymentSync {
  constructor(private readonly deps: SyncDeps) {}

  event(d: any, type: EventType, reason: string, message: string): void {
    this.deps.recorder.event({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' }, type, reason, message);
  }

  /**
   * Write what changed on the Deployment. Upstream writes the revision annotation through the
   * status subresource; skiff's status subresource keeps metadata as it was, so annotations go
   * through a plain update first. The returned resourceVersion is carried on so the next write of
   * this sync does not conflict with our own.
   */
  async writeDeployment(d: any, opts: { metadata?: boolean; status?: boolean }): Promise<void> {
    const c = this.deps.client.deployments;
    if (opts.metadata) d.metadata.resourceVersion = (await c.update(d.metadata.namespace, d)).metadata.resourceVersion;
    if (opts.status) d.metadata.resourceVersion = (await c.updateStatus(d.metadata.namespace, d)).metadata.resourceVersion;
  }

  /** The new ReplicaSet (created when `create` and missing) and every old one, revisions brought up to date. */
  async getAllReplicaSetsAndSyncRevision(d: any, rsList: any[], create: boolean): Promise<{ newRS: any | undefined; oldRSs: any[] }> {
    const { all: oldRSs } = findOldReplicaSets(d, rsList);
    const newRS = await this.getNewReplicaSet(d, rsList, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(d: any, rsList: any[], oldRSs: any[], create: boolean): Promise<any | undefined> {
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = String(maxRevision(oldRSs) + 1);
    const surge = maxSurge(d);
    if (existing) {
      const rs = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rs, newRevision, true, surge);
      const minReady = d.spec.minReadySeconds ?? 0;
      if (annotationsUpdated || (rs.spec.minReadySeconds ?? 0) !== minReady) {
        rs.spec.minReadySeconds = minReady;
        return this.deps.client.replicasets.update(rs.metadata.namespace, rs);
      }
      // The ReplicaSet's revision is the one to trust: the Deployment's may have failed to be written.
      const metadata = setDeploymentRevision(d, rs.metadata.annotations[REVISION_ANNOTATION]);
      let status = false;
      if (hasProgressDeadline(d) && !getCondition(d.status, DEPLOYMENT_PROGRESSING)) {
        d.status ??= {};
        setCondition(d.status, newCondition(DEPLOYMENT_PROGRESSING, 'True', FOUND_NEW_RS_REASON, `Found new replica set ${JSON.stringify(rs.metadata.name)}`));
        status = true;
      }
      await this.writeDeployment(d, { metadata, status });
      return rs;
    }
    if (!create) return undefined;
    return this.createNewReplicaSet(d, oldRSs, newRevision, surge);
  }

  private async createNewReplicaSet(d: any, oldRSs: any[], newRevision: string, surge: number): Promise<any> {
    const ns = d.metadata.namespace;
    const template = structuredClone(d.spec.template);
    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
    const selector = structuredClone(d.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY]: hash };
    const rs: any = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: { name: `${d.metadata.name}-${hash}`, namespace: ns, ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')], labels: { ...template.metadata.labels } },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec.replicas = replicas;
    setNewReplicaSetAnnotations(d, rs, newRevision, false, surge);

    let created: any;
    let alreadyExists = false;
    try {
      created = await this.deps.client.replicasets.create(ns, rs);
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      if (e.code === 409 && e.reason === 'AlreadyExists') {
        alreadyExists = true;
        // A slow cache, or a hash collision with someone else's ReplicaSet.
        const found = this.deps.replicasets.get(`${ns}/${rs.metadata.name}`) ?? await this.deps.client.replicasets.get(ns, rs.metadata.name);
        if (controllerRef(found)?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, found.spec?.template)) created = found;
        else {
          d.status ??= {};
          d.status.collisionCount = (d.status.collisionCount ?? 0) + 1;
          await this.writeDeployment(d, { status: true });
          throw e; // retried with the new collisionCount, hence a new name
        }
      } else if ((e.details as any)?.causes?.some((c: any) => c.type === 'NamespaceTerminating')) {
        throw e;
      } else {
        const msg = `Failed to create new replica set ${JSON.stringify(rs.metadata.name)}: ${e.message}`;
        if (hasProgressDeadline(d)) {
          d.status ??= {};
          setCondition(d.status, newCondition(DEPLOYMENT_PROGRESSING, 'False', FAILED_RS_CREATE_REASON, msg));
          await this.writeDeployment(d, { status: true }).catch(() => { /* the bigger problem is reported */ });
        }
        this.event(d, 'Warning', FAILED_RS_CREATE_REASON, msg);
        throw e;
      }
    }
    if (!alreadyExists && replicas > 0) this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    const metadata = setDeploymentRevision(d, newRevision);
    let status = false;
    if (!alreadyExists && hasProgressDeadline(d)) {
      d.status ??= {};
      setCondition(d.status, newCondition(DEPLOYMENT_PROGRESSING, 'True', NEW_RS_REASON, `Created new replica set ${JSON.stringify(created.metadata.name)}`));
      status = true;
    }
    await this.writeDeployment(d, { metadata, status });
    return created;
  }

  /** Set a ReplicaSet's size (and the replica annotations); an event when the size changed. */
  async scaleReplicaSet(rs: any, to: number, d: any, op?: 'up' | 'down'): Promise<{ scaled: boolean; rs: any }> {
    const from = specReplicas(rs);
    const want = specReplicas(d);
    const max = want + maxSurge(d);
    const sizeNeedsUpdate = from !== to;
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, want, max)) return { scaled: false, rs };
    const copy = structuredClone(rs);
    copy.spec.replicas = to;
    setReplicasAnnotations(copy, want, max);
    const updated = await this.deps.client.replicasets.update(copy.metadata.namespace, copy);
    if (sizeNeedsUpdate) {
      this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${op ?? (from < to ? 'up' : 'down')} replica set ${updated.metadata.name} from ${from} to ${to}`);
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** scaleReplicaSetAndRecordEvent: nothing to do when the size is already right. */
  async scaleReplicaSetAndRecordEvent(rs: any, to: number, d: any): Promise<{ scaled: boolean; rs: any }> {
    if (specReplicas(rs) === to) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, to, d);
  }

  /** Apply steps in order (a ReplicaSet scaled twice is written from its updated copy); true when any size changed. */
  async applySteps(steps: ScaleStep[], d: any): Promise<boolean> {
    const latest = new Map<string, any>();
    let scaled = false;
    for (const s of steps) {
      const rs = latest.get(s.rs.metadata.uid) ?? s.rs;
      const r = s.force ? await this.scaleReplicaSet(rs, s.to, d, s.op) : await this.scaleReplicaSetAndRecordEvent(rs, s.to, d);
      latest.set(rs.metadata.uid, r.rs);
      scaled ||= r.scaled;
    }
    return scaled;
  }

  /** sync: a scaling event or a paused Deployment — resize, trim history when paused, write status. */
  async sync(d: any, rsList: any[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.applySteps(planScale(d, newRS, oldRSs), d);
    if (d.spec.paused) await this.cleanupDeployment(oldRSs, d);
    await this.syncDeploymentStatus([...oldRSs, newRS].filter(Boolean), newRS, d);
  }

  /** A Deployment being deleted: only its status is kept current. */
  async syncStatusOnly(d: any, rsList: any[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.syncDeploymentStatus([...oldRSs, newRS].filter(Boolean), newRS, d);
  }

  async syncDeploymentStatus(allRSs: any[], newRS: any | undefined, d: any): Promise<void> {
    const status = calculateStatus(allRSs, newRS, d);
    if (statusEqual(d.status, status)) return;
    d.status = status;
    await this.writeDeployment(d, { status: true });
  }

  /** syncRolloutStatus: status plus the Progressing condition's verdict (complete, progressing, timed out). */
  async syncRolloutStatus(allRSs: any[], newRS: any | undefined, d: any, now = Date.now()): Promise<void> {
    allRSs = allRSs.filter(Boolean);
    const status = calculateStatus(allRSs, newRS, d, now);
    if (!hasProgressDeadline(d)) removeCondition(status, DEPLOYMENT_PROGRESSING);
    const cur = getCondition(d.status, DEPLOYMENT_PROGRESSING);
    const complete = status.replicas === status.updatedReplicas && cur?.reason === NEW_RS_AVAILABLE_REASON;
    if (hasProgressDeadline(d) && !complete) {
      const subject = newRS ? `ReplicaSet ${JSON.stringify(newRS.metadata.name)}` : `Deployment ${JSON.stringify(d.metadata.name)}`;
      if (deploymentComplete(d, status)) {
        setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'True', NEW_RS_AVAILABLE_REASON, `${subject} has successfully progressed.`, now));
      } else if (deploymentProgressing(d, status)) {
        // Progress moves lastUpdateTime even when the reason stays, which setCondition alone would not do.
        const c = newCondition(DEPLOYMENT_PROGRESSING, 'True', REPLICA_SET_UPDATED_REASON, `${subject} is progressing.`, now);
        if (cur) {
          if (cur.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
          removeCondition(status, DEPLOYMENT_PROGRESSING);
        }
        setCondition(status, c);
      } else if (deploymentTimedOut(d, status, now)) {
        setCondition(status, newCondition(DEPLOYMENT_PROGRESSING, 'False', TIMED_OUT_REASON, `${subject} has timed out progressing.`, now));
      }
    }
    const failures = replicaFailures(allRSs, newRS);
    if (failures.length) setCondition(status, failures[0]);
    else removeCondition(status, DEPLOYMENT_REPLICA_FAILURE);
    if (statusEqual(d.status, status)) { this.requeueStuckDeployment(d, status, now); return; }
    d.status = status;
    await this.writeDeployment(d, { status: true });
  }

  /** Without progress, look again when the deadline would pass (plus a second for clock skew, as upstream). */
  private requeueStuckDeployment(d: any, status: any, now: number): void {
    const cur = getCondition(d.status, DEPLOYMENT_PROGRESSING);
    if (!hasProgressDeadline(d) || !cur) return;
    if (deploymentComplete(d, status) || cur.reason === TIMED_OUT_REASON) return;
    const after = Date.parse(cur.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000 - now;
    this.deps.requeueAfter(d, Math.max(after, 0) + 1000);
  }

  /** Delete the oldest zero-sized ReplicaSets beyond revisionHistoryLimit. */
  async cleanupDeployment(oldRSs: any[], d: any): Promise<void> {
    const limit = d.spec.revisionHistoryLimit;
    if (limit === undefined || limit === null || limit === MAX_INT32) return;
    const cleanable = oldRSs.filter((rs) => rs && !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.deps.client.replicasets.delete(rs.metadata.namespace, rs.metadata.name, { preconditions: { uid: rs.metadata.uid } });
      } catch (e) { if (!(e instanceof StatusError && e.code === 404)) throw e; }
    }
  }
}

/** The new ReplicaSet's ReplicaFailure conditions, else any old one's. */
function replicaFailures(allRSs: any[], newRS: any | undefined): any[] {
  const of = (rs: any) => (rs?.status?.conditions ?? []).filter((c: any) => c.type === 'ReplicaFailure').map(replicaSetToDeploymentCondition);
  const fromNew = newRS ? of(newRS) : [];
  return fromNew.length ? fromNew : allRSs.flatMap(of);
}
