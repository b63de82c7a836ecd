/**
 * @module kubelet/pod-workers
 * The kubelet's pod workers (upstream pkg/kubelet/pod_workers.go): one asynchronous worker per pod
 * UID that runs the pod's syncs one at a time, so two syncs of one pod never overlap, while pods
 * progress independently. Updates coalesce: a worker busy with a sync only remembers that another
 * is due, and the next sync sees the newest pod ("latest update wins"). A pod moves one way through
 * three states, as upstream's: syncing (SyncPod, repeated on updates and every resync period),
 * terminating (SyncTerminatingPod: stop every container with the grace period), and terminated
 * (SyncTerminatedPod: tear down volumes, write the final status, finish the deletion). A pod whose
 * SyncPod reports it terminal (Succeeded/Failed) goes the same way, but its worker stays until the
 * pod leaves the API, so it is never started again.
 */

export interface SyncPodResult {
  /** The pod reached Succeeded or Failed: stop its containers and never start them again. */
  terminal?: boolean;
  /** Sync again after this many ms (e.g. soon, while containers are starting); defaults to the resync period. */
  requeueMs?: number;
}

export interface PodSyncer {
  syncPod(pod: any): Promise<SyncPodResult>;
  syncTerminatingPod(pod: any, gracePeriodSeconds: number | undefined): Promise<void>;
  syncTerminatedPod(pod: any): Promise<void>;
  /** The pod is gone from every source and fully stopped: drop what is kept for it. */
  forgetPod?(pod: any): Promise<void> | void;
}

export type UpdateType = 'create' | 'update' | 'sync' | 'kill';

export interface UpdatePodOptions {
  /** For 'kill': the grace period to stop containers with (the pod's deletionGracePeriodSeconds). */
  gracePeriodSeconds?: number;
  /** For 'kill': the pod is gone from its source (deleted from the API, manifest removed). */
  removed?: boolean;
}

interface Worker {
  uid: string;
  pod: any;
  pending: boolean;
  running: boolean;
  terminationRequested: boolean;
  gracePeriodSeconds?: number;
  terminated: boolean;
  finished: boolean;
  removed: boolean;
  timer?: NodeJS.Timeout;
  failures: number;
  /** What the next SyncPod is for (kubelet_pod_worker_duration_seconds' operation_type). */
  op: 'create' | 'update' | 'sync';
}

export interface PodWorkersOptions {
  syncer: PodSyncer;
  /** Periodic resync of every running pod (upstream's 1 m sync frequency; ours 10 s). */
  resyncMs?: number;
  log?: (msg: string) => void;
  /** How long each SyncPod took, by what it was for (kubelet_pod_worker_duration_seconds). */
  observeSync?: (op: 'create' | 'update' | 'sync', seconds: number) => void;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly idle = new Set<() => void>();
  private stopped = false;

  constructor(private readonly o: PodWorkersOptions) {}

  get resyncMs(): number { return this.o.resyncMs ?? 10_000; }

  /** Hand the worker of `pod.metadata.uid` an update; starts the worker when it has none. */
  updatePod(pod: any, type: UpdateType, opts: UpdatePodOptions = {}): void {
    if (this.stopped) return;
    const uid = pod.metadata.uid;
    let w = this.workers.get(uid);
    if (!w) {
      // A sync for a pod we already forgot (a late resync timer) starts nothing.
      if (type === 'sync') return;
      w = { uid, pod, pending: false, running: false, terminationRequested: false, terminated: false, finished: false, removed: false, failures: 0, op: 'create' };
      this.workers.set(uid, w);
    } else if (type === 'update' && w.op === 'sync') w.op = 'update'; // a pending create stays a create
    w.pod = pod;
    if (type === 'kill' || pod.metadata.deletionTimestamp) {
      const grace = opts.gracePeriodSeconds ?? pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds;
      if (!w.terminationRequested || (grace !== undefined && (w.gracePeriodSeconds === undefined || grace < w.gracePeriodSeconds))) w.gracePeriodSeconds = grace;
      w.terminationRequested = true;
      if (opts.removed) w.removed = true;
      // A terminal pod that is now being deleted still has its deletion to finish.
      if (w.finished && (pod.metadata.deletionTimestamp || w.removed)) w.finished = false;
    }
    if (w.finished && !w.removed) return;
    w.pending = true;
    if (!w.running) void this.run(w);
  }

  /** The pod's worker is stopping or has stopped its containers. */
  isTerminationRequested(uid: string): boolean { return !!this.workers.get(uid)?.terminationRequested; }
  /** Pods whose containers should run (admitted, not terminating): what admission counts against. */
  activePods(): any[] { return [...this.workers.values()].filter((w) => !w.terminationRequested).map((w) => w.pod); }
  knows(uid: string): boolean { return this.workers.has(uid); }
  uids(): string[] { return [...this.workers.keys()]; }

  /** Resolves when no worker has a sync running or due (for tests). */
  async waitIdle(): Promise<void> {
    while ([...this.workers.values()].some((w) => w.running || w.pending)) await new Promise<void>((r) => { this.idle.add(r); });
  }

  private schedule(w: Worker, ms: number): void {
    clearTimeout(w.timer);
    w.timer = setTimeout(() => this.updatePod(w.pod, 'sync'), ms);
    w.timer.unref?.();
  }

  private async run(w: Worker): Promise<void> {
    w.running = true;
    try {
      while (w.pending && !this.stopped) {
        w.pending = false;
        const pod = w.pod;
        try {
          if (!w.terminationRequested) {
            const op = w.op;
            w.op = 'sync';
            const t0 = performance.now();
            let r: SyncPodResult;
            try { r = await this.o.syncer.syncPod(pod); } finally { this.o.observeSync?.(op, (performance.now() - t0) / 1000); }
            if (r.terminal) { w.terminationRequested = true; w.gracePeriodSeconds ??= pod.spec?.terminationGracePeriodSeconds; w.pending = true; }
            else this.schedule(w, r.requeueMs ?? this.resyncMs);
          } else if (!w.terminated) {
            clearTimeout(w.timer);
            await this.o.syncer.syncTerminatingPod(pod, w.gracePeriodSeconds);
            w.terminated = true;
            w.pending = true;
          } else if (!w.finished) {
            await this.o.syncer.syncTerminatedPod(pod);
            w.finished = true;
            if (w.removed) {
              this.workers.delete(w.uid);
              await this.o.syncer.forgetPod?.(pod);
            }
          }
          w.failures = 0;
        } catch (e) {
          w.failures++;
          this.o.log?.(`error syncing pod ${pod.metadata.namespace}/${pod.metadata.name} (${w.uid}): ${(e as Error).message}`);
          // Upstream requeues a failed sync after a short back-off rather than the full period.
          this.schedule(w, Math.min(1000 * 2 ** Math.min(w.failures - 1, 4), this.resyncMs));
        }
      }
    } finally {
      w.running = false;
      for (const r of [...this.idle]) { this.idle.delete(r); r(); }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.workers.values()) clearTimeout(w.timer);
  }
}
