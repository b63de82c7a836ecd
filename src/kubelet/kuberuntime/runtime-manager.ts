/**
 * @module kubelet/kuberuntime/runtime-manager
 * The kubelet's pod lifecycle on a CRI runtime (upstream's kubeGenericRuntimeManager). Each
 * `syncPod` takes one step toward the pod's spec, planned by `computePodActions`: (re)create the
 * sandbox, run init containers one at a time, start app containers per restartPolicy, kill and
 * restart containers that failed liveness or changed spec, with CrashLoopBackOff and image pull
 * back-off in between. Everything it knows about existing containers comes from the runtime's
 * labels and annotations, so a restarted kubelet adopts what is running instead of restarting it.
 */
import { inObjectSpan } from '../../tracing/provider.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Clientset } from '../../client/clientset.js';
import type { EventRecorder } from '../../client/record/recorder.js';
import { isNotFound, type ContainerStatus, type PodSandboxConfig, type PodSandboxStatus, type Runtime } from '../cri/api.js';
import { serviceEnvFor } from '../envvars/envvars.js';
import type { MountedVolume } from '../volume/volume-manager.js';
import { Backoff, goDuration, type Clock } from './backoff.js';
import { killContainer, startContainer, type ContainerDeps } from './container.js';
import { messageOf, StartContainerError, StartReason } from './errors.js';
import { containerRef, ImageManager } from './images.js';
import { containerNameOf, hashContainer, POD_NAME_LABEL, POD_NAMESPACE_LABEL, POD_UID_LABEL } from './labels.js';
import { formatPod } from './lifecycle.js';
import { computePodActions, type PodActions, type ProbeResults } from './pod-actions.js';
import { generatePodSandboxConfig } from './sandbox.js';

export type { ProbeResults } from './pod-actions.js';

/** What the runtime holds for one pod. */
export interface PodRuntimeStatus {
  uid: string; name: string; namespace: string;
  /** The pod's IPs from its newest ready sandbox (empty for host network or none). */
  ips: string[];
  sandboxes: PodSandboxStatus[] /* newest first */;
  containers: ContainerStatus[] /* all, newest first */;
}

/** The outcome of one syncPod. */
export interface SyncResult {
  /** Per container: the waiting reason and message to show (ErrImagePull, CrashLoopBackOff, ...). */
  waiting: Map<string, { reason: string; message: string }>;
  /** The first error of the sync; `podFailed` on it (and below) when the pod can never run. */
  error?: Error;
  /** An init container failed under restartPolicy Never: the pod's phase is Failed. */
  podFailed?: boolean;
}

/** The volumes part the runtime manager uses (the VolumeManager). */
export interface PodVolumes { mountPod(pod: any): Promise<Map<string, MountedVolume>> }

export interface KubeRuntimeManagerOptions {
  runtime: Runtime;
  /** The scheme of container IDs in the API (`containerd`). */
  runtimeName: string;
  nodeName: string;
  /** `<kubelet root>/pod-logs`. */
  podLogsDir: string;
  /** The pods' root cgroup (e.g. `/kubepods`); '' leaves cgroups to the runtime. */
  cgroupRoot: string;
  volumes: PodVolumes;
  probes?: ProbeResults;
  cs?: Clientset;
  recorder?: EventRecorder;
  hostIP: string;
  clusterDNS?: string[];
  clusterDomain?: string;
  /** The kubelet root dir; default: the parent of podLogsDir. */
  rootDir?: string;
  /** The node's memory, for Burstable oom_score_adj; default: this machine's. */
  memoryCapacityBytes?: number;
  /** resolv.conf to inherit for non-cluster DNS; default /etc/resolv.conf. */
  resolvConf?: string;
  /** Injectable clock for the back-offs. */
  now?: Clock;
}

const SERVICE_ENV_TTL_MS = 5_000;

