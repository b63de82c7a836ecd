/**
 * @module kubelet/status/phase
 * The pod phase the kubelet reports, computed from its containers' states as upstream's getPhase
 * (pkg/kubelet/kubelet_pods.go): init containers still to run keep a pod Pending, a failed init
 * container with restartPolicy Never fails it, and once every app container has stopped the
 * restartPolicy decides between Running (about to restart), Succeeded and Failed. A pod that is
 * terminal (its containers will never run again: deleted, or already Succeeded/Failed) ends in
 * Succeeded or Failed whatever its restartPolicy.
 */

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

const statusOf = (statuses: any[] | undefined, name: string) => statuses?.find((s) => s.name === name);

/** A restartable init container (a sidecar): restartPolicy Always on an init container. */
export const isRestartableInit = (c: any): boolean => c?.restartPolicy === 'Always';

/**
 * The phase of `pod` given its API container statuses (`status.initContainerStatuses` and
 * `status.containerStatuses` as the kubelet is about to write them).
 */
export function getPhase(pod: any, status: { initContainerStatuses?: any[]; containerStatuses?: any[] }, podIsTerminal: boolean): PodPhase {
  const spec = pod.spec ?? {};
  let pendingInit = 0, failedInit = 0;
  for (const c of spec.initContainers ?? []) {
    const s = statusOf(status.initContainerStatuses, c.name);
    if (!s) { pendingInit++; continue; }
    if (isRestartableInit(c)) {
      // A sidecar counts as initialized once it is running (started), not when it exits.
      if (!s.state?.running || s.started === false) pendingInit++;
      continue;
    }
    if (s.state?.running) pendingInit++;
    else if (s.state?.terminated) { if (s.state.terminated.exitCode !== 0) failedInit++; }
    else if (s.state?.waiting) {
      if (s.lastState?.terminated) { if (s.lastState.terminated.exitCode !== 0) failedInit++; }
      else pendingInit++;
    } else pendingInit++;
  }
  let unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of spec.containers ?? []) {
    const s = statusOf(status.containerStatuses, c.name);
    if (!s) { unknown++; continue; }
    if (s.state?.running) running++;
    else if (s.state?.terminated) { stopped++; if (s.state.terminated.exitCode === 0) succeeded++; }
    else if (s.state?.waiting) { if (s.lastState?.terminated) stopped++; else waiting++; }
    else unknown++;
  }
  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  const anyRegularStarted = (spec.containers ?? []).some((c: any) => {
    const s = statusOf(status.containerStatuses, c.name);
    return s && (s.state?.running || s.state?.terminated || s.lastState?.terminated || (s.restartCount ?? 0) > 0);
  });
  const phase = phaseOfContainers();
  // A terminal pod will never run a container again: it ends Failed unless it already succeeded.
  if (podIsTerminal && !isStaticPod(pod) && (phase === 'Pending' || phase === 'Running')) return 'Failed';
  return phase;

  function phaseOfContainers(): PodPhase {
    if ((pendingInit > 0 && !anyRegularStarted) || waiting > 0) return 'Pending';
    if (running > 0 && unknown === 0) return 'Running';
    if (running === 0 && stopped > 0 && unknown === 0) {
      if (podIsTerminal && !isStaticPod(pod)) return stopped === succeeded ? 'Succeeded' : 'Failed';
      if (restartPolicy === 'Always') return 'Running';
      if (stopped === succeeded) return 'Succeeded';
      if (restartPolicy === 'Never') return 'Failed';
      return 'Running';
    }
    return 'Pending';
  }
}

/** A pod from a non-API source (a static pod from a file). */
export const isStaticPod = (pod: any): boolean => {
  const src = pod?.metadata?.annotations?.['kubernetes.io/config.source'];
  return !!src && src !== 'api';
};

export const isTerminalPhase = (phase: string | undefined): boolean => phase === 'Succeeded' || phase === 'Failed';
