/**
 * @module scheduler/plugins/queuesort
 * PrioritySort: the active queue's order. Higher spec.priority first; among equals, the pod
 * queued earlier first.
 */
import type { QueueSortPlugin, QueuedPodInfo } from '../../framework/interface.js';

export const NAME = 'PrioritySort';

export class PrioritySort implements QueueSortPlugin {
  readonly name = NAME;
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const pa = a.podInfo.priority, pb = b.podInfo.priority;
    if (pa !== pb) return pa > pb;
    if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
    return a.seq < b.seq;
  }
}

export const factory = (): PrioritySort => new PrioritySort();