/** Newest first by creation time; the attempt breaks ties (two restarts within one millisecond). */
const newestFirst = (a: { createdAtMs: number; metadata: { attempt: number } }, b: { createdAtMs: number; metadata: { attempt: number } }) =>
  b.createdAtMs - a.createdAtMs || b.metadata.attempt - a.metadata.attempt;

export class KubeRuntimeManager {
  /** Container restart back-off (CrashLoopBackOff), keyed by pod and container. */
  readonly backoff: Backoff;
  readonly images: ImageManager;
  private readonly now: Clock;
  private readonly rootDir: string;
  private readonly serviceEnvCache = new Map<string, { at: number; env: Promise<Record<string, string>> }>();

  constructor(private readonly o: KubeRuntimeManagerOptions) {
    this.now = o.now ?? Date.now;
    this.backoff = new Backoff(10_000, 300_000, this.now);
    this.images = new ImageManager({ images: o.runtime, recorder: o.recorder, now: this.now });
    this.rootDir = o.rootDir ?? path.dirname(o.podLogsDir);
  }

  private deps(): ContainerDeps {
    return { runtime: this.o.runtime, recorder: this.o.recorder, images: this.images };
  }

  // ---- reading the runtime ----

  async getPodStatus(uid: string, name: string, namespace: string): Promise<PodRuntimeStatus> {
    const rt = this.o.runtime;
    const sel = { labelSelector: { [POD_UID_LABEL]: uid } };
    const [sbs, cs] = await Promise.all([rt.listPodSandbox(sel), rt.listContainers(sel)]);
    const sandboxes = (await Promise.all(sbs.map((s) => rt.podSandboxStatus(s.id).catch((e) => { if (isNotFound(e)) return undefined; throw e; }))))
      .filter((s): s is PodSandboxStatus => !!s).sort(newestFirst);
    const containers = (await Promise.all(cs.map((c) => rt.containerStatus(c.id).catch((e) => { if (isNotFound(e)) return undefined; throw e; }))))
      .filter((c): c is ContainerStatus => !!c).sort(newestFirst);
    const newest = sandboxes[0];
    const ips = newest?.state === 'SANDBOX_READY' && newest.network?.ip ? [newest.network.ip, ...(newest.network.additionalIps ?? [])] : [];
    return { uid, name, namespace, ips, sandboxes, containers };
  }

  async listRuntimePods(): Promise<{ uid: string; name: string; namespace: string }[]> {
    const [sbs, cs] = await Promise.all([this.o.runtime.listPodSandbox(), this.o.runtime.listContainers()]);
    const out = new Map<string, { uid: string; name: string; namespace: string }>();
    for (const x of [...sbs, ...cs]) {
      const uid = x.labels?.[POD_UID_LABEL];
      if (!uid || out.has(uid)) continue;
      out.set(uid, { uid, name: x.labels[POD_NAME_LABEL] ?? '', namespace: x.labels[POD_NAMESPACE_LABEL] ?? '' });
    }
    return [...out.values()];
  }

  // ---- syncing ----

