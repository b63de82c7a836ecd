/**
 * @module scheduler/plugins/nodename
 * NodeName: a pod that names its node (spec.nodeName) fits only that node.
 */
import type { FilterPlugin, EnqueueExtensions, ClusterEvent } from '../../framework/interface.js';
import { unresolvable, type Status } from '../../framework/status.js';
import type { PodInfo } from '../../framework/pod-info.js';
import type { NodeInfo } from '../../framework/node-info.js';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";
const REJECT = unresolvable(NAME, ERR_REASON);

export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = NAME;
  filter(_s: unknown, pod: PodInfo, node: NodeInfo): Status | null {
    const want = pod.pod.spec?.nodeName;
    return !want || want === node.name ? null : REJECT;
  }
  eventsToRegister(): ClusterEvent[] { return ['NodeAdd', 'NodeLabelChange']; }
}

export const factory = (): NodeName => new NodeName();
