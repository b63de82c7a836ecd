/**
 * @module scheduler/plugins/nodeunschedulable
 * NodeUnschedulable: a cordoned node (spec.unschedulable) takes no new pods, except pods that
 * tolerate the node.kubernetes.io/unschedulable:NoSchedule taint (DaemonSet pods do).
 */
import type { FilterPlugin, EnqueueExtensions, ClusterEvent } from '../../framework/interface.js';
import { unresolvable, type Status } from '../../framework/status.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { tolerationsTolerate } from '../../../machinery/scheduling/taints.js';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const ERR_REASON_UNKNOWN_CONDITION = 'node(s) had unknown conditions';
const REJECT = unresolvable(NAME, ERR_REASON_UNSCHEDULABLE);
const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  filter(_s: unknown, pod: PodInfo, node: NodeInfo): Status | null {
    if (!node.node) return unresolvable(NAME, ERR_REASON_UNKNOWN_CONDITION);
    if (!node.node.spec?.unschedulable) return null;
    return tolerationsTolerate(pod.pod.spec?.tolerations, UNSCHEDULABLE_TAINT) ? null : REJECT;
  }
  eventsToRegister(): ClusterEvent[] { return ['NodeAdd', 'NodeSpecUnschedulableChange', 'NodeTaintChange']; }
}

export const factory = (): NodeUnschedulable => new NodeUnschedulable();
