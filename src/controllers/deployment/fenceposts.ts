/**
 * @module controllers/deployment/fenceposts
 * The arithmetic of a rolling update: maxSurge and maxUnavailable are ints or percentages of
 * spec.replicas; surge rounds up and unavailable rounds down, as upstream, so that "25%" of 3
 * replicas allows 1 extra pod and 0 missing ones. When both come out at zero (validation forbids
 * both being zero, but rounding down can get there) one pod may be unavailable, or no rollout
 * could ever progress.
 */

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValueFromIntOrPercent(v: number | string | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (!v.endsWith('%')) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const pct = Number(v.slice(0, -1));
  if (!Number.isInteger(pct)) throw new Error(`invalid value ${JSON.stringify(v)}: invalid percentage`);
  const scaled = (pct * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export const isRollingUpdate = (d: any): boolean => (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

export const specReplicas = (o: any): number => o?.spec?.replicas ?? 1;

/** deploymentutil.ResolveFenceposts: [surge, unavailable] for `desired` replicas. */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): [number, number] {
  const surge = scaledValueFromIntOrPercent(maxSurge ?? 0, desired, true);
  let unavailable = scaledValueFromIntOrPercent(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** How many pods above spec.replicas a rolling update may run (0 for Recreate). */
export function maxSurge(d: any): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge ?? '25%', ru.maxUnavailable ?? '25%', specReplicas(d))[0];
}

/** How many of spec.replicas may be unavailable during a rolling update (0 for Recreate), never more than spec.replicas. */
export function maxUnavailable(d: any): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const [, unavailable] = resolveFenceposts(ru.maxSurge ?? '25%', ru.maxUnavailable ?? '25%', replicas);
  return Math.min(unavailable, replicas);
}
