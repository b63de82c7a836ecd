/**
 * @module controllers/cronjob/utils
 * The CronJob controller's arithmetic, kept pure: which scheduled time is due (the most recent one
 * not yet run, within startingDeadlineSeconds), how many were missed, the Job's name for a
 * scheduled time (`<cronjob>-<minutes since epoch>`, so a time is never run twice), the Job made
 * from the template, and which finished Jobs the history limits let go.
 */
import type { Schedule } from './schedule.js';
import { newControllerRef } from '../framework.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** More missed start times than this and the controller warns (TooManyMissedTimes). */
export const MAX_MISSED = 100;

export interface Due {
  /** The most recent scheduled time in (earliest, now], if any. */
  mostRecent?: number;
  /** How many scheduled times were missed in that window (estimated past MAX_MISSED). */
  missed: number;
}

/** The scheduled time that is due now, as Kubernetes' mostRecentScheduleTime. */
export function mostRecentScheduleTime(cj: any, now: number, sched: Schedule): Due {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp);
  const sds = cj.spec?.startingDeadlineSeconds;
  if (sds !== undefined && sds !== null) earliest = Math.max(earliest, now - sds * 1000);
  const first = sched.next(earliest);
  if (first === undefined || first > now) return { missed: 0 };
  let t = first, missed = 1;
  for (;;) {
    const n = sched.next(t);
    if (n === undefined || n > now) return { mostRecent: t, missed };
    t = n; missed++;
    if (missed > MAX_MISSED) break;
  }
  // Very many missed: estimate the count from the interval, and find the latest by searching back from now.
  const interval = t - first > 0 ? (t - first) / (missed - 1) : 60_000;
  const estimate = Math.floor((now - first) / interval) + 1;
  for (let w = 60_000; ; w *= 2) {
    const from = Math.max(t, now - w);
    let cur = sched.next(from);
    if (cur !== undefined && cur <= now) {
      for (let n = sched.next(cur); n !== undefined && n <= now; n = sched.next(cur)) cur = n;
      return { mostRecent: cur, missed: Math.max(estimate, missed) };
    }
    if (from === t) return { mostRecent: t, missed };
  }
}

export const jobNameFor = (cj: any, scheduled: number): string => `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`;

/** The Job for one scheduled time: the template's labels, annotations and spec, owned by the CronJob. */
export function jobFromTemplate(cj: any, scheduled: number, scheduledTimestamp: string): any {
  const tpl = structuredClone(cj.spec.jobTemplate ?? {});
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduled), namespace: cj.metadata.namespace,
      labels: tpl.metadata?.labels ?? {},
      annotations: { ...(tpl.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: scheduledTimestamp },
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: tpl.spec ?? {},
  };
}

/** Complete or Failed, if the Job has finished. */
export function finishedType(job: any): 'Complete' | 'Failed' | undefined {
  const c = (job.status?.conditions ?? []).find((x: any) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type;
}

/** Oldest first by start time (creation time when not started), as Kubernetes' byJobStartTime. */
export function byStartTime(a: any, b: any): number {
  const t = (j: any) => Date.parse(j.status?.startTime ?? j.metadata.creationTimestamp ?? '') || 0;
  return t(a) - t(b) || String(a.metadata.name).localeCompare(String(b.metadata.name));
}

/** The finished Jobs past the history limits (oldest go first). */
export function jobsPastHistoryLimits(cj: any, jobs: any[]): any[] {
  const out: any[] = [];
  for (const [type, limit] of [['Complete', cj.spec?.successfulJobsHistoryLimit], ['Failed', cj.spec?.failedJobsHistoryLimit]] as const) {
    if (limit === undefined || limit === null) continue;
    const done = jobs.filter((j) => finishedType(j) === type && !j.metadata.deletionTimestamp).sort(byStartTime);
    out.push(...done.slice(0, Math.max(0, done.length - limit)));
  }
  return out;
}

/** Go's time.RFC1123Z in UTC ("Mon, 02 Jan 2006 15:04:05 +0000"), used in the MissSchedule event. */
export function rfc1123z(t: number): string {
  return new Date(t).toUTCString().replace('GMT', '+0000');
}

export const rfc3339UTC = (t: number): string => new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
