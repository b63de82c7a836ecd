/**
 * @module kubelet/kuberuntime/pod-actions
 * What one sync must do to move a pod toward its spec (upstream's computePodActions), as a pure
 * function of the spec and the runtime's state: whether the sandbox must be (re)created (and so
 * everything killed first), which init container runs next, which app containers start, and which
 * running containers are killed (changed spec, failed liveness or startup probe).
 */
import type { ContainerStatus } from '../cri/api.js';
import { CONTAINER_HASH_ANNOTATION, containerNameOf, hashContainer } from './labels.js';
import type { PodRuntimeStatus } from './runtime-manager.js';

export type ProbeResult = 'Success' | 'Failure' | 'Unknown';

/** The probe results the planner consults (the ProbeManager provides them). */
export interface ProbeResults {
  livenessResult(containerID: string): ProbeResult | undefined;
  startupResult?(containerID: string): ProbeResult | undefined;
}

export interface ContainerToKill { container: any | undefined; name: string; message: string; reason: string }

export interface PodActions {
  /** Stop every container and sandbox first (always when the sandbox is re-created). */
  killPod: boolean;
  createSandbox: boolean;
  /** The ready sandbox to start containers in, when not creating one. */
  sandboxID?: string;
  /** The attempt number of the sandbox to create. */
  attempt: number;
  nextInitContainer?: any;
  /** An init container failed and the pod's restartPolicy is Never: the pod has failed. */
  initFailed?: { name: string; message: string };
  containersToStart: any[];
  containersToKill: Map<string, ContainerToKill>;
}

/** The newest runtime status of a spec container (statuses are newest first). */
export function findContainerStatus(rs: PodRuntimeStatus, name: string): ContainerStatus | undefined {
  return rs.containers.find((c) => containerNameOf(c) === name);
}

const shouldRestartOnFailure = (pod: any) => (pod.spec?.restartPolicy ?? 'Always') !== 'Never';

/**
 * ShouldContainerBeRestarted: never created, created-not-started or unknown containers are
 * (re)started; running ones are not; an exited one by restartPolicy (OnFailure: only non-zero exits).
 */
export function shouldContainerBeRestarted(container: any, pod: any, rs: PodRuntimeStatus): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  const s = findContainerStatus(rs, container.name);
  if (!s) return true;
  if (s.state === 'CONTAINER_RUNNING') return false;
  if (s.state === 'CONTAINER_UNKNOWN' || s.state === 'CONTAINER_CREATED') return true;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && s.exitCode === 0) return false;
  return true;
}

const isInitContainerFailed = (s: ContainerStatus) =>
  s.state === 'CONTAINER_UNKNOWN' || (s.state === 'CONTAINER_EXITED' && s.exitCode !== 0);

const containerSucceeded = (c: any, rs: PodRuntimeStatus) => {
  const s = findContainerStatus(rs, c.name);
  return !!s && s.state === 'CONTAINER_EXITED' && s.exitCode === 0;
};

/**
 * Which init container runs next. `done` when all have succeeded (or an app container already
 * runs: init containers may have been garbage-collected since, and must not run again).
 */
export function findNextInitContainerToRun(pod: any, rs: PodRuntimeStatus): { failed?: ContainerStatus; next?: any; done: boolean } {
  const inits: any[] = pod.spec?.initContainers ?? [];
  if (!inits.length) return { done: true };
  for (const c of pod.spec?.containers ?? []) {
    if (findContainerStatus(rs, c.name)?.state === 'CONTAINER_RUNNING') return { done: true };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const s = findContainerStatus(rs, inits[i].name);
    if (s && isInitContainerFailed(s)) return { failed: s, next: inits[i], done: false };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const s = findContainerStatus(rs, inits[i].name);
    if (!s) continue;
    if (s.state === 'CONTAINER_RUNNING' || s.state === 'CONTAINER_CREATED') return { done: false };
    if (s.state === 'CONTAINER_EXITED') return i === inits.length - 1 ? { done: true } : { next: inits[i + 1], done: false };
  }
  return { next: inits[0], done: false };
}

