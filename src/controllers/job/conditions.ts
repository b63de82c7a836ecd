/**
 * @module controllers/job/conditions
 * The Job's status.conditions in Kubernetes' words. Since 1.31 a Job that has met its goal, or has
 * failed, first gets an interim condition (SuccessCriteriaMet / FailureTarget) while its
 * remaining pods terminate, and the terminal one (Complete / Failed) only when none is left, so
 * "the Job is finished" also means "nothing of it still runs".
 */

export interface JobCondition { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string; lastProbeTime?: string; lastTransitionTime?: string }

/** Why a Job is finished: the terminal condition to reach and its reason and message. */
export interface Finish { type: 'Complete' | 'Failed'; reason: string; message: string }

export const REASON = {
  backoffLimitExceeded: 'BackoffLimitExceeded',
  deadlineExceeded: 'DeadlineExceeded',
  podFailurePolicy: 'PodFailurePolicy',
  maxFailedIndexesExceeded: 'MaxFailedIndexesExceeded',
  failedIndexes: 'FailedIndexes',
  completionsReached: 'CompletionsReached',
  successPolicy: 'SuccessPolicy',
  suspended: 'JobSuspended',
  resumed: 'JobResumed',
} as const;

export const FINISH = {
  backoffLimit: (): Finish => ({ type: 'Failed', reason: REASON.backoffLimitExceeded, message: 'Job has reached the specified backoff limit' }),
  deadline: (): Finish => ({ type: 'Failed', reason: REASON.deadlineExceeded, message: 'Job was active longer than specified deadline' }),
  maxFailedIndexes: (): Finish => ({ type: 'Failed', reason: REASON.maxFailedIndexesExceeded, message: 'Job has exceeded the specified maximal number of failed indexes' }),
  failedIndexes: (): Finish => ({ type: 'Failed', reason: REASON.failedIndexes, message: 'Job has failed indexes' }),
  podFailurePolicy: (message: string): Finish => ({ type: 'Failed', reason: REASON.podFailurePolicy, message }),
  completions: (): Finish => ({ type: 'Complete', reason: REASON.completionsReached, message: 'Reached expected number of succeeded pods' }),
  successPolicy: (i: number): Finish => ({ type: 'Complete', reason: REASON.successPolicy, message: `Matched rules at index ${i}` }),
};

export const interimType = (f: Finish): string => (f.type === 'Failed' ? 'FailureTarget' : 'SuccessCriteriaMet');

export function findCondition(job: any, type: string): JobCondition | undefined {
  return (job.status?.conditions ?? []).find((c: JobCondition) => c.type === type);
}

export const isConditionTrue = (job: any, type: string): boolean => findCondition(job, type)?.status === 'True';

/** A Job with Complete or Failed true is done for good: the controller leaves it alone. */
export const isJobFinished = (job: any): boolean => isConditionTrue(job, 'Complete') || isConditionTrue(job, 'Failed');

/** When the Job finished (the terminal condition's transition), if it has. */
export function finishTime(job: any): number | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') {
      const t = Date.parse(c.lastTransitionTime ?? '');
      return Number.isNaN(t) ? undefined : t;
    }
  }
  return undefined;
}

/** Set a condition on `status`; the transition time moves only when the status does. Returns whether anything changed. */
export function setCondition(status: any, type: string, value: JobCondition['status'], reason: string, message: string, now: string): boolean {
  status.conditions ??= [];
  const c: JobCondition | undefined = status.conditions.find((x: JobCondition) => x.type === type);
  if (!c) {
    status.conditions.push({ type, status: value, lastProbeTime: now, lastTransitionTime: now, reason, message });
    return true;
  }
  if (c.status === value && c.reason === reason && c.message === message) return false;
  if (c.status !== value) c.lastTransitionTime = now;
  Object.assign(c, { status: value, reason, message, lastProbeTime: now });
  return true;
}

/** The finish an earlier sync already decided (its interim condition is there), if any. */
export function decidedFinish(job: any): Finish | undefined {
  for (const [type, t] of [['FailureTarget', 'Failed'], ['SuccessCriteriaMet', 'Complete']] as const) {
    const c = findCondition(job, type);
    if (c?.status === 'True') return { type: t, reason: c.reason ?? '', message: c.message ?? '' };
  }
  return undefined;
}

export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
