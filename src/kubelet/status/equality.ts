/**
 * @module kubelet/status/equality
 * Whether two pod statuses say the same thing, the test the status manager runs before every write
 * (upstream's isPodStatusByKubeletEqual): the API server drops nulls and empty lists and reorders
 * nothing we care about, so both sides are compared in a canonical form and a status that round-
 * trips through the API compares equal to the one we computed.
 */

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) { const a = v.map(canonical).filter((x) => x !== undefined); return a.length ? a : undefined; }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) { const c = canonical((v as any)[k]); if (c !== undefined) out[k] = c; }
    return Object.keys(out).length ? out : undefined;
  }
  if (v === null || v === '') return undefined;
  return v;
}

/** Stable text of a status with nulls, empty strings, lists and objects left out. */
export const canonicalStatus = (s: unknown): string => JSON.stringify(canonical(s) ?? {});

export const podStatusEqual = (a: unknown, b: unknown): boolean => canonicalStatus(a) === canonicalStatus(b);

/**
 * The status to write: ours, with the conditions we do not own kept from the API's copy (a
 * controller may have added DisruptionTarget or a readiness-gate condition since we read it),
 * and a terminal phase never turned back (upstream refuses Succeeded/Failed -> Running).
 */
export function mergePodStatus(api: any, ours: any, kubeletConditions: readonly string[]): any {
  const apiStatus = api?.status ?? {};
  const foreign = (apiStatus.conditions ?? []).filter((c: any) => !kubeletConditions.includes(c.type));
  const own = (ours.conditions ?? []).filter((c: any) => kubeletConditions.includes(c.type));
  const merged = { ...ours, conditions: [...own, ...foreign] };
  if ((apiStatus.phase === 'Succeeded' || apiStatus.phase === 'Failed') && merged.phase !== apiStatus.phase) {
    merged.phase = apiStatus.phase;
    if (apiStatus.reason) merged.reason = apiStatus.reason;
    if (apiStatus.message) merged.message = apiStatus.message;
  }
  // Fields only other writers set (nominatedNodeName by the scheduler, resize) stay as the API has them.
  for (const k of ['nominatedNodeName', 'resize', 'resourceClaimStatuses']) if (apiStatus[k] !== undefined && merged[k] === undefined) merged[k] = apiStatus[k];
  return merged;
}
