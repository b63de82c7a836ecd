/**
 * @module controllers/deployment/rolling
 * The RollingUpdate strategy, one step per sync: grow the new ReplicaSet into the surge room; if it
 * could not grow, shrink old ReplicaSets as far as availability allows; when neither moves and the
 * rollout is complete, trim the revision history. Each step ends by writing the rollout status, and
 * the ReplicaSets' own status changes (pods becoming available) bring the next sync.
 */
import type { DeploymentSync } from './sync.js';
import { specReplicas } from './fenceposts.js';
import { filterActive } from './replicasets.js';
import { newRSNewReplicas, planOldReplicaSetsScaleDown } from './plan.js';
import { deploymentComplete } from './conditions.js';

export async function rolloutRolling(s: DeploymentSync, d: any, rsList: any[]): Promise<void> {
  const { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(d, rsList, true);
  const allRSs = [...oldRSs, newRS];

  if (await reconcileNewReplicaSet(s, allRSs, newRS, d)) return s.syncRolloutStatus(allRSs, newRS, d);

  const steps = planOldReplicaSetsScaleDown(d, allRSs, filterActive(oldRSs), newRS);
  if (await s.applySteps(steps, d)) return s.syncRolloutStatus(allRSs, newRS, d);

  if (deploymentComplete(d, d.status ?? {})) await s.cleanupDeployment(oldRSs, d);
  return s.syncRolloutStatus(allRSs, newRS, d);
}

/** Scale the new ReplicaSet toward spec.replicas within maxSurge (down at once if it has too many). */
async function reconcileNewReplicaSet(s: DeploymentSync, allRSs: any[], newRS: any, d: any): Promise<boolean> {
  const want = specReplicas(d);
  const have = specReplicas(newRS);
  if (have === want) return false;
  const to = have > want ? want : newRSNewReplicas(d, allRSs, newRS);
  return (await s.scaleReplicaSetAndRecordEvent(newRS, to, d)).scaled;
}
