/**
 * @module scheduler/plugins/nodeports
 * NodePorts: a pod asking for host ports fits only a node where no pod holds the same
 * protocol/port on an overlapping host IP (0.0.0.0 overlaps every IP).
 */
import type { PreFilterPlugin, FilterPlugin, EnqueueExtensions, ClusterEvent } from '../../framework/interface.js';
import { SKIP, unschedulable, type Status } from '../../framework/status.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";
const REJECT = unschedulable(NAME, ERR_REASON);

export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  preFilter(_s: unknown, pod: PodInfo): Status | null { return pod.hostPorts.length ? null : SKIP; }
  filter(_s: unknown, pod: PodInfo, node: NodeInfo): Status | null {
    for (const hp of pod.hostPorts) if (node.portConflicts(hp)) return REJECT;
    return null;
  }
  eventsToRegister(): ClusterEvent[] { return ['AssignedPodDelete', 'NodeAdd']; }
}

export const factory = (): NodePorts => new NodePorts();
