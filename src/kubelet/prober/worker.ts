/**
 * @module kubelet/prober/worker
 * One probe of one container (pkg/kubelet/prober/worker.go): probes on its own timer every
 * periodSeconds, after initialDelaySeconds counted from the container's start. A result only
 * changes after successThreshold successes or failureThreshold failures in a row. Results belong
 * to a runtime container id: a new container (a restart) resets the worker to the probe kind's
 * initial result. Liveness and readiness wait until the startup probe has succeeded; after a
 * liveness or startup failure the worker holds until the container is replaced.
 */
import { probeContainer, type ProbeContext, type ProbeType } from './prober.js';
import type { ProbeResult } from './results.js';

/** What a worker needs from its manager. */
export interface WorkerHost {
  ctx: ProbeContext;
  getPodStatus(podUID: string): any;
  setResult(type: ProbeType, containerID: string, result: ProbeResult, pod: any): void;
  removeResult(type: ProbeType, containerID: string): void;
  /** Whether the container (by runtime id) has passed its startup probe, or has none. */
  isStarted(pod: any, containerName: string, containerID: string): boolean;
  workerDone(w: Worker): void;
}

const INITIAL: Record<ProbeType, ProbeResult> = { liveness: 'Success', readiness: 'Failure', startup: 'Unknown' };

/** `containerd://abc` -> `abc`. */
export const parseContainerID = (id: string | undefined) => (id ? id.replace(/^[a-z0-9.+-]+:\/\//i, '') : '');

export class Worker {
  containerID = '';
  private lastResult: ProbeResult = 'Unknown';
  private resultRun = 0;
  private onHold = false;
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;
  private pendingStatus: any;

  constructor(private readonly host: WorkerHost, public pod: any, readonly container: any, readonly type: ProbeType) {}

  get probe(): any { return this.container[`${this.type}Probe`]; }
  private get periodMs(): number { return (this.probe.periodSeconds || 10) * this.host.ctx.secondMs; }

  /** Start probing: once now, then every period. */
  start(): void { void this.tick(); }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Probe now rather than at the next tick (the kubelet wants a first readiness answer fast). */
  trigger(status?: any): void {
    if (this.stopped) return;
    if (status) this.pendingStatus = status;
    if (this.running) { this.again = true; return; }
    if (this.timer) clearTimeout(this.timer);
    void this.tick();
  }

  /** Whether this worker has a result for the container id yet. */
  private async tick(): Promise<void> {
    this.timer = undefined;
    this.running = true;
    let keepGoing = true;
    try { keepGoing = await this.doProbe(); } catch { /* a broken probe must not kill the worker */ }
    this.running = false;
    if (this.stopped) return;
    if (!keepGoing) { this.stop(); this.host.workerDone(this); return; }
    if (this.again) { this.again = false; void this.tick(); return; }
    this.timer = setTimeout(() => void this.tick(), this.periodMs);
  }

  /** One step; false when the worker should end (pod finished, or a container that will never restart). */
  private async doProbe(): Promise<boolean> {
    const status = this.pendingStatus ?? this.host.getPodStatus(this.pod.metadata.uid);
    this.pendingStatus = undefined;
    if (!status) return true;
    if (status.phase === 'Failed' || status.phase === 'Succeeded') return false;
    const cs = (status.containerStatuses ?? []).find((c: any) => c.name === this.container.name);
    const id = parseContainerID(cs?.containerID);
    if (!cs || !id) return true;
    if (id !== this.containerID) {
      if (this.containerID) this.host.removeResult(this.type, this.containerID);
      this.containerID = id;
      this.host.setResult(this.type, id, INITIAL[this.type], this.pod);
      this.onHold = false;
    }
    if (this.onHold) return true;
    const state = cs.state ?? {};
    if (!state.running) {
      this.host.setResult(this.type, id, 'Failure', this.pod);
      return !state.terminated || this.pod.spec?.restartPolicy !== 'Never';
    }
    const startedAt = Date.parse(state.running.startedAt ?? '') || 0;
    if (Date.now() - startedAt < (this.probe.initialDelaySeconds ?? 0) * this.host.ctx.secondMs) return true;
    const started = this.host.isStarted(this.pod, this.container.name, id);
    if (started === (this.type === 'startup')) return true;

    const result = await probeContainer(this.host.ctx, this.type, this.probe, this.pod, status, this.container, id);
    if (this.stopped || id !== this.containerID) return true;
    if (result === this.lastResult) this.resultRun++;
    else { this.lastResult = result; this.resultRun = 1; }
    if ((result === 'Failure' && this.resultRun < (this.probe.failureThreshold || 3)) || (result === 'Success' && this.resultRun < (this.probe.successThreshold || 1))) return true;
    this.host.setResult(this.type, id, result, this.pod);
    if (result === 'Failure' && this.type !== 'readiness') {
      // The container will be killed; wait for its replacement rather than counting more failures.
      this.onHold = true;
      this.resultRun = 0;
    }
    return true;
  }
}
