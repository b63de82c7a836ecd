/**
 * @module controllers/job/success-policy
 * An Indexed Job's spec.successPolicy: the Job has succeeded as soon as one rule is met, even if
 * other indexes have not (a leader index, or "any 3 of these"). A rule names a set of indexes, a
 * count, or both: with both, that many of those indexes must have succeeded.
 */
import { OrderedIntervals } from './indexed.js';

/** The index of the first rule the succeeded indexes meet, if any. */
export function matchSuccessPolicy(policy: any, completions: number, succeeded: OrderedIntervals): number | undefined {
  for (const [i, rule] of ((policy?.rules ?? []) as any[]).entries()) {
    if (rule.succeededIndexes !== undefined) {
      const wanted = OrderedIntervals.parse(rule.succeededIndexes, completions);
      let got = 0;
      for (const iv of wanted.intervals) for (let x = iv.first; x <= iv.last; x++) if (succeeded.has(x)) got++;
      if (got >= (rule.succeededCount ?? wanted.total()) && wanted.total() > 0) return i;
    } else if (rule.succeededCount !== undefined && succeeded.total() >= rule.succeededCount) {
      return i;
    }
  }
  return undefined;
}
