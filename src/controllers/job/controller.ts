/**
 * @module controllers/job/controller
 * The Job controller (Kubernetes 1.32's): runs a Job's pods until enough of them succeed, or the
 * Job fails (backoffLimit, activeDeadlineSeconds, a podFailurePolicy FailJob rule, too many
 * failed indexes). Each sync reads the Job and its pods from the informers, creates or deletes
 * pods, then writes the status in two steps around the removal of the pods' tracking finalizers
 * (see tracking.ts), and adds the Complete / Failed condition once nothing of the Job runs.
 * Expectations keep a stale pod cache from causing double creates; pods whose Job is gone get
 * their finalizer removed through the same queue (keys `orphan-pod:<ns>/<name>`).
 */
import { StatusError } from '../../machinery/status.js';
import { UIDTrackingExpectations } from '../../client/expectations.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, controllerRef, keyOf, type ControllerContext } from '../framework.js';
import { BackoffStore, DEFAULT_POD_FAILURE_BACKOFF_MS, podFinishTime } from './backoff.js';
import { FINISH, decidedFinish, interimType, isConditionTrue, isJobFinished, rfc3339, setCondition, REASON, type Finish } from './conditions.js';
import { OrderedIntervals } from './indexed.js';
import { planPods, type Plan } from './manage.js';
import { hasTrackingFinalizer, isActive, isReady, isTerminating } from './pods.js';
import { PodControl, MAX_POD_CHANGES_PER_SYNC } from './pod-control.js';
import { Requeuer } from './requeue.js';
import { semanticEqual } from './semantic.js';
import { matchSuccessPolicy } from './success-policy.js';
import { classifyPods, countUncounted } from './tracking.js';

export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';
const ORPHAN = 'orphan-pod:';

export interface JobControllerOptions {
  /** The first pod failure backoff (10 s; it doubles up to 6 min). Tests shorten it. */
  podFailureBackoffMs?: number;
  now?: () => number;
}

const isJobOwner = (ref: any): boolean => ref?.kind === 'Job' && String(ref.apiVersion ?? '').startsWith('batch/');

export class JobController extends QueueController {
  private readonly jobs: Informer;
  private readonly pods: Informer;
  private readonly expectations = new UIDTrackingExpectations();
  /** Per Job: pods whose finalizer this controller removed and the cache may still show. */
  private readonly finalizerRemovals = new Map<string, Set<string>>();
  private readonly backoff: BackoffStore;
  private readonly requeue = new Requeuer(this.queue);
  private readonly now: () => number;
  private readonly podControl: PodControl;
  /** The resourceVersion each Job had when this controller last wrote its status: until the cache moves past it, a sync would work from a stale status. */
  private readonly writtenFrom = new Map<string, string>();

  constructor(ctx: ControllerContext, opts: JobControllerOptions = {}) {
    super('job', ctx);
    this.backoff = new BackoffStore(opts.podFailureBackoffMs ?? DEFAULT_POD_FAILURE_BACKOFF_MS);
    this.now = opts.now ?? Date.now;
    this.podControl = new PodControl(ctx.client, ctx.recorder, this.expectations, this.finalizerRemovals);
    this.jobs = ctx.informers.for('jobs');
    this.primary = this.jobs;
    this.pods = ctx.informers.for('pods');
    this.pods.addIndexer('job-controller/owner-uid', (p) => {
      const ref = controllerRef(p);
      return isJobOwner(ref) ? [ref.uid] : [];
    });
    this.jobs.addEventHandler({ add: (j) => this.enqueue(keyOf(j)), update: (_, j) => this.enqueue(keyOf(j)), delete: (j) => this.jobDeleted(j) });
    this.pods.addEventHandler({ add: (p) => this.podChanged(undefined, p), update: (o, p) => this.podChanged(o, p), delete: (p) => this.podDeleted(p) });
  }

  override stop(): void { this.requeue.stop(); super.stop(); }

