/**
 * @module kubelet/metrics
 * The kubelet's metrics under upstream's names, labels and buckets (pkg/kubelet/metrics), served
 * at the kubelet server's `/metrics`. Each Kubelet has its own registry (a test process may run
 * several kubelets). The running pods/containers gauges are read from the container runtime when
 * scraped, as upstream reads them from its runtime cache, so no sync path keeps counts.
 */
import { Gauge, Histogram, MetricsRegistry, DEF_BUCKETS, processMetrics } from '../metrics/registry.js';
import type { RuntimeService } from './cri/api.js';

/** Upstream's podStartupDurationBuckets (seconds). */
export const POD_STARTUP_DURATION_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

/** The `operation_type` of kubelet_pod_worker_duration_seconds. */
export type PodWorkerOperation = 'create' | 'update' | 'sync';

/** kubecontainer.State as the `container_state` label reads it. */
const CONTAINER_STATES: Record<string, string> = {
  CONTAINER_CREATED: 'created', CONTAINER_RUNNING: 'running', CONTAINER_EXITED: 'exited', CONTAINER_UNKNOWN: 'unknown',
};

export class KubeletMetrics {
  readonly registry = new MetricsRegistry();
  readonly podStartDuration = this.registry.register(new Histogram('kubelet_pod_start_duration_seconds',
    'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run', [], POD_STARTUP_DURATION_BUCKETS));
  readonly podStartTotalDuration = this.registry.register(new Histogram('kubelet_pod_start_total_duration_seconds',
    'Duration in seconds to start a pod since creation, including time to pull images and run init containers, measured from pod creation timestamp to when all its containers are reported as started and observed via watch',
    [], POD_STARTUP_DURATION_BUCKETS));
  readonly podWorkerDuration = this.registry.register(new Histogram('kubelet_pod_worker_duration_seconds',
    'Duration in seconds to sync a single pod. Broken down by operation type: create, update, or sync', ['operation_type'], DEF_BUCKETS));
  readonly runningPods = this.registry.register(new Gauge('kubelet_running_pods', 'Number of pods that have a running pod sandbox'));
  readonly runningContainers = this.registry.register(new Gauge('kubelet_running_containers', 'Number of containers currently running', ['container_state']));
  /** When this kubelet first saw each pod that has not run yet (performance.now()). */
  private readonly firstSeen = new Map<string, number>();

  constructor() { processMetrics(this.registry); }

  /** The kubelet saw pod `uid` (keeps the first time only). */
  podSeen(uid: string): void { if (!this.firstSeen.has(uid)) this.firstSeen.set(uid, performance.now()); }

  /**
   * Pod `uid` reached Running for the first time: observe the start durations from first seen and
   * from `creationTimestamp` (RFC 3339), once per pod.
   */
  podStarted(uid: string, creationTimestamp: string | undefined): void {
    const seen = this.firstSeen.get(uid);
    if (seen === undefined) return;
    this.firstSeen.delete(uid);
    this.podStartDuration.observe({}, (performance.now() - seen) / 1000);
    const created = creationTimestamp ? Date.parse(creationTimestamp) : NaN;
    if (!Number.isNaN(created)) this.podStartTotalDuration.observe({}, Math.max(0, Date.now() - created) / 1000);
  }

  /** The pod is gone: stop waiting for it to start. */
  forgetPod(uid: string): void { this.firstSeen.delete(uid); }

  observePodWorker(op: PodWorkerOperation, seconds: number): void { this.podWorkerDuration.observe({ operation_type: op }, seconds); }

  /** Set the running pods/containers gauges from the runtime (called before each scrape). */
  async collectRunning(runtime: Pick<RuntimeService, 'listPodSandbox' | 'listContainers'>): Promise<void> {
    const [sandboxes, containers] = await Promise.all([runtime.listPodSandbox(), runtime.listContainers()]);
    this.runningPods.set({}, sandboxes.filter((s) => s.state === 'SANDBOX_READY').length);
    const counts: Record<string, number> = { created: 0, running: 0, exited: 0, unknown: 0 };
    for (const c of containers) counts[CONTAINER_STATES[c.state] ?? 'unknown']++;
    for (const [container_state, n] of Object.entries(counts)) this.runningContainers.set({ container_state }, n);
  }

  /** Everything, in the Prometheus text format. */
  async render(runtime?: Pick<RuntimeService, 'listPodSandbox' | 'listContainers'>): Promise<string> {
    if (runtime) await this.collectRunning(runtime);
    return this.registry.render();
  }
}
