/**
 * @module scheduler/queue/scheduling-queue
 * kube-scheduler's PriorityQueue, three parts:
 * - activeQ: pods to try now, a heap in the QueueSort plugin's order (priority, then queue time);
 * - backoffQ: pods that failed and wait out their backoff (1 s doubling per attempt, at most 10 s);
 * - unschedulablePods: pods no node fits; they wait for a cluster event that one of the plugins
 *   that rejected them cares about (a node added, a pod deleted, ...), and at the latest
 *   `podMaxInUnschedulablePodsDuration` before they are retried anyway.
 * A pod that failed while a move request happened during its cycle goes to backoffQ, not
 * unschedulablePods, since the event it would wait for may already have passed.
 */
import type { ClusterEvent, PreEnqueuePlugin, QueuedPodInfo } from '../framework/interface.js';
import type { PodInfo } from '../framework/pod-info.js';
import { Heap } from './heap.js';

export interface SchedulingQueueOptions {
  less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  preEnqueue?: PreEnqueuePlugin[];
  /** Plugin name -> the cluster events that may make pods it rejected schedulable. */
  pluginEvents?: Map<string, Set<ClusterEvent>>;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  podMaxInUnschedulablePodsDurationMs?: number;
  now?: () => number;
}

const keyOf = (q: QueuedPodInfo): string => q.podInfo.key;

export class SchedulingQueue {
  private readonly activeQ: Heap<QueuedPodInfo>;
  private readonly backoffQ: Heap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Unschedulable pods by the plugins that rejected them; pods no plugin rejected are under ''. */
  private readonly byPlugin = new Map<string, Set<QueuedPodInfo>>();
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private seq = 0;
  private waiters: (() => void)[] = [];
  private backoffTimer: NodeJS.Timeout | undefined;
  private backoffTimerAt = Infinity;
  private leftoverTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;

  constructor(private readonly o: SchedulingQueueOptions) {
    this.activeQ = new Heap(keyOf, o.less);
    this.now = o.now ?? Date.now;
    this.initialBackoff = o.initialBackoffMs ?? 1000;
    this.maxBackoff = o.maxBackoffMs ?? 10_000;
    this.maxUnschedulable = o.podMaxInUnschedulablePodsDurationMs ?? 60_000;
    this.backoffQ = new Heap(keyOf, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  }

  /** Start the flushes: backoffQ as pods' backoff ends, unschedulablePods every 30 s. */
  run(): void {
    this.leftoverTimer = setInterval(() => this.flushUnschedulableLeftover(), Math.min(30_000, this.maxUnschedulable));
    this.leftoverTimer.unref?.();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.leftoverTimer);
    clearTimeout(this.backoffTimer);
    for (const w of this.waiters.splice(0)) w();
  }

