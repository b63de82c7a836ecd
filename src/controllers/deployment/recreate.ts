/**
 * @module controllers/deployment/recreate
 * The Recreate strategy: scale every old ReplicaSet to zero, wait until none of their pods is
 * left running (terminal pods do not count), and only then create or scale up the new ReplicaSet,
 * so old and new versions never run side by side.
 */
import type { DeploymentSync } from './sync.js';
import { specReplicas } from './fenceposts.js';
import { actualReplicaCount, filterActive } from './replicasets.js';
import { deploymentComplete } from './conditions.js';

/** Pods of the Deployment's ReplicaSets, by ReplicaSet uid. */
export type PodMap = Map<string, any[]>;

export async function rolloutRecreate(s: DeploymentSync, d: any, rsList: any[], podMap: PodMap): Promise<void> {
  // The new ReplicaSet is not created yet: creating it would scale up before the old ones are down.
  let { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(d, rsList, false);
  let allRSs = [...oldRSs, newRS];

  let scaledDown = false;
  for (const rs of filterActive(oldRSs)) scaledDown = (await s.scaleReplicaSetAndRecordEvent(rs, 0, d)).scaled || scaledDown;
  if (scaledDown) return s.syncRolloutStatus(allRSs, newRS, d);

  if (oldPodsRunning(newRS, oldRSs, podMap)) return s.syncRolloutStatus(allRSs, newRS, d);

  if (!newRS) {
    ({ newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  await s.scaleReplicaSetAndRecordEvent(newRS, specReplicas(d), d);
  if (deploymentComplete(d, d.status ?? {})) await s.cleanupDeployment(oldRSs, d);
  return s.syncRolloutStatus(allRSs, newRS, d);
}

/** Any old ReplicaSet still reporting pods, or any pod not owned by the new one that is not Succeeded/Failed. */
export function oldPodsRunning(newRS: any | undefined, oldRSs: any[], podMap: PodMap): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    // Unknown (deprecated) counts as running: nobody can say it stopped.
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}
