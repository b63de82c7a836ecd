/**
 * @module controllers/job/tracking
 * Counting a Job's finished pods exactly once, with the job-tracking finalizer: a pod that
 * finished (or was deleted) while still carrying the finalizer is new; its UID goes into
 * status.uncountedTerminatedPods (for Indexed successes, its index into completedIndexes) before
 * the finalizer is removed, and only once the finalizer is gone is it moved into status.succeeded
 * / status.failed. Whatever fails in between, a pod is neither lost nor counted twice.
 */
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { completionIndexOf, INDEX_FAILURE_COUNT_ANNOTATION, OrderedIntervals } from './indexed.js';
import { hasTrackingFinalizer, isPodFailed } from './pods.js';

export interface Classified {
  /** Succeeded pods not yet in uncountedTerminatedPods (NonIndexed). */
  newSucceeded: any[];
  /** Failed pods that count against the backoff limit, not yet in uncountedTerminatedPods. */
  newFailed: any[];
  /** Indexes that newly succeeded (Indexed). */
  newSucceededIndexes: number[];
  /** Indexes that newly failed for good (backoffLimitPerIndex). */
  newFailedIndexes: number[];
  /** Every finished pod whose finalizer may go once the status above is written. */
  removable: any[];
  /** A FailJob rule matched: the message of the Job's failure. */
  failJobMessage?: string;
}

const failureCount = (pod: any): number => Number(pod.metadata.annotations?.[INDEX_FAILURE_COUNT_ANNOTATION] ?? 0) || 0;

/**
 * Sort the Job's finished pods that still carry the finalizer. `expectedRemoval` holds pods whose
 * finalizer this controller already removed but the cache has not caught up on.
 */
export function classifyPods(job: any, pods: any[], uncounted: { succeeded: Set<string>; failed: Set<string> }, expectedRemoval: Set<string>,
  succeededIndexes: OrderedIntervals, failedIndexes: OrderedIntervals): Classified {
  const out: Classified = { newSucceeded: [], newFailed: [], newSucceededIndexes: [], newFailedIndexes: [], removable: [] };
  const indexed = job.spec?.completionMode === 'Indexed';
  const completions: number = job.spec?.completions ?? 0;
  const perIndex = indexed && job.spec?.backoffLimitPerIndex !== undefined && job.spec?.backoffLimitPerIndex !== null;
  for (const pod of pods) {
    const uid = pod.metadata.uid;
    if (!hasTrackingFinalizer(pod) || expectedRemoval.has(uid)) continue;
    const ix = completionIndexOf(pod);
    const inRange = ix !== undefined && ix < completions;
    if (uncounted.succeeded.has(uid) || uncounted.failed.has(uid)) { out.removable.push(pod); continue; }
    if (pod.status?.phase === 'Succeeded') {
      out.removable.push(pod);
      if (!indexed) out.newSucceeded.push(pod);
      else if (inRange && !succeededIndexes.has(ix!) && !out.newSucceededIndexes.includes(ix!)) out.newSucceededIndexes.push(ix!);
      continue;
    }
    if (!isPodFailed(pod, job)) continue;
    out.removable.push(pod);
    if (indexed && !inRange) continue; // a pod of an index that no longer exists counts for nothing
    const judged = matchPodFailurePolicy(job.spec?.podFailurePolicy, pod);
    if (judged.action === 'FailJob' && out.failJobMessage === undefined) out.failJobMessage = judged.message;
    if (judged.countFailed) out.newFailed.push(pod);
    if (perIndex && !failedIndexes.has(ix!) && !out.newFailedIndexes.includes(ix!) &&
        (judged.action === 'FailIndex' || (judged.countFailed && failureCount(pod) + 1 > job.spec.backoffLimitPerIndex))) {
      out.newFailedIndexes.push(ix!);
    }
  }
  return out;
}

/**
 * Move UIDs out of uncountedTerminatedPods into the counters once their pods no longer carry the
 * finalizer (gone, finalizer removed, or removed by this controller a moment ago).
 */
export function countUncounted(status: any, podsByUid: Map<string, any>, finalizerGone: (uid: string) => boolean): boolean {
  const u = status.uncountedTerminatedPods ?? {};
  let changed = false;
  for (const kind of ['succeeded', 'failed'] as const) {
    const keep: string[] = [];
    for (const uid of u[kind] ?? []) {
      const pod = podsByUid.get(uid);
      if (!pod || !hasTrackingFinalizer(pod) || finalizerGone(uid)) { status[kind] = (status[kind] ?? 0) + 1; changed = true; } else keep.push(uid);
    }
    if (keep.length) u[kind] = keep; else delete u[kind];
  }
  status.uncountedTerminatedPods = u;
  return changed;
}