  get lengths(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size };
  }
  get cycle(): number { return this.schedulingCycle; }

  /** The scheduler_pending_pods view: gated pods wait in unschedulablePods but are counted apart, as upstream. */
  pendingCounts(): { active: number; backoff: number; unschedulable: number; gated: number } {
    let gated = 0;
    for (const q of this.unschedulable.values()) if (q.gated) gated++;
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size - gated, gated };
  }

  private newQueued(pi: PodInfo): QueuedPodInfo {
    const now = this.now();
    return { podInfo: pi, timestamp: now, attempts: 0, initialAttemptTimestamp: now, unschedulablePlugins: new Set(), gated: false, seq: this.seq++ };
  }

  /** A new unscheduled pod. */
  add(pi: PodInfo): void {
    const q = this.findQueued(pi.key);
    if (q) { this.removeEverywhere(pi.key); q.podInfo = pi; this.moveToActive(q); return; }
    this.moveToActive(this.newQueued(pi));
  }

  /** Into activeQ unless a PreEnqueue plugin holds it back (then it waits in unschedulablePods, gated). */
  private moveToActive(q: QueuedPodInfo): void {
    for (const p of this.o.preEnqueue ?? []) {
      if (p.preEnqueue(q.podInfo)) {
        q.gated = true;
        q.unschedulablePlugins = new Set([p.name]);
        this.putUnschedulable(q);
        return;
      }
    }
    q.gated = false;
    this.activeQ.addOrUpdate(q);
    const w = this.waiters.shift();
    if (w) w();
  }

  /** Take the best pod, or undefined if activeQ is empty. Each pop starts a scheduling cycle. */
  pop(): QueuedPodInfo | undefined {
    const q = this.activeQ.pop();
    if (!q) return undefined;
    this.schedulingCycle++;
    q.attempts++;
    return q;
  }

  /** Resolves when activeQ may have a pod (or the queue is closed). */
  waitForPod(): Promise<void> {
    if (this.activeQ.size || this.closed) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  get isClosed(): boolean { return this.closed; }

  /**
   * A pod whose cycle failed (AddUnschedulableIfNotPresent). `podCycle` is the cycle it was popped
   * in: if something moved pods since, retry after backoff instead of waiting for another event.
   * A pod no plugin rejected (e.g. there were no nodes) waits for any event.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo, podCycle: number, failedWithError = false): void {
    if (this.findQueued(q.podInfo.key)) return;
    q.timestamp = this.now();
    // An internal error is not about the cluster: no event will fix it, so retry after backoff.
    if (this.moveRequestCycle >= podCycle || failedWithError) this.putBackoff(q);
    else this.putUnschedulable(q);
  }

  /** An unscheduled pod changed. */
  update(oldPi: PodInfo | undefined, pi: PodInfo): void {
    const k = pi.key;
    const a = this.activeQ.get(k);
    if (a) { a.podInfo = pi; this.activeQ.addOrUpdate(a); return; }
    const b = this.backoffQ.get(k);
    if (b) { b.podInfo = pi; this.backoffQ.addOrUpdate(b); return; }
    const u = this.unschedulable.get(k);
    if (u) {
      const changed = !oldPi || podSpecChanged(oldPi.pod, pi.pod);
      u.podInfo = pi;
      if (!changed) return;
      // The pod itself changed (a label, a toleration, a gate removed): it may fit now.
      this.removeUnschedulable(u);
      if (u.gated) this.moveToActive(u);
      else if (this.isBackingOff(u)) this.putBackoff(u);
      else this.moveToActive(u);
      return;
    }
    this.add(pi);
  }

  delete(key: string): void { this.removeEverywhere(key); }

  /** A cluster event: move every unschedulable pod a plugin that rejected it registered for. */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, filter?: (q: QueuedPodInfo) => boolean): void {
    const moving = new Set<QueuedPodInfo>();
    const consider = (set: Set<QueuedPodInfo> | undefined) => { if (set) for (const q of set) if (!q.gated && (!filter || filter(q))) moving.add(q); };
    consider(this.byPlugin.get(''));
    for (const [plugin, events] of this.o.pluginEvents ?? []) if (events.has(event)) consider(this.byPlugin.get(plugin));
    for (const q of moving) {
      this.removeUnschedulable(q);
      if (this.isBackingOff(q)) this.putBackoff(q); else this.moveToActive(q);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  has(key: string): boolean { return !!this.findQueued(key); }
  pendingPods(): PodInfo[] { return [...this.activeQ.list(), ...this.backoffQ.list(), ...this.unschedulable.values()].map((q) => q.podInfo); }

  backoffDuration(q: QueuedPodInfo): number {
    const n = Math.max(q.attempts, 1);
    return Math.min(this.initialBackoff * 2 ** Math.min(n - 1, 30), this.maxBackoff);
  }
  private backoffExpiry(q: QueuedPodInfo): number { return q.timestamp + this.backoffDuration(q); }
  private isBackingOff(q: QueuedPodInfo): boolean { return this.backoffExpiry(q) > this.now(); }

  private findQueued(k: string): QueuedPodInfo | undefined {
    return this.activeQ.get(k) ?? this.backoffQ.get(k) ?? this.unschedulable.get(k);
  }

  private removeEverywhere(k: string): void {
    this.activeQ.delete(k);
    this.backoffQ.delete(k);
    const u = this.unschedulable.get(k);
    if (u) this.removeUnschedulable(u);
  }

  private putUnschedulable(q: QueuedPodInfo): void {
    this.unschedulable.set(q.podInfo.key, q);
    const plugins = q.unschedulablePlugins.size ? q.unschedulablePlugins : [''];
    for (const p of plugins) {
      let s = this.byPlugin.get(p);
      if (!s) this.byPlugin.set(p, s = new Set());
      s.add(q);
    }
  }

  private removeUnschedulable(q: QueuedPodInfo): void {
    this.unschedulable.delete(q.podInfo.key);
    for (const s of this.byPlugin.values()) s.delete(q);
  }

  private putBackoff(q: QueuedPodInfo): void {
    this.backoffQ.addOrUpdate(q);
    this.armBackoffTimer();
  }

  private armBackoffTimer(): void {
    if (this.closed) return;
    const head = this.backoffQ.peek();
    if (!head) return;
    const at = this.backoffExpiry(head);
    if (this.backoffTimer && at >= this.backoffTimerAt) return;
    clearTimeout(this.backoffTimer);
    this.backoffTimerAt = at;
    this.backoffTimer = setTimeout(() => { this.backoffTimer = undefined; this.backoffTimerAt = Infinity; this.flushBackoffQCompleted(); }, Math.max(0, at - this.now()));
    this.backoffTimer.unref?.();
  }

  /** Move every pod whose backoff has ended to activeQ. */
  flushBackoffQCompleted(): void {
    const now = this.now();
    for (let h = this.backoffQ.peek(); h && this.backoffExpiry(h) <= now; h = this.backoffQ.peek()) {
      this.backoffQ.pop();
      this.moveToActive(h);
    }
    this.armBackoffTimer();
  }

  /** Pods unschedulable for longer than podMaxInUnschedulablePodsDuration are retried anyway. */
  flushUnschedulableLeftover(): void {
    const now = this.now();
    const old = [...this.unschedulable.values()].filter((q) => !q.gated && now - q.timestamp >= this.maxUnschedulable);
    for (const q of old) {
      this.removeUnschedulable(q);
      if (this.isBackingOff(q)) this.putBackoff(q); else this.moveToActive(q);
    }
  }
}

/** isPodUpdated: anything but status, resourceVersion, generation and managedFields changed. */
function podSpecChanged(a: any, b: any): boolean {
  const strip = (p: any) => {
    const { resourceVersion: _rv, generation: _g, managedFields: _m, ...meta } = p.metadata ?? {};
    return JSON.stringify([meta, p.spec]);
  };
  return strip(a) !== strip(b);
}
