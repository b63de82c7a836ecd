/**
 * @module controllers/deployment/plan
 * The decisions of a rollout as pure functions of a Deployment and its ReplicaSets (what the
 * controller then writes through the API): how far the new ReplicaSet may grow within maxSurge,
 * which old ReplicaSets shrink and by how much within maxUnavailable (unhealthy replicas first, so a
 * broken old ReplicaSet cannot block the rollout), and how a Deployment scaled in the middle of a
 * rollout spreads the change over its ReplicaSets in proportion to their size.
 */
import { isRollingUpdate, maxSurge, maxUnavailable, specReplicas } from './fenceposts.js';
import { maxReplicasAnnotation } from './annotations.js';
import {
  availableReplicaCount, byCreationTimestamp, bySizeNewer, bySizeOlder, filterActive, findActiveOrLatest, isSaturated, replicaCount,
} from './replicasets.js';

/** Scale `rs` to `to`. `op` names the direction in the event when it is not simply to > from (proportional scaling);
 * `force` writes the replica annotations even when the size stays (as upstream's scaleReplicaSet does). */
export interface ScaleStep { rs: any; to: number; op?: 'up' | 'down'; force?: boolean }

/** NewRSNewReplicas: the new ReplicaSet's next size (rolling: grow into the surge room; recreate: all at once). */
export function newRSNewReplicas(d: any, allRSs: any[], newRS: any): number {
  const want = specReplicas(d);
  if (!isRollingUpdate(d)) return want;
  const current = replicaCount(allRSs);
  const maxTotal = want + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, want - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

/**
 * reconcileOldReplicaSets' plan: first scale away old replicas that are not available (they cost
 * no availability), then as many available ones as keep replicas-maxUnavailable pods available,
 * oldest ReplicaSets first. `oldRSs` are the active old ones. Steps are in order; one ReplicaSet
 * may appear twice (cleanup, then scale-down), as upstream writes it twice.
 */
export function planOldReplicaSetsScaleDown(d: any, allRSs: any[], oldRSs: any[], newRS: any): ScaleStep[] {
  if (replicaCount(oldRSs) === 0) return [];
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = replicaCount(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  const olds = [...oldRSs].sort(byCreationTimestamp);
  const size = new Map<any, number>(olds.map((rs) => [rs, specReplicas(rs)]));
  const steps: ScaleStep[] = [];

  let cleaned = 0;
  for (const rs of olds) {
    if (cleaned >= maxScaledDown) break;
    const s = size.get(rs)!;
    const avail = rs.status?.availableReplicas ?? 0;
    // Upstream errors on s < avail (a status not caught up yet); skipping waits for it just the same.
    if (s === 0 || s <= avail) continue;
    const n = Math.min(maxScaledDown - cleaned, s - avail);
    steps.push({ rs, to: s - n });
    size.set(rs, s - n);
    cleaned += n;
  }

  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return steps;
  const total = available - minAvailable;
  let scaled = 0;
  for (const rs of olds) {
    if (scaled >= total) break;
    const s = size.get(rs)!;
    if (s === 0) continue;
    const n = Math.min(s, total - scaled);
    steps.push({ rs, to: s - n });
    size.set(rs, s - n);
    scaled += n;
  }
  return steps;
}

/** Go's math.Round: halves away from zero. */
const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** getReplicaSetFraction: how much of a scaling this ReplicaSet takes, by its share of what the Deployment last ran. */
function replicaSetFraction(rs: any, d: any): number {
  const want = specReplicas(d);
  if (want === 0) return -specReplicas(rs);
  const deploymentReplicas = want + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (annotated <= 0) return 0;
  return roundHalfAway((specReplicas(rs) * deploymentReplicas) / annotated) - specReplicas(rs);
}

/** GetProportion: the ReplicaSet's share, capped by what is left to add (or take). */
export function proportion(rs: any, d: any, toAdd: number, added: number): number {
  if (!rs || specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * The `scale` step of a sync (spec.replicas changed, or paused): one active ReplicaSet takes the new
 * size; a saturated new one means the old ones go to zero; otherwise, in a rolling update, every
 * active ReplicaSet grows or shrinks in proportion, leftovers to the largest.
 */
export function planScale(d: any, newRS: any | undefined, oldRSs: any[]): ScaleStep[] {
  const want = specReplicas(d);
  const one = findActiveOrLatest(newRS, oldRSs);
  if (one) return specReplicas(one) === want ? [] : [{ rs: one, to: want }];
  if (isSaturated(d, newRS)) return filterActive(oldRSs).map((rs) => ({ rs, to: 0 }));
  if (!isRollingUpdate(d)) return [];
  const all = filterActive([...oldRSs, newRS]);
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - replicaCount(all);
  let op: 'up' | 'down' | undefined;
  if (toAdd > 0) { all.sort(bySizeNewer); op = 'up'; } else if (toAdd < 0) { all.sort(bySizeOlder); op = 'down'; }
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  if (toAdd !== 0 && sizes.length) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
  return all.map((rs, i) => ({ rs, to: sizes[i], op, force: true }));
}
