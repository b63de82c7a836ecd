/**
 * @module kubelet/prober/prober-manager
 * The kubelet's probe manager (pkg/kubelet/prober/prober_manager.go): one worker per container and
 * probe kind, results kept per runtime container id, and the container statuses' `started` and
 * `ready` derived from them. A liveness (or startup) failure and any change of readiness call the
 * kubelet back at once, so a restart or a Ready flip does not wait for the next periodic sync.
 */
import type { EventRecorder } from '../../client/record/recorder.js';
import type { RuntimeService } from '../cri/api.js';
import type { ProbeType, ProbeContext } from './prober.js';
import type { ProbeResult } from './results.js';
import { Worker, parseContainerID, type WorkerHost } from './worker.js';

export type { ProbeResult } from './results.js';

export interface ProbeManagerOptions {
  runtime: RuntimeService;
  recorder?: EventRecorder;
  /** The latest v1 PodStatus the kubelet has for a pod (containerStatuses with containerID and state). */
  getPodStatus: (podUID: string) => any;
  onLivenessFailure: (podUID: string) => void;
  onReadinessChange: (podUID: string) => void;
  /** Milliseconds per probe "second" (default 1000); tests shrink it to run probes quickly. */
  secondMs?: number;
}

const TYPES: ProbeType[] = ['startup', 'liveness', 'readiness'];

export class ProbeManager implements WorkerHost {
  readonly ctx: ProbeContext;
  private readonly workers = new Map<string, Worker>();
  private readonly results: Record<ProbeType, Map<string, ProbeResult>> = { liveness: new Map(), readiness: new Map(), startup: new Map() };

  constructor(private readonly o: ProbeManagerOptions) {
    this.ctx = { runtime: o.runtime, recorder: o.recorder, secondMs: o.secondMs ?? 1000 };
  }

  private key(uid: string, container: string, type: ProbeType) { return `${uid}/${container}/${type}`; }

  /** Start workers for every container's probes (idempotent; a known pod only gets its reference refreshed). */
  addPod(pod: any): void {
    const uid = pod.metadata.uid;
    for (const c of pod.spec?.containers ?? []) {
      for (const type of TYPES) {
        if (!c[`${type}Probe`]) continue;
        const k = this.key(uid, c.name, type);
        const existing = this.workers.get(k);
        if (existing) { existing.pod = pod; continue; }
        const w = new Worker(this, pod, c, type);
        this.workers.set(k, w);
        w.start();
      }
    }
  }

  /** Stop a pod's workers and forget their results. */
  removePod(pod: any): void {
    const prefix = `${pod.metadata.uid}/`;
    for (const [k, w] of this.workers) {
      if (!k.startsWith(prefix)) continue;
      w.stop();
      this.workers.delete(k);
      if (w.containerID) this.results[w.type].delete(w.containerID);
    }
  }

  /** Fill containerStatuses[].started and .ready from probe results (no probe: both follow `running`). */
  updatePodStatus(pod: any, status: any): void {
    const uid = pod.metadata.uid;
    for (const c of status?.containerStatuses ?? []) {
      const id = parseContainerID(c.containerID);
      const running = !!c.state?.running;
      let started = false;
      if (running) {
        const r = this.results.startup.get(id);
        started = r !== undefined ? r === 'Success' : !this.workers.has(this.key(uid, c.name, 'startup'));
        if (r === undefined && !started) this.workers.get(this.key(uid, c.name, 'startup'))?.trigger(status);
      }
      c.started = started;
      let ready = false;
      if (running && started) {
        const r = this.results.readiness.get(id);
        if (r === 'Success') ready = true;
        else {
          const w = this.workers.get(this.key(uid, c.name, 'readiness'));
          ready = !w;
          // No answer yet for this container: ask now instead of waiting out a period.
          if (w && (r === undefined || w.containerID !== id)) w.trigger(status);
        }
      }
      c.ready = ready;
    }
    for (const c of status?.initContainerStatuses ?? []) {
      c.ready = !!c.state?.terminated && c.state.terminated.exitCode === 0;
      if (c.started === undefined) c.started = !!c.state?.running;
    }
  }

  /** Latest liveness result of a container (runtime id, with or without the scheme). */
  livenessResult(containerID: string): ProbeResult | undefined { return this.results.liveness.get(parseContainerID(containerID)); }
  startupResult(containerID: string): ProbeResult | undefined { return this.results.startup.get(parseContainerID(containerID)); }
  readinessResult(containerID: string): ProbeResult | undefined { return this.results.readiness.get(parseContainerID(containerID)); }

  stop(): void {
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
  }

  // --- WorkerHost ---
  getPodStatus(podUID: string): any { return this.o.getPodStatus(podUID); }

  setResult(type: ProbeType, containerID: string, result: ProbeResult, pod: any): void {
    const prev = this.results[type].get(containerID);
    this.results[type].set(containerID, result);
    if (prev === result) return;
    const uid = pod.metadata.uid;
    if ((type === 'liveness' || type === 'startup') && result === 'Failure') this.o.onLivenessFailure(uid);
    else if (type === 'readiness' || (type === 'startup' && result === 'Success')) this.o.onReadinessChange(uid);
  }

  removeResult(type: ProbeType, containerID: string): void { this.results[type].delete(containerID); }

  isStarted(pod: any, containerName: string, containerID: string): boolean {
    if (!this.workers.has(this.key(pod.metadata.uid, containerName, 'startup'))) return true;
    return this.results.startup.get(containerID) === 'Success';
  }

  workerDone(w: Worker): void {
    const k = this.key(w.pod.metadata.uid, w.container.name, w.type);
    if (this.workers.get(k) === w) this.workers.delete(k);
  }
}