/** Whether the sandbox must be (re)created, the attempt for a new one, and the ready one's id. */
export function podSandboxChanged(pod: any, rs: PodRuntimeStatus): { changed: boolean; attempt: number; sandboxID?: string } {
  const sb = rs.sandboxes;
  if (!sb.length) return { changed: true, attempt: 0 };
  const newest = sb[0];
  const attempt = newest.metadata.attempt + 1;
  const ready = sb.filter((s) => s.state === 'SANDBOX_READY');
  if (ready.length > 1) return { changed: true, attempt, sandboxID: newest.id };
  if (newest.state !== 'SANDBOX_READY') return { changed: true, attempt, sandboxID: newest.id };
  const hostNet = !!pod.spec?.hostNetwork;
  const mode = newest.linux?.namespaces?.options?.network;
  if (mode && (mode === 'NODE') !== hostNet) return { changed: true, attempt, sandboxID: newest.id };
  if (!hostNet && newest.network && !newest.network.ip) return { changed: true, attempt, sandboxID: newest.id };
  return { changed: false, attempt: newest.metadata.attempt, sandboxID: newest.id };
}

/** computePodActions. */
export function computePodActions(pod: any, rs: PodRuntimeStatus, probes?: ProbeResults): PodActions {
  const sb = podSandboxChanged(pod, rs);
  const a: PodActions = {
    killPod: sb.changed, createSandbox: sb.changed, sandboxID: sb.sandboxID, attempt: sb.attempt,
    containersToStart: [], containersToKill: new Map(),
  };
  const containers: any[] = pod.spec?.containers ?? [];
  if (sb.changed) {
    // A Never pod that already ran does not get a new sandbox: it is finished.
    if (!shouldRestartOnFailure(pod) && sb.attempt !== 0 && rs.containers.length) { a.createSandbox = false; return a; }
    const toStart = containers.filter((c) => !((pod.spec?.restartPolicy === 'OnFailure') && containerSucceeded(c, rs)));
    if (!toStart.length) { a.createSandbox = false; return a; }
    if ((pod.spec?.initContainers ?? []).length) { a.nextInitContainer = pod.spec.initContainers[0]; return a; }
    a.containersToStart = toStart;
    return a;
  }
  const init = findNextInitContainerToRun(pod, rs);
  if (!init.done) {
    if (init.next) {
      if (init.failed && !shouldRestartOnFailure(pod)) {
        a.killPod = true;
        a.initFailed = { name: init.next.name, message: `Init container ${init.next.name} failed with exit code ${init.failed.exitCode}` };
      } else a.nextInitContainer = init.next;
    }
    return a;
  }
  let keep = 0;
  for (const c of containers) {
    const s = findContainerStatus(rs, c.name);
    if (!s || s.state !== 'CONTAINER_RUNNING') {
      if (shouldContainerBeRestarted(c, pod, rs)) {
        a.containersToStart.push(c);
        if (s && (s.state === 'CONTAINER_UNKNOWN' || s.state === 'CONTAINER_CREATED')) {
          a.containersToKill.set(s.id, { container: c, name: c.name, message: `Container ${c.name} is in an unknown state, will be restarted`, reason: '' });
        }
      }
      continue;
    }
    let message: string, reason = '', restart = shouldRestartOnFailure(pod);
    const hash = s.annotations?.[CONTAINER_HASH_ANNOTATION];
    if (hash !== undefined && hash !== hashContainer(c)) {
      message = `Container ${c.name} definition changed`;
      restart = true; // a new spec runs whatever the restart policy
    } else if (probes?.livenessResult(s.id) === 'Failure') {
      message = `Container ${c.name} failed liveness probe`; reason = 'LivenessProbe';
    } else if (probes?.startupResult?.(s.id) === 'Failure') {
      message = `Container ${c.name} failed startup probe`; reason = 'StartupProbe';
    } else { keep++; continue; }
    if (restart) { message += ', will be restarted'; a.containersToStart.push(c); }
    a.containersToKill.set(s.id, { container: c, name: c.name, message, reason });
  }
  if (keep === 0 && a.containersToStart.length === 0) a.killPod = true;
  return a;
}
