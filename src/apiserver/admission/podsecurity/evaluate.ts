/**
 * @module apiserver/admission/podsecurity/evaluate
 * Runs the checks of one level and policy version on a pod's metadata and spec (the policy
 * package's Evaluator) and aggregates what they found into Kubernetes' message:
 * `reason (detail), reason (detail)`. Checks run baseline first, then restricted, each group sorted
 * by check ID; a restricted check that overrides a baseline one (restrictedVolumes for
 * hostPathVolumes, ...) replaces it at the restricted level. A check only applies from its minimum
 * version; the newest version of it not newer than the policy's is used.
 */
import { DEFAULT_CHECKS, type Check, type CheckPodFn, type CheckResult, type PodMetadata, type PodSpec } from './checks/index.js';
import { LATEST, type LevelVersion } from './levels.js';

export interface AggregateCheckResult { allowed: boolean; forbiddenReasons: string[]; forbiddenDetails: string[] }

const byID = (a: Check, b: Check) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Builds an evaluator over a set of checks (the default set unless given). */
export function newEvaluator(checks: readonly Check[] = DEFAULT_CHECKS) {
  const ordered = [...checks.filter((c) => c.level === 'baseline').sort(byID), ...checks.filter((c) => c.level === 'restricted').sort(byID)];
  const maxVersion = Math.max(0, ...checks.flatMap((c) => c.versions.map((v) => v.minimumVersion)));
  const cache = new Map<string, CheckPodFn[]>();

  function checksFor(lv: LevelVersion): CheckPodFn[] {
    if (lv.level === 'privileged') return [];
    // Versions past the newest check behave as the newest (and as latest).
    const version = lv.version === LATEST || lv.version > maxVersion ? maxVersion : lv.version;
    const key = `${lv.level}:${version}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const active = new Map<string, { check: Check; fn: CheckPodFn; overrides: string[] }>();
    for (const check of ordered) {
      if (check.level === 'restricted' && lv.level !== 'restricted') continue;
      let chosen: (typeof check.versions)[number] | undefined;
      for (const v of check.versions) if (v.minimumVersion <= version && (!chosen || v.minimumVersion >= chosen.minimumVersion)) chosen = v;
      if (chosen) active.set(check.id, { check, fn: chosen.checkPod, overrides: chosen.overrideCheckIDs ?? [] });
    }
    const overridden = new Set([...active.values()].flatMap((a) => a.overrides));
    const fns = [...active.entries()].filter(([id]) => !overridden.has(id)).map(([, a]) => a.fn);
    cache.set(key, fns);
    return fns;
  }

  return {
    /** The result of every check that applies to the level and version. */
    evaluatePod(lv: LevelVersion, meta: PodMetadata, spec: PodSpec): CheckResult[] {
      const s = spec && typeof spec === 'object' ? spec : {};
      return checksFor(lv).map((fn) => fn(meta, s));
    },
  };
}

const defaultEvaluator = newEvaluator();

export function evaluatePod(lv: LevelVersion, meta: PodMetadata, spec: PodSpec): CheckResult[] {
  return defaultEvaluator.evaluatePod(lv, meta, spec);
}

export function aggregateCheckResults(results: readonly CheckResult[]): AggregateCheckResult {
  const agg: AggregateCheckResult = { allowed: true, forbiddenReasons: [], forbiddenDetails: [] };
  for (const r of results) {
    if (r.allowed) continue;
    agg.allowed = false;
    agg.forbiddenReasons.push(r.forbiddenReason ?? '');
    agg.forbiddenDetails.push(r.forbiddenDetail ?? '');
  }
  return agg;
}

/** The reasons alone (`privileged, runAsNonRoot != true`): what namespace-label warnings list per pod. */
export const forbiddenReason = (a: AggregateCheckResult) => a.forbiddenReasons.join(', ');

/** Reasons with their details: what refusals, warnings and audit annotations say. */
export function forbiddenDetail(a: AggregateCheckResult): string {
  return a.forbiddenReasons.map((r, i) => (a.forbiddenDetails[i] ? `${r} (${a.forbiddenDetails[i]})` : r)).join(', ');
}

/** evaluatePod and aggregate in one step. */
export function evaluate(lv: LevelVersion, meta: PodMetadata, spec: PodSpec): AggregateCheckResult {
  return aggregateCheckResults(evaluatePod(lv, meta, spec));
}