  /** The Job that controls the pod, if it is in the cache (same UID as the reference). */
  private ownerKey(pod: any): string | undefined {
    const ref = controllerRef(pod);
    if (!isJobOwner(ref)) return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    return this.jobs.get(key)?.metadata.uid === ref.uid ? key : undefined;
  }

  private podChanged(old: any, pod: any): void {
    const key = this.ownerKey(pod);
    if (!key) { if (hasTrackingFinalizer(pod)) this.enqueue(ORPHAN + keyOf(pod)); return; }
    if (!old) this.expectations.creationObserved(key);
    if (pod.metadata.deletionTimestamp) this.expectations.deletionObservedOf(key, pod.metadata.uid);
    if (!hasTrackingFinalizer(pod)) this.finalizerRemovals.get(key)?.delete(pod.metadata.uid);
    this.enqueue(key);
  }

  /** A deleted Job's pods must not keep its finalizer: each goes through the orphan path. */
  private jobDeleted(job: any): void {
    this.enqueue(keyOf(job));
    for (const p of this.pods.byIndex('job-controller/owner-uid', job.metadata.uid)) if (hasTrackingFinalizer(p)) this.enqueue(ORPHAN + keyOf(p));
  }

  private podDeleted(pod: any): void {
    const ref = controllerRef(pod);
    if (!isJobOwner(ref)) return;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    this.expectations.deletionObservedOf(key, pod.metadata.uid);
    this.finalizerRemovals.get(key)?.delete(pod.metadata.uid);
    this.enqueue(key);
  }

  protected async sync(key: string): Promise<void> {
    if (key.startsWith(ORPHAN)) return this.syncOrphanPod(key.slice(ORPHAN.length));
    const cached = this.jobs.get(key);
    if (!cached) {
      this.expectations.delete(key); this.backoff.forget(key); this.finalizerRemovals.delete(key); this.writtenFrom.delete(key);
      return;
    }
    // Our own status write is on its way to the cache; its update event brings the key back.
    if (this.writtenFrom.get(key) === cached.metadata.resourceVersion) return;
    this.writtenFrom.delete(key);
    if (cached.spec?.managedBy && cached.spec.managedBy !== JOB_CONTROLLER_NAME) return; // another controller owns it
    const job = structuredClone(cached);
    job.kind ??= 'Job'; job.apiVersion ??= 'batch/v1';
    const pods = this.pods.byIndex('job-controller/owner-uid', job.metadata.uid).filter((p) => p.metadata.namespace === job.metadata.namespace);
    if (isJobFinished(job)) {
      // A finished Job keeps no hold on its pods.
      await this.podControl.removeFinalizers(key, pods.filter(hasTrackingFinalizer));
      return;
    }
    await this.syncJob(key, job, pods);
  }

