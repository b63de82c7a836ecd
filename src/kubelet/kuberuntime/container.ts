/**
 * @module kubelet/kuberuntime/container
 * Starting and killing one container (upstream's startContainer and killContainer): pull its image,
 * build its config, create and start it, run its postStart hook (a failed hook kills it); to stop
 * it, run its preStop hook within the grace period and let the runtime SIGTERM, then SIGKILL what
 * is left of the grace. Every step records the event `kubectl describe pod` shows.
 */
import { inObjectSpan } from '../../tracing/provider.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventRecorder } from '../../client/record/recorder.js';
import { isNotFound, type ContainerStatus, type PodSandboxConfig, type Runtime } from '../cri/api.js';
import type { EnvContext } from '../envvars/envvars.js';
import type { MountedVolume } from '../volume/volume-manager.js';
import { generateContainerConfig } from './container-config.js';
import { messageOf, StartContainerError, StartReason } from './errors.js';
import { containerRef, type ImageManager } from './images.js';
import { containerNameOf, POD_TERMINATION_GRACE_PERIOD_ANNOTATION } from './labels.js';
import { runHandler } from './lifecycle.js';

export interface ContainerDeps { runtime: Runtime; recorder?: EventRecorder; images: ImageManager }

export interface StartContainerInputs {
  pod: any; container: any; sandboxID: string; sandboxConfig: PodSandboxConfig; podIPs: string[];
  restartCount: number; volumes: Map<string, MountedVolume>; env: EnvContext; rootDir: string; memoryCapacityBytes: number;
}

/** Upstream never gives a container less than 2 s to stop, so it is not SIGKILLed by accident. */
const MIN_GRACE_SECONDS = 2;

/** Start one container; throws StartContainerError with the waiting reason to show. */
export async function startContainer(i: StartContainerInputs, d: ContainerDeps): Promise<string> {
  const { pod, container } = i;
  const ev = (type: 'Normal' | 'Warning', reason: string, msg: string) => d.recorder?.event(containerRef(pod, container), type, reason, msg);
  const imageRef = await inObjectSpan(pod, 'pull', { container: container.name, image: String(container.image ?? '') }, () => d.images.ensureImageExists(pod, container, i.sandboxConfig));
  let config;
  try {
    config = await generateContainerConfig({ pod, container, restartCount: i.restartCount, imageRef, volumes: i.volumes, env: i.env, rootDir: i.rootDir, memoryCapacityBytes: i.memoryCapacityBytes });
  } catch (e) {
    ev('Warning', 'Failed', `Error: ${messageOf(e)}`);
    throw e;
  }
  if (i.sandboxConfig.logDirectory) {
    try { fs.mkdirSync(path.join(i.sandboxConfig.logDirectory, container.name), { recursive: true, mode: 0o755 }); } catch { /* the runtime reports it */ }
  }
  let id: string;
  try {
    id = await inObjectSpan(pod, 'create', { container: container.name }, () => d.runtime.createContainer(i.sandboxID, config, i.sandboxConfig));
  } catch (e) {
    ev('Warning', 'Failed', `Error: ${messageOf(e)}`);
    throw new StartContainerError(StartReason.CreateContainerError, messageOf(e));
  }
  ev('Normal', 'Created', `Created container ${container.name}`);
  try {
    await inObjectSpan(pod, 'start', { container: container.name }, () => d.runtime.startContainer(id));
  } catch (e) {
    ev('Warning', 'Failed', `Error: ${messageOf(e)}`);
    throw new StartContainerError(StartReason.RunContainerError, messageOf(e));
  }
  ev('Normal', 'Started', `Started container ${container.name}`);
  const postStart = container.lifecycle?.postStart;
  if (postStart) {
    try {
      await runHandler(postStart, pod, container, id, { runtime: d.runtime, podIP: i.podIPs[0] ?? '', timeoutSeconds: gracePeriodOf(pod, container, '') });
    } catch (e) {
      const msg = messageOf(e);
      ev('Warning', 'FailedPostStartHook', msg);
      const status = await d.runtime.containerStatus(id).catch(() => undefined);
      if (status) await killContainer(pod, status, 'FailedPostStartHook', 'PostStartHookError', undefined, d, i.podIPs[0] ?? '').catch(() => undefined);
      throw new StartContainerError(StartReason.PostStartHookError, msg);
    }
  }
  return id;
}

/**
 * The grace period to stop a container with: the pod's deletion grace, else its
 * terminationGracePeriodSeconds (30 by default), or a failed probe's own terminationGracePeriodSeconds.
 */
export function gracePeriodOf(pod: any | undefined, container: any | undefined, reason: string, annotations?: Record<string, string>): number {
  let g = 30;
  if (pod) {
    if (pod.metadata?.deletionGracePeriodSeconds !== undefined && pod.metadata?.deletionGracePeriodSeconds !== null) g = pod.metadata.deletionGracePeriodSeconds;
    else if (pod.spec?.terminationGracePeriodSeconds !== undefined) g = pod.spec.terminationGracePeriodSeconds;
  } else if (annotations?.[POD_TERMINATION_GRACE_PERIOD_ANNOTATION] !== undefined) {
    g = Number(annotations[POD_TERMINATION_GRACE_PERIOD_ANNOTATION]);
  }
  const probe = reason === 'LivenessProbe' ? container?.livenessProbe : reason === 'StartupProbe' ? container?.startupProbe : undefined;
  if (probe?.terminationGracePeriodSeconds !== undefined) g = probe.terminationGracePeriodSeconds;
  return g;
}

/**
 * Stop a container: Killing event, preStop hook (its time counts against the grace), then the
 * runtime's stop with what remains (at least 2 s, unless `gracePeriodOverride` says otherwise).
 */
export async function killContainer(pod: any | undefined, status: ContainerStatus, message: string, reason: string, gracePeriodOverride: number | undefined, d: ContainerDeps, podIP: string): Promise<void> {
  const name = containerNameOf(status);
  const spec = pod ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c: any) => c.name === name) : undefined;
  let grace = gracePeriodOf(pod, spec, reason, status.annotations);
  if (pod) d.recorder?.event(containerRef(pod, spec), 'Normal', 'Killing', message || `Stopping container ${name}`);
  const preStop = spec?.lifecycle?.preStop;
  if (preStop && grace > 0 && status.state === 'CONTAINER_RUNNING') {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => { timer = setTimeout(r, grace * 1000); });
    try {
      await Promise.race([runHandler(preStop, pod, spec, status.id, { runtime: d.runtime, podIP, timeoutSeconds: grace }), deadline]);
    } catch (e) {
      d.recorder?.event(containerRef(pod, spec), 'Warning', 'FailedPreStopHook', messageOf(e));
    } finally { clearTimeout(timer); }
    grace -= Math.floor((Date.now() - started) / 1000);
  }
  if (grace < MIN_GRACE_SECONDS) grace = MIN_GRACE_SECONDS;
  if (gracePeriodOverride !== undefined) grace = gracePeriodOverride;
  try {
    await d.runtime.stopContainer(status.id, grace);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
