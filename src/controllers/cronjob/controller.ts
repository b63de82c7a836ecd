/**
 * @module controllers/cronjob/controller
 * The CronJob controller (Kubernetes' cronjob_controllerv2): for each CronJob, bring
 * status.active in line with its Jobs (a finished one leaves, SawCompletedJob), then, if a
 * scheduled time is due and not yet run, create its Job (or skip it under concurrencyPolicy
 * Forbid, or replace the running ones under Replace), delete finished Jobs past the history
 * limits, write the status, and come back exactly at the next scheduled time. The clock is
 * injectable (`now`) so the scheduling can be tested against a real API server without waiting.
 */
import { StatusError } from '../../machinery/status.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, controllerRef, keyOf, type ControllerContext } from '../framework.js';
import { Requeuer } from '../job/requeue.js';
import { semanticEqual } from '../job/semantic.js';
import { parseSchedule, type Schedule } from './schedule.js';
import { ZonedClock, isValidTimeZone } from './zone.js';
import { MAX_MISSED, finishedType, jobFromTemplate, jobNameFor, jobsPastHistoryLimits, mostRecentScheduleTime, rfc1123z, rfc3339UTC } from './utils.js';

/** Requeue a little after the scheduled time, so a sync never runs just before it. */
const NEXT_SCHEDULE_DELTA_MS = 100;

export interface CronJobControllerOptions { now?: () => number }