  private async syncJob(key: string, job: any, pods: any[]): Promise<void> {
    const now = this.now();
    const nowStr = rfc3339(now);
    const status = structuredClone(job.status ?? {});
    const indexed = job.spec?.completionMode === 'Indexed';
    const completions: number | undefined = job.spec?.completions ?? undefined;
    const perIndex = indexed && job.spec?.backoffLimitPerIndex !== undefined && job.spec?.backoffLimitPerIndex !== null;
    const uncounted = { succeeded: new Set<string>(status.uncountedTerminatedPods?.succeeded ?? []), failed: new Set<string>(status.uncountedTerminatedPods?.failed ?? []) };
    const removals = this.finalizerRemovals.get(key) ?? new Set<string>();
    let succeededIdx = indexed ? OrderedIntervals.parse(status.completedIndexes, completions ?? 0) : OrderedIntervals.empty();
    let failedIdx = perIndex ? OrderedIntervals.parse(status.failedIndexes, completions ?? 0) : OrderedIntervals.empty();

    const c = classifyPods(job, pods, uncounted, removals, succeededIdx, failedIdx);
    succeededIdx = succeededIdx.withIndexes(c.newSucceededIndexes);
    failedIdx = failedIdx.withIndexes(c.newFailedIndexes);
    const newlyFinished = c.removable.filter((p) => !uncounted.succeeded.has(p.metadata.uid) && !uncounted.failed.has(p.metadata.uid) &&
      (p.status?.phase === 'Succeeded' || c.newFailed.includes(p)));
    this.backoff.observe(key, newlyFinished.map((p) => ({ uid: p.metadata.uid, failed: p.status?.phase !== 'Succeeded', finishedAt: podFinishTime(p, now) })));

    const succeeded = indexed ? succeededIdx.total() : (status.succeeded ?? 0) + uncounted.succeeded.size + c.newSucceeded.length;
    const failed = (status.failed ?? 0) + uncounted.failed.size + c.newFailed.length;
    const active = pods.filter(isActive);
    const terminating = pods.filter(isTerminating);

    const finish = decidedFinish(job) ?? this.newFinish(job, { succeeded, failed, active: active.length, succeededIdx, failedIdx, failJobMessage: c.failJobMessage, now });

    // Pods: a finished Job stops the rest; otherwise run what remains, once the cache has caught up.
    let plan: Plan = { remove: [], create: 0, createIndexes: [] };
    if (finish) plan.remove = active;
    else if (this.expectations.satisfied(key) && !job.metadata.deletionTimestamp) {
      plan = planPods({ job, active, terminating, pods, succeeded, succeededIndexes: succeededIdx, failedIndexes: failedIdx });
    }
    const wait = plan.create || plan.createIndexes.length ? this.backoff.remaining(key, now) : 0;
    if (wait > 0) { plan.create = 0; plan.createIndexes = []; this.requeue.after(key, wait); }
    const deleted = await this.podControl.deletePods(key, job, plan.remove.slice(0, MAX_POD_CHANGES_PER_SYNC));
    const created = await this.podControl.createPods(key, job, plan);

    // Status, step 1: what this sync saw, with the newly finished pods as uncounted.
    status.active = active.length - deleted + created;
    status.ready = active.filter(isReady).length;
    status.terminating = terminating.length + deleted;
    status.uncountedTerminatedPods = {
      ...(uncounted.succeeded.size + c.newSucceeded.length ? { succeeded: [...uncounted.succeeded, ...c.newSucceeded.map((p) => p.metadata.uid)] } : {}),
      ...(uncounted.failed.size + c.newFailed.length ? { failed: [...uncounted.failed, ...c.newFailed.map((p) => p.metadata.uid)] } : {}),
    };
    if (indexed) { status.completedIndexes = succeededIdx.toString(); status.succeeded = succeededIdx.total(); }
    if (perIndex) status.failedIndexes = failedIdx.toString();
    status.succeeded ??= 0; status.failed ??= 0;
    this.suspension(job, status, nowStr);
    if (!job.spec?.suspend && !status.startTime) status.startTime = nowStr;
    if (finish) setCondition(status, interimType(finish), 'True', finish.reason, finish.message, nowStr);
    else this.requeueForDeadline(key, job, status, now);
    let current = await this.writeStatus(job, status);

    // Step 2: the finalizers go, then their pods are counted; the terminal condition once nothing runs.
    const removed = await this.podControl.removeFinalizers(key, c.removable);
    const next = structuredClone(current.status ?? {});
    const byUid = new Map(pods.map((p) => [p.metadata.uid, p]));
    countUncounted(next, byUid, (uid) => removed.has(uid));
    if (indexed) next.succeeded = succeededIdx.total();
    const quiet = next.active === 0 && terminating.length + deleted === 0 && !next.uncountedTerminatedPods?.succeeded && !next.uncountedTerminatedPods?.failed;
    if (finish && quiet) {
      setCondition(next, finish.type, 'True', finish.reason, finish.message, nowStr);
      if (finish.type === 'Complete') next.completionTime = nowStr;
      next.terminating = 0; next.ready = 0;
    }
    current = await this.writeStatus(current, next);
    if (finish && quiet) {
      if (finish.type === 'Complete') this.ctx.recorder.event(job, 'Normal', 'Completed', 'Job completed');
      else this.ctx.recorder.event(job, 'Warning', finish.reason, finish.message);
    }
  }

