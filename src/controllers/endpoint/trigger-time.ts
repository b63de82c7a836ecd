/**
 * @module controllers/endpoint/trigger-time
 * Kubernetes' TriggerTimeTracker: the value of the `endpoints.kubernetes.io/last-change-trigger-time`
 * annotation, i.e. when the earliest not-yet-published change behind this sync happened, so that
 * kube-proxy can measure network programming latency. A pod's trigger time is the last transition
 * of its Ready condition; a Service's is its creation. Only changes since the last sync count.
 */

interface ServiceState { serviceTime: number; podTimes: Map<string, number> }

function podTriggerTime(pod: any): number {
  const c = pod.status?.conditions?.find((x: any) => x.type === 'Ready');
  const t = Date.parse(c?.lastTransitionTime ?? '');
  return Number.isFinite(t) ? t : 0;
}

export class TriggerTimeTracker {
  private state = new Map<string, ServiceState>();

  /** The earliest trigger time among what changed since the last call for this Service (0: nothing did). */
  compute(svcKey: string, svc: any, pods: any[]): number {
    const prev = this.state.get(svcKey);
    const next: ServiceState = { serviceTime: Date.parse(svc.metadata.creationTimestamp ?? '') || 0, podTimes: new Map() };
    let min = 0;
    const consider = (t: number) => { if (t && (!min || t < min)) min = t; };
    if (!prev || prev.serviceTime !== next.serviceTime) consider(next.serviceTime);
    for (const pod of pods) {
      const t = podTriggerTime(pod);
      const key = pod.metadata.uid ?? pod.metadata.name;
      next.podTimes.set(key, t);
      if (!prev || prev.podTimes.get(key) !== t) consider(t);
    }
    this.state.set(svcKey, next);
    return min;
  }

  delete(svcKey: string): void { this.state.delete(svcKey); }
}