const isCronJobOwner = (ref: any): boolean => ref?.kind === 'CronJob' && String(ref.apiVersion ?? '').startsWith('batch/');
const jobRef = (j: any) => ({ kind: 'Job', namespace: j.metadata.namespace, name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1', resourceVersion: j.metadata.resourceVersion });

export class CronJobController extends QueueController {
  private readonly cronjobs: Informer;
  private readonly jobs: Informer;
  private readonly requeue = new Requeuer(this.queue);
  private readonly now: () => number;
  /** The resourceVersion each CronJob had when this controller last wrote its status: until the cache moves past it, a sync would work from a stale status. */
  private readonly writtenFrom = new Map<string, string>();

  constructor(ctx: ControllerContext, opts: CronJobControllerOptions = {}) {
    super('cronjob', ctx);
    this.now = opts.now ?? Date.now;
    this.cronjobs = ctx.informers.for('cronjobs');
    this.jobs = ctx.informers.for('jobs');
    this.jobs.addIndexer('cronjob-controller/owner-uid', (j) => {
      const ref = controllerRef(j);
      return isCronJobOwner(ref) ? [ref.uid] : [];
    });
    const cjChanged = (cj: any) => this.enqueue(keyOf(cj));
    this.cronjobs.addEventHandler({ add: cjChanged, update: (_, cj) => cjChanged(cj), delete: cjChanged });
    const jobChanged = (j: any) => {
      const ref = controllerRef(j);
      if (isCronJobOwner(ref)) this.enqueue(`${j.metadata.namespace}/${ref.name}`);
    };
    this.jobs.addEventHandler({ add: jobChanged, update: (_, j) => jobChanged(j), delete: jobChanged });
  }

  override stop(): void { this.requeue.stop(); super.stop(); }

  protected async sync(key: string): Promise<void> {
    const cached = this.cronjobs.get(key);
    if (!cached) { this.writtenFrom.delete(key); return; }
    // Our own status write is on its way to the cache; its update event brings the key back.
    if (this.writtenFrom.get(key) === cached.metadata.resourceVersion) return;
    this.writtenFrom.delete(key);
    const cj = { ...structuredClone(cached), kind: 'CronJob', apiVersion: 'batch/v1' };
    const jobs = this.jobs.byIndex('cronjob-controller/owner-uid', cj.metadata.uid).filter((j) => j.metadata.namespace === cj.metadata.namespace);
    const status = structuredClone(cj.status ?? {});
    status.active ??= [];
    await this.reconcileActive(cj, jobs, status);
    await this.schedule(key, cj, status);
    await this.cleanupFinishedJobs(cj, jobs, status);
    if (!status.active.length) delete status.active;
    if (!semanticEqual(status, cj.status ?? {})) {
      // The CronJob's resourceVersion is the precondition: a 409 means someone changed it, and the sync runs again.
      await this.ctx.client.cronjobs.updateStatus(cj.metadata.namespace, { ...cj, status });
      this.writtenFrom.set(key, cj.metadata.resourceVersion);
    }
  }

  /** status.active lists exactly the CronJob's unfinished Jobs; finished ones move lastSuccessfulTime. */
  private async reconcileActive(cj: any, jobs: any[], status: any): Promise<void> {
    for (const j of jobs) {
      const inActive = status.active.some((r: any) => r.uid === j.metadata.uid);
      const finished = finishedType(j);
      if (!inActive && !finished && !j.metadata.deletionTimestamp) {
        this.ctx.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
        status.active.push(jobRef(j));
      } else if (inActive && finished) {
        status.active = status.active.filter((r: any) => r.uid !== j.metadata.uid);
        this.ctx.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${finished}`);
      }
      if (finished === 'Complete' && j.status?.completionTime &&
          (!status.lastSuccessfulTime || Date.parse(j.status.completionTime) > Date.parse(status.lastSuccessfulTime))) {
        status.lastSuccessfulTime = j.status.completionTime;
      }
    }
    // A reference the cache does not know: ask the API server before dropping it (the cache may lag).
    const known = new Set(jobs.map((j) => j.metadata.uid));
    const keep: any[] = [];
    for (const ref of status.active) {
      if (known.has(ref.uid)) { keep.push(ref); continue; }
      try {
        const j = await this.ctx.client.jobs.get(ref.namespace ?? cj.metadata.namespace, ref.name);
        if (j.metadata.uid === ref.uid) { keep.push(ref); continue; }
      } catch (e) { if (!(e instanceof StatusError && e.code === 404)) throw e; }
      this.ctx.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
    }
    status.active = keep;
  }

  /** Run the scheduled time that is due, if any, and requeue for the next one. */
  private async schedule(key: string, cj: any, status: any): Promise<void> {
    if (cj.metadata.deletionTimestamp || cj.spec?.suspend) return;
    const tz = cj.spec?.timeZone;
    if (tz && !isValidTimeZone(tz)) {
      this.ctx.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}": unknown time zone ${tz}`);
      return;
    }
    let sched: Schedule;
    try { sched = parseSchedule(cj.spec.schedule, tz); } catch (e) {
      this.ctx.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec.schedule}" : ${(e as Error).message}`);
      return;
    }
    const now = this.now();
    const requeueNext = () => {
      const next = sched.next(now);
      if (next !== undefined) this.requeue.after(key, next - now + NEXT_SCHEDULE_DELTA_MS);
    };
    const due = mostRecentScheduleTime({ ...cj, status }, now, sched);
    if (due.missed > MAX_MISSED) {
      this.ctx.recorder.event(cj, 'Warning', 'TooManyMissedTimes', `too many missed start times: ${due.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
    }
    const t = due.mostRecent;
    if (t === undefined) return requeueNext();
    const sds = cj.spec?.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null && t + sds * 1000 < now) {
      this.ctx.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(t)}`);
      return requeueNext();
    }
    const name = jobNameFor(cj, t);
    if (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === t) return requeueNext();
    if (status.active.some((r: any) => r.name === name) || this.jobs.get(`${cj.metadata.namespace}/${name}`)) {
      // This time's Job exists (a status write after its creation was lost): record that it ran.
      status.lastScheduleTime = rfc3339UTC(t);
      return requeueNext();
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && status.active.length) {
      this.ctx.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return requeueNext();
    }
    if (policy === 'Replace') {
      for (const ref of [...status.active]) {
        await this.deleteJob(cj, ref.namespace ?? cj.metadata.namespace, ref.name);
        status.active = status.active.filter((r: any) => r.uid !== ref.uid);
      }
    }
    const stamp = new ZonedClock(tz).rfc3339(t);
    let job: any;
    try {
      job = await this.ctx.client.jobs.create(cj.metadata.namespace, jobFromTemplate(cj, t, stamp));
      this.ctx.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata.name}`);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) {
        this.ctx.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
        throw e;
      }
      // Made by an earlier sync whose status write was lost: it is this time's Job if it is ours.
      job = await this.ctx.client.jobs.get(cj.metadata.namespace, name);
      if (controllerRef(job)?.uid !== cj.metadata.uid) throw e;
    }
    if (!finishedType(job) && !status.active.some((r: any) => r.uid === job.metadata.uid)) status.active.push(jobRef(job));
    status.lastScheduleTime = rfc3339UTC(t);
    requeueNext();
  }

  private async cleanupFinishedJobs(cj: any, jobs: any[], status: any): Promise<void> {
    for (const j of jobsPastHistoryLimits(cj, jobs)) {
      await this.deleteJob(cj, j.metadata.namespace, j.metadata.name);
      status.active = status.active.filter((r: any) => r.uid !== j.metadata.uid);
    }
  }

  /** Delete a Job and, through the garbage collector, its pods (propagationPolicy Background). */
  private async deleteJob(cj: any, ns: string, name: string): Promise<void> {
    try {
      await this.ctx.client.jobs.delete(ns, name, { propagationPolicy: 'Background' });
      this.ctx.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      this.ctx.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(e as Error).message}`);
      throw e;
    }
  }
}
