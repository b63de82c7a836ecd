/**
 * @module controllers/job/manage
 * How many pods a Job should be running now and which: active = min(parallelism, what remains to
 * complete); extra active pods are deleted (the least advanced first); for an Indexed Job each
 * pending index gets one pod, and pods of duplicate, finished or out-of-range indexes are deleted.
 * Pure: the controller carries the plan out.
 */
import { completionIndexOf, firstPendingIndexes, INDEX_FAILURE_COUNT_ANNOTATION, INDEX_IGNORED_FAILURE_COUNT_ANNOTATION, type OrderedIntervals } from './indexed.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { deletionOrder, isPodFailed } from './pods.js';

export interface Plan {
  /** Active pods to delete. */
  remove: any[];
  /** NonIndexed: how many pods to create. */
  create: number;
  /** Indexed: the indexes to create pods for (with their per-index failure counts). */
  createIndexes: { index: number; failures: number; ignored: number }[];
}

export interface ManageInput {
  job: any;
  active: any[];
  /** Pods being deleted that have not finished (they block replacement with podReplacementPolicy Failed). */
  terminating: any[];
  /** Every pod of the Job (to find the failures of an index). */
  pods: any[];
  succeeded: number;
  succeededIndexes: OrderedIntervals;
  failedIndexes: OrderedIntervals;
}

export const onlyReplaceFailedPods = (job: any): boolean => job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;

export function planPods(i: ManageInput): Plan {
  const { job } = i;
  const parallelism: number = job.spec?.suspend ? 0 : (job.spec?.parallelism ?? 1);
  const completions: number | undefined = job.spec?.completions ?? undefined;
  const plan: Plan = { remove: [], create: 0, createIndexes: [] };
  const indexed = job.spec?.completionMode === 'Indexed';

  let keep = i.active;
  if (indexed) {
    // One pod per pending index: the rest go.
    const byIndex = new Map<number, any[]>();
    keep = [];
    for (const p of i.active) {
      const ix = completionIndexOf(p);
      if (ix === undefined || ix >= (completions ?? 0) || i.succeededIndexes.has(ix) || i.failedIndexes.has(ix)) { plan.remove.push(p); continue; }
      byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
    }
    for (const ps of byIndex.values()) {
      ps.sort(deletionOrder);
      keep.push(ps[ps.length - 1]); // the most advanced survives
      plan.remove.push(...ps.slice(0, -1));
    }
  }

  let want: number;
  if (completions === undefined) want = i.succeeded > 0 ? keep.length : parallelism;
  else {
    const done = indexed ? i.succeededIndexes.total() + i.failedIndexes.total() : i.succeeded;
    want = Math.max(0, Math.min(parallelism, completions - done));
  }
  if (job.spec?.suspend) want = 0;

  if (keep.length > want) {
    plan.remove.push(...[...keep].sort(deletionOrder).slice(0, keep.length - want));
    return plan;
  }
  if (plan.remove.length) return plan; // settle the deletions first; creations follow on the next sync
  let diff = want - keep.length;
  if (onlyReplaceFailedPods(job)) diff -= i.terminating.length;
  if (diff <= 0) return plan;
  if (!indexed) { plan.create = diff; return plan; }

  const held = new Set(keep.map(completionIndexOf));
  if (onlyReplaceFailedPods(job)) for (const p of i.terminating) held.add(completionIndexOf(p));
  const pending = firstPendingIndexes(diff, completions ?? 0, (x) => held.has(x) || i.succeededIndexes.has(x) || i.failedIndexes.has(x));
  plan.createIndexes = pending.map((index) => ({ index, ...indexFailures(job, i.pods, index) }));
  return plan;
}

/** The failures an index has had so far: the last failed pod's counts plus its own failure. */
function indexFailures(job: any, pods: any[], index: number): { failures: number; ignored: number } {
  let failures = 0, ignored = 0;
  for (const p of pods) {
    if (completionIndexOf(p) !== index || !isPodFailed(p, job)) continue;
    const prevF = Number(p.metadata.annotations?.[INDEX_FAILURE_COUNT_ANNOTATION] ?? 0) || 0;
    const prevI = Number(p.metadata.annotations?.[INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] ?? 0) || 0;
    const counted = matchPodFailurePolicy(job.spec?.podFailurePolicy, p).countFailed;
    failures = Math.max(failures, prevF + (counted ? 1 : 0));
    ignored = Math.max(ignored, prevI + (counted ? 0 : 1));
  }
  return { failures, ignored };
}