  /** The reason this sync finds for the Job to be finished, if any. */
  private newFinish(job: any, s: { succeeded: number; failed: number; active: number; succeededIdx: OrderedIntervals; failedIdx: OrderedIntervals; failJobMessage?: string; now: number }): Finish | undefined {
    const spec = job.spec ?? {};
    const indexed = spec.completionMode === 'Indexed';
    const perIndex = indexed && spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;
    if (s.failJobMessage !== undefined) return FINISH.podFailurePolicy(s.failJobMessage);
    if (perIndex && spec.maxFailedIndexes !== undefined && s.failedIdx.total() > spec.maxFailedIndexes) return FINISH.maxFailedIndexes();
    if (!perIndex && s.failed > (spec.backoffLimit ?? 6)) return FINISH.backoffLimit();
    if (pastActiveDeadline(job, s.now)) return FINISH.deadline();
    if (indexed && spec.completions !== undefined) {
      const rule = matchSuccessPolicy(spec.successPolicy, spec.completions, s.succeededIdx);
      if (rule !== undefined) return FINISH.successPolicy(rule);
      if (s.succeededIdx.total() >= spec.completions) return FINISH.completions();
      if (perIndex && s.failedIdx.total() > 0 && s.succeededIdx.total() + s.failedIdx.total() >= spec.completions) return FINISH.failedIndexes();
      return undefined;
    }
    if (spec.completions === undefined || spec.completions === null) return s.succeeded > 0 && s.active === 0 ? FINISH.completions() : undefined;
    return s.succeeded >= spec.completions ? FINISH.completions() : undefined;
  }

  /** The Suspended condition and its events; a resumed Job starts its clock again. */
  private suspension(job: any, status: any, now: string): void {
    const wasSuspended = isConditionTrue(job, 'Suspended');
    if (job.spec?.suspend && !wasSuspended) {
      setCondition(status, 'Suspended', 'True', REASON.suspended, 'Job suspended', now);
      delete status.startTime;
      this.ctx.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
    } else if (!job.spec?.suspend && wasSuspended) {
      setCondition(status, 'Suspended', 'False', REASON.resumed, 'Job resumed', now);
      status.startTime = now;
      this.ctx.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
    }
  }

  private requeueForDeadline(key: string, job: any, status: any, now: number): void {
    const ads = job.spec?.activeDeadlineSeconds;
    if (ads === undefined || ads === null || !status.startTime || job.spec?.suspend) return;
    this.requeue.after(key, Date.parse(status.startTime) + ads * 1000 - now);
  }

  /** Write the status if it changed, with the Job's resourceVersion as precondition (a 409 retries the sync). */
  private async writeStatus(job: any, status: any): Promise<any> {
    if (semanticEqual(status, job.status ?? {})) return job;
    const updated = await this.ctx.client.jobs.updateStatus(job.metadata.namespace, { ...job, status });
    this.writtenFrom.set(keyOf(job), job.metadata.resourceVersion);
    return { ...updated, kind: 'Job', apiVersion: 'batch/v1' };
  }

  /** A pod that still carries the finalizer but whose Job is gone (or finished): let it go. */
  private async syncOrphanPod(podKey: string): Promise<void> {
    const pod = this.pods.get(podKey);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const key = this.ownerKey(pod);
    if (key && !isJobFinished(this.jobs.get(key))) return; // its Job counts it
    try { await this.podControl.patchOutFinalizer(pod); } catch (e) { if (!(e instanceof StatusError && e.code === 404)) throw e; }
  }
}

export function pastActiveDeadline(job: any, now: number): boolean {
  const ads = job.spec?.activeDeadlineSeconds;
  if (ads === undefined || ads === null || !job.status?.startTime || job.spec?.suspend) return false;
  return now - Date.parse(job.status.startTime) >= ads * 1000;
}

