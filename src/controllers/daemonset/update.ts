/**
 * @module controllers/daemonset/update
 * The RollingUpdate strategy of a DaemonSet (Kubernetes' daemon/update.go), as a pure decision
 * over the pods on each node: which old pods to delete and on which nodes to start a new one.
 *
 * - maxSurge 0: delete old pods while fewer than maxUnavailable nodes are unavailable; the manage
 *   loop then creates the new pod on the emptied node.
 * - maxSurge > 0: start a new pod beside the old one on up to maxSurge nodes (at once on nodes
 *   whose old pod is unavailable anyway), and delete the old pod once the new one is available.
 */
import { isPodAvailable } from '../podutil.js';
import { nodeShouldRunDaemonPod } from './predicates.js';
import { getTemplateGeneration, isPodUpdated, scaledValue } from './util.js';

export interface UpdateDecision { podsToDelete: string[]; nodesToCreate: string[] }

/** The new and old pod on a node (not counting ones being deleted); ok is false when there are two of either. */
export function findUpdatedPodsOnNode(ds: any, pods: any[], hash: string): { newPod?: any; oldPod?: any; ok: boolean } {
  let newPod: any, oldPod: any;
  const generation = getTemplateGeneration(ds);
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isPodUpdated(p, hash, generation)) { if (newPod) return { ok: false }; newPod = p; } else { if (oldPod) return { ok: false }; oldPod = p; }
  }
  return { newPod, oldPod, ok: true };
}

/** maxSurge and maxUnavailable as node counts for `desired` nodes (at least one of them non-zero). */
export function surgeAndUnavailable(ds: any, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
  const maxSurge = scaledValue(ru.maxSurge, desired, 0);
  let maxUnavailable = scaledValue(ru.maxUnavailable, desired, 1);
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export function rollingUpdate(ds: any, nodes: any[], nodeToDaemonPods: Map<string, any[]>, hash: string, now = Date.now()): UpdateDecision {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: any) => isPodAvailable(p, minReady, now);
  const byNode = new Map(nodeToDaemonPods);
  const nodeByName = new Map(nodes.map((n) => [n.metadata.name, n]));
  let desired = 0;
  for (const n of nodes) {
    if (!nodeShouldRunDaemonPod(n, ds).shouldRun) continue;
    desired++;
    if (!byNode.has(n.metadata.name)) byNode.set(n.metadata.name, []);
  }
  const { maxSurge, maxUnavailable } = surgeAndUnavailable(ds, desired);

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const replacements: string[] = [], candidates: string[] = [];
    for (const pods of byNode.values()) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) { numUnavailable++; continue; } // the manage loop's business
      if (newPod) { if (!available(newPod)) numUnavailable++; continue; }
      if (!available(oldPod)) { replacements.push(oldPod.metadata.name); numUnavailable++; continue; }
      if (numUnavailable >= maxUnavailable) continue;
      candidates.push(oldPod.metadata.name);
    }
    const room = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
    return { podsToDelete: [...replacements, ...candidates.slice(0, room)], nodesToCreate: [] };
  }

  const podsToDelete: string[] = [], shouldNotRun: any[] = [], candidateNodes: string[] = [], allowedNodes: string[] = [];
  let numSurge = 0, numAvailable = 0;
  for (const [nodeName, pods] of byNode) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(ds, pods, hash);
    if (!ok) { numSurge++; continue; }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue; // nothing old here: the manage loop creates what is missing
    const node = nodeByName.get(nodeName);
    if (!newPod) {
      const shouldRun = !!node && nodeShouldRunDaemonPod(node, ds).shouldRun;
      if (!available(oldPod)) {
        if (!shouldRun) podsToDelete.push(oldPod.metadata.name); else allowedNodes.push(nodeName);
        continue;
      }
      if (!shouldRun) { shouldNotRun.push(oldPod); continue; }
      if (numSurge >= maxSurge) continue;
      candidateNodes.push(nodeName);
      continue;
    }
    // Surged here already: the old pod goes once the new one is available.
    if (!available(newPod)) { numSurge++; continue; }
    podsToDelete.push(oldPod.metadata.name);
  }
  // Pods on nodes that no longer want them go only as new pods elsewhere become available.
  const deletable = Math.min(Math.max(0, numAvailable - desired), shouldNotRun.length);
  for (const p of shouldNotRun.slice(0, deletable)) if (!p.metadata.deletionTimestamp) podsToDelete.push(p.metadata.name);
  const room = Math.min(Math.max(0, maxSurge - numSurge), candidateNodes.length);
  return { podsToDelete, nodesToCreate: [...allowedNodes, ...candidateNodes.slice(0, room)] };
}
