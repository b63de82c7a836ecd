/**
 * @module scheduler/plugins/schedulinggates
 * SchedulingGates: a pod with spec.schedulingGates stays out of the active queue until every gate
 * is removed (the pod's update then lets it in).
 */
import type { PreEnqueuePlugin, EnqueueExtensions, ClusterEvent } from '../../framework/interface.js';
import { unresolvable, type Status } from '../../framework/status.js';
import type { PodInfo } from '../../framework/pod-info.js';

export const NAME = 'SchedulingGates';

export class SchedulingGates implements PreEnqueuePlugin, EnqueueExtensions {
  readonly name = NAME;
  preEnqueue(pod: PodInfo): Status | null {
    const gates = pod.pod.spec?.schedulingGates ?? [];
    if (!gates.length) return null;
    return unresolvable(NAME, `waiting for scheduling gates: [${gates.map((g: any) => g.name).join(' ')}]`);
  }
  eventsToRegister(): ClusterEvent[] { return ['UnscheduledPodUpdate']; }
}

export const factory = (): SchedulingGates => new SchedulingGates();
