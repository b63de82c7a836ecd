/**
 * @module controllers/job/indexed
 * Completion indexes of an Indexed Job: the pod's index (its `batch.kubernetes.io/job-completion-index`
 * annotation) and sets of indexes kept as sorted, merged intervals, written the way the Job's
 * status.completedIndexes / status.failedIndexes are ("0-2,4"), so a Job with a million
 * completions costs a short string, not a list.
 */

export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const COMPLETION_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';
export const INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
export const INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';

/** The pod's completion index, or undefined when it has none or it is not a canonical non-negative integer. */
export function completionIndexOf(pod: any): number | undefined {
  const v = pod?.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION];
  if (typeof v !== 'string' || !/^(0|[1-9]\d*)$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface Interval { first: number; last: number }

/** A set of indexes as sorted, non-overlapping, non-adjacent intervals. */
export class OrderedIntervals {
  private constructor(readonly intervals: readonly Interval[]) {}

  static empty(): OrderedIntervals { return new OrderedIntervals([]); }

  /**
   * Parse "0-2,4" keeping only indexes below `completions`; malformed parts are skipped, as the
   * controller must not wedge on a status someone else wrote badly.
   */
  static parse(s: string | undefined, completions: number): OrderedIntervals {
    const spans: Interval[] = [];
    for (const part of (s ?? '').split(',')) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
      if (!m) continue;
      const first = Number(m[1]);
      const last = Math.min(m[2] === undefined ? first : Number(m[2]), completions - 1);
      if (first <= last) spans.push({ first, last });
    }
    return OrderedIntervals.empty().withIntervals(spans);
  }

  static of(indexes: Iterable<number>): OrderedIntervals { return OrderedIntervals.empty().withIndexes([...indexes]); }

  /** A new set with the given indexes added. */
  withIndexes(indexes: number[]): OrderedIntervals {
    return this.withIntervals(indexes.map((i) => ({ first: i, last: i })));
  }

  private withIntervals(add: Interval[]): OrderedIntervals {
    if (!add.length) return this;
    const all = [...this.intervals, ...add].sort((a, b) => a.first - b.first);
    const out: Interval[] = [];
    for (const iv of all) {
      const prev = out[out.length - 1];
      if (prev && iv.first <= prev.last + 1) prev.last = Math.max(prev.last, iv.last);
      else out.push({ ...iv });
    }
    return new OrderedIntervals(out);
  }

  has(i: number): boolean {
    // Binary search: status strings can describe very many indexes.
    let lo = 0, hi = this.intervals.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const iv = this.intervals[mid];
      if (i < iv.first) hi = mid - 1;
      else if (i > iv.last) lo = mid + 1;
      else return true;
    }
    return false;
  }

  total(): number { return this.intervals.reduce((n, iv) => n + iv.last - iv.first + 1, 0); }

  toString(): string { return this.intervals.map((iv) => (iv.first === iv.last ? `${iv.first}` : `${iv.first}-${iv.last}`)).join(','); }
}

/**
 * The first `count` indexes below `completions` that are in none of `excluded` (completed, failed,
 * or held by an active pod): the ones the controller should start next.
 */
export function firstPendingIndexes(count: number, completions: number, excluded: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!excluded(i)) out.push(i);
  return out;
}