  /** One step toward the pod's spec. Never throws for container problems: they land in the result. */
  async syncPod(pod: any, status: PodRuntimeStatus): Promise<SyncResult> {
    const result: SyncResult = { waiting: new Map() };
    this.gcBackoffs();
    const actions = computePodActions(pod, status, this.o.probes);
    if (actions.initFailed) {
      result.podFailed = true;
      result.error = Object.assign(new Error(actions.initFailed.message), { podFailed: true });
    }
    try {
      await this.applyKills(pod, status, actions);
      let sandboxID = actions.sandboxID;
      let podIPs = status.ips;
      const attempt = actions.createSandbox ? actions.attempt : (status.sandboxes[0]?.metadata.attempt ?? 0);
      const sandboxConfig = this.sandboxConfig(pod, attempt);
      if (actions.createSandbox) {
        if (actions.attempt > 0) this.o.recorder?.event(containerRef(pod), 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
        try {
          fs.mkdirSync(sandboxConfig.logDirectory!, { recursive: true, mode: 0o755 });
          sandboxID = await inObjectSpan(pod, 'sandbox', { attempt: actions.attempt }, () => this.o.runtime.runPodSandbox(sandboxConfig));
          const st = await this.o.runtime.podSandboxStatus(sandboxID);
          podIPs = st.network?.ip ? [st.network.ip, ...(st.network.additionalIps ?? [])] : [];
        } catch (e) {
          const msg = `Failed to create pod sandbox: ${messageOf(e)}`;
          this.o.recorder?.event(containerRef(pod), 'Warning', 'FailedCreatePodSandBox', msg);
          result.error = new Error(msg);
          return result;
        }
      }
      if (!sandboxID || (!actions.nextInitContainer && !actions.containersToStart.length)) return result;
      let volumes: Map<string, MountedVolume>;
      try { volumes = await this.o.volumes.mountPod(pod); } catch (e) {
        // The volume manager reports FailedMount itself; the containers wait in ContainerCreating.
        result.error = e as Error;
        return result;
      }
      const hostNet = !!pod.spec?.hostNetwork;
      const ips = hostNet ? [this.o.hostIP] : podIPs;
      const start = async (c: any) => {
        try {
          this.checkBackOff(pod, c, status);
          await startContainer({
            pod, container: c, sandboxID: sandboxID!, sandboxConfig, podIPs: ips, restartCount: this.nextRestartCount(status, c.name), volumes,
            env: { cs: this.o.cs as Clientset, nodeName: this.o.nodeName, hostIP: this.o.hostIP, podIP: ips[0] ?? '', podIPs: ips, serviceEnv: await this.serviceEnv(pod), recorder: this.o.recorder },
            rootDir: this.rootDir, memoryCapacityBytes: this.o.memoryCapacityBytes ?? os.totalmem(),
          }, this.deps());
        } catch (e) {
          const reason = e instanceof StartContainerError ? e.reason : StartReason.RunContainerError;
          result.waiting.set(c.name, { reason, message: messageOf(e) });
          result.error ??= e as Error;
          return false;
        }
        return true;
      };
      if (actions.nextInitContainer) { await start(actions.nextInitContainer); return result; }
      for (const c of actions.containersToStart) await start(c);
    } catch (e) {
      result.error ??= e as Error;
    }
    return result;
  }

  private lastGC = 0;
  /** Forget expired back-offs now and then, so they do not pile up over a long-lived kubelet. */
  private gcBackoffs(): void {
    if (this.now() - this.lastGC < 60_000) return;
    this.lastGC = this.now();
    this.backoff.gc();
    this.images.backoff.gc();
  }

  private async applyKills(pod: any, status: PodRuntimeStatus, a: PodActions): Promise<void> {
    if (a.killPod) { await this.killPod(pod, status); return; }
    await Promise.all([...a.containersToKill].map(async ([id, k]) => {
      const s = status.containers.find((c) => c.id === id);
      if (s) await killContainer(pod, s, k.message, k.reason, undefined, this.deps(), status.ips[0] ?? '');
    }));
  }

  private sandboxConfig(pod: any, attempt: number): PodSandboxConfig {
    return generatePodSandboxConfig(pod, attempt, {
      podLogsDir: this.o.podLogsDir, cgroupRoot: this.o.cgroupRoot, nodeName: this.o.nodeName,
      clusterDNS: this.o.clusterDNS, clusterDomain: this.o.clusterDomain, resolvConf: this.o.resolvConf,
    });
  }

  /** The next attempt of a container: one more than the newest one's. */
  private nextRestartCount(status: PodRuntimeStatus, name: string): number {
    const prev = status.containers.find((c) => containerNameOf(c) === name);
    return prev ? prev.metadata.attempt + 1 : 0;
  }

  /** `<name>_<ns>_<uid>_<container>_<hash>`: a new spec starts a new back-off. */
  private backoffKey(pod: any, c: any): string {
    return `${pod.metadata.name}_${pod.metadata.namespace}_${pod.metadata.uid}_${c.name}_${hashContainer(c)}`;
  }

  /**
   * doBackOff: a container that exited less than its back-off ago waits (CrashLoopBackOff); else
   * its back-off grows for the next time. A container that never exited starts at once.
   */
  private checkBackOff(pod: any, c: any, status: PodRuntimeStatus): void {
    const last = status.containers.find((s) => containerNameOf(s) === c.name && s.state === 'CONTAINER_EXITED');
    if (!last) return;
    const key = this.backoffKey(pod, c);
    const finishedAt = last.finishedAtMs || this.now();
    if (this.backoff.isInBackOffSince(key, finishedAt)) {
      const msg = `back-off ${goDuration(this.backoff.get(key))} restarting failed container=${c.name} pod=${formatPod(pod)}`;
      this.o.recorder?.event(containerRef(pod), 'Warning', 'BackOff', 'Back-off restarting failed container ' + c.name + ' in pod ' + formatPod(pod));
      throw new StartContainerError(StartReason.CrashLoopBackOff, msg);
    }
    this.backoff.next(key, finishedAt);
  }

  /** Service link variables of the pod's namespace, cached briefly so a pod's containers share one read. */
  private serviceEnv(pod: any): Promise<Record<string, string>> {
    const cs = this.o.cs;
    if (!cs) return Promise.resolve({});
    const ns = pod.metadata.namespace ?? 'default';
    const links = pod.spec?.enableServiceLinks !== false;
    const key = `${ns}\0${links}`;
    const hit = this.serviceEnvCache.get(key);
    if (hit && this.now() - hit.at < SERVICE_ENV_TTL_MS) return hit.env;
    const env = (async () => {
      const lists = await Promise.all([links ? cs.services.list(ns) : { items: [] }, ns === 'default' ? { items: [] } : cs.services.list('default')]);
      return serviceEnvFor(lists.flatMap((l: any) => l.items ?? []), ns, links);
    })().catch(() => ({}));
    this.serviceEnvCache.set(key, { at: this.now(), env });
    return env;
  }

  // ---- stopping ----

  async killPod(pod: any | undefined, status: PodRuntimeStatus, gracePeriodSeconds?: number): Promise<void> {
    const running = status.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED' || c.state === 'CONTAINER_UNKNOWN');
    const errs: Error[] = [];
    await Promise.all(running.map((c) => killContainer(pod, c, '', '', gracePeriodSeconds, this.deps(), status.ips[0] ?? '').catch((e) => { errs.push(e); })));
    for (const s of status.sandboxes) {
      if (s.state !== 'SANDBOX_READY') continue;
      try { await this.o.runtime.stopPodSandbox(s.id); } catch (e) { if (!isNotFound(e)) errs.push(e as Error); }
    }
    if (errs.length) throw new Error(`failed to "KillPodSandbox" for "${status.uid}": ${errs.map(messageOf).join('; ')}`);
  }

  async removeTerminatedPod(status: PodRuntimeStatus): Promise<void> {
    const rt = this.o.runtime;
    for (const c of status.containers) {
      try {
        if (c.state === 'CONTAINER_RUNNING') await rt.stopContainer(c.id, 0);
        await rt.removeContainer(c.id);
      } catch (e) { if (!isNotFound(e)) throw e; }
    }
    for (const s of status.sandboxes) {
      try { await rt.stopPodSandbox(s.id); await rt.removePodSandbox(s.id); } catch (e) { if (!isNotFound(e)) throw e; }
    }
    this.backoff.forget(`${status.name}_${status.namespace}_${status.uid}_`);
    this.images.backoff.forget(`${status.uid}_`);
  }
}
