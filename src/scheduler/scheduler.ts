/**
 * @module scheduler/scheduler
 * kube-scheduler: watches pods and nodes, and for each pod that names this scheduler and has no
 * node, runs a scheduling cycle (filters, scores, pick; synchronous, on an in-memory cache), then
 * a binding cycle (the Binding write; asynchronous, so the next pod does not wait for it). The
 * chosen node is *assumed* in the cache at once. A pod that fits nowhere gets PodScheduled=False
 * (reason Unschedulable), a FailedScheduling event with upstream's message, possibly a
 * preemption, and waits in the queue for a cluster change that might help.
 */
import type { Clientset } from '../client/clientset.js';
import type { SharedInformerFactory } from '../client/informer-factory.js';
import type { Informer } from '../client/informer.js';
import { Recorder, type EventRecorder } from '../client/record/recorder.js';
import type { Handle, QueuedPodInfo } from './framework/interface.js';
import { CycleState } from './framework/cycle-state.js';
import { podInfoFor, type PodInfo } from './framework/pod-info.js';
import { Code } from './framework/status.js';
import { FitError } from './framework/fit-error.js';
import { Framework, instantiate, type PluginSet } from './framework/runtime.js';
import { defaultPluginSet, inTreeRegistry, pluginNames, type Factory } from './framework/registry.js';
import { SchedulerCache } from './cache/cache.js';
import { SchedulingQueue } from './queue/scheduling-queue.js';
import { Nominator } from './queue/nominator.js';
import { schedulePod } from './schedule-one.js';
import { addAllEventHandlers } from './eventhandlers.js';
import { CycleTrace, recordCycle, schedulerTracer } from './tracing.js';
import { objectSpanContext } from '../tracing/annotation.js';
import { tracingEnabled, withTraceContext } from '../tracing/provider.js';
import { observeAttempt, observePodScheduled, preemptionAttempts, registerPendingPods, schedulingAlgorithmDuration, unregisterPendingPods } from './metrics.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerOptions {
  client: Clientset;
  informers: SharedInformerFactory;
  recorder: EventRecorder;
  schedulerName?: string;
  /** 0 (default): adaptive, as upstream. */
  percentageOfNodesToScore?: number;
  /** Per-plugin arguments (e.g. NodeResourcesFit's scoringStrategy). */
  pluginArgs?: Record<string, unknown>;
  /** Replace the default profile's plugin set. */
  plugins?: PluginSet;
  /** Out-of-tree plugins by name. */
  outOfTreeRegistry?: Map<string, Factory>;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  podMaxInUnschedulablePodsDurationMs?: number;
}

/** How long one burst of synchronous cycles may hold the event loop before letting I/O in. */
const SLICE_MS = 10;

export class Scheduler {
  readonly schedulerName: string;
  readonly cache = new SchedulerCache();
  readonly nominator = new Nominator();
  readonly queue: SchedulingQueue;
  readonly framework: Framework;
  readonly podInformer: Informer;
  readonly nodeInformer: Informer;
  readonly pvcInformer: Informer;
  readonly namespaceInformer: Informer;
  private readonly client: Clientset;
  private readonly informers: SharedInformerFactory;
  private readonly recorder: EventRecorder;
  private readonly percentage: number;
  private nextStartNodeIndex = 0;
  private stopped = false;
  private loopDone: Promise<void> | undefined;
  private inflightBindings = new Set<Promise<void>>();
  /** Counters for tests and metrics. */
  readonly stats = { scheduled: 0, unschedulable: 0, errors: 0, preemptions: 0 };

  constructor(o: SchedulerOptions) {
    this.client = o.client;
    this.informers = o.informers;
    this.recorder = o.recorder;
    this.schedulerName = o.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.percentage = o.percentageOfNodesToScore ?? 0;
    this.podInformer = o.informers.for('pods');
    this.nodeInformer = o.informers.for('nodes');
    this.pvcInformer = o.informers.for('persistentvolumeclaims');
    this.namespaceInformer = o.informers.for('namespaces');

    const registry = inTreeRegistry();
    for (const [k, f] of o.outOfTreeRegistry ?? []) registry.set(k, f);
    const set = o.plugins ?? defaultPluginSet();
    const handle: Handle = {
      client: o.client, recorder: o.recorder, schedulerName: this.schedulerName, snapshot: this.cache, nominator: this.nominator,
      namespaceLabels: (ns) => this.namespaceInformer.get(ns)?.metadata?.labels,
      getPVC: (ns, name) => this.pvcInformer.get(`${ns}/${name}`),
      getPod: (ns, name) => this.podInformer.get(`${ns}/${name}`),
      get framework() { return fw; },
    };
    const fw: Framework = new Framework(this.schedulerName, instantiate(registry, pluginNames(set), o.pluginArgs ?? {}, handle), set, this.nominator);
    this.framework = fw;
    this.queue = new SchedulingQueue({
      less: (a, b) => fw.queueSort.less(a, b), preEnqueue: fw.preEnqueue, pluginEvents: fw.pluginEvents(),
      initialBackoffMs: o.podInitialBackoffMs, maxBackoffMs: o.podMaxBackoffMs, podMaxInUnschedulablePodsDurationMs: o.podMaxInUnschedulablePodsDurationMs,
    });
    addAllEventHandlers(this);
  }

  responsibleFor(pod: any): boolean { return (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === this.schedulerName; }

  /** Start the informers, wait for their caches, then schedule until stop(). */
  async run(): Promise<void> {
    this.informers.start();
    await this.informers.waitForCacheSync();
    if (this.stopped) return;
    this.queue.run();
    registerPendingPods(this.queue);
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    unregisterPendingPods(this.queue);
    this.queue.close();
    await this.loopDone;
    await Promise.allSettled([...this.inflightBindings]);
  }

  private async loop(): Promise<void> {
    let sliceStart = Date.now();
    while (!this.stopped) {
      const q = this.queue.pop();
      if (!q) {
        await this.queue.waitForPod();
        sliceStart = Date.now();
        continue;
      }
      try { this.scheduleOne(q); } catch (e) { this.stats.errors++; process.emitWarning(`scheduler: ${(e as Error).stack ?? e}`); }
      if (Date.now() - sliceStart > SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        sliceStart = Date.now();
      }
    }
  }

  /** One scheduling cycle (synchronous), then the binding cycle started in the background. */
  scheduleOne(q: QueuedPodInfo): void {
    const pi = q.podInfo;
    if (pi.terminating || this.cache.hasPod(pi.uid)) return;
    const podCycle = this.queue.cycle;
    const state = new CycleState();
    // scheduler_scheduling_attempt_duration_seconds runs from here to the bind or the failure.
    const start = performance.now();
    const traceParent = tracingEnabled() ? objectSpanContext(pi.pod) : undefined;
    if (traceParent) state.trace = new CycleTrace();
    const poppedAt = Date.now();
    let node: string;
    let nodeCount = 0;
    const traceFailure = (msg: string) => {
      if (traceParent) recordCycle(schedulerTracer(), traceParent, pi, q.timestamp, poppedAt, state.trace!, nodeCount, undefined, msg).end();
    };
    try {
      const nodes = this.cache.list();
      nodeCount = nodes.length;
      const r = schedulePod(this.framework, state, pi, nodes, this.percentage, this.nextStartNodeIndex, !this.nominator.empty);
      schedulingAlgorithmDuration.observe({}, (performance.now() - start) / 1000);
      if (nodes.length) this.nextStartNodeIndex = (this.nextStartNodeIndex + r.processed) % nodes.length;
      node = r.node;
    } catch (err) {
      if (!(err instanceof FitError)) {
        q.unschedulablePlugins = new Set();
        this.stats.errors++;
        observeAttempt('error', this.schedulerName, (performance.now() - start) / 1000);
        traceFailure((err as Error).message);
        this.handleSchedulingFailure(q, 'SchedulerError', (err as Error).message, undefined, podCycle, true);
        return;
      }
      let nominated: string | undefined;
      if (err.numAllNodes > 0 && this.framework.hasPostFilter()) {
        preemptionAttempts.inc();
        const r = this.framework.runPostFilterPlugins(state, pi, err.statuses);
        if (r.status.code !== Code.Success) err.postFilterMsg = r.status.message();
        else this.stats.preemptions++;
        nominated = r.nominatedNodeName;
      }
      q.unschedulablePlugins = err.unschedulablePlugins;
      this.stats.unschedulable++;
      observeAttempt('unschedulable', this.schedulerName, (performance.now() - start) / 1000);
      traceFailure(err.message);
      this.handleSchedulingFailure(q, 'Unschedulable', err.message, nominated, podCycle, false);
      return;
    }

    // Assume: the next cycle must already see this pod on its node.
    const assumed = pi.withPod({ ...pi.pod, spec: { ...pi.pod.spec, nodeName: node } });
    this.cache.assumePod(assumed);
    const rst = this.framework.runReservePluginsReserve(state, assumed, node);
    if (rst) {
      this.framework.runReservePluginsUnreserve(state, assumed, node);
      this.cache.forgetPod(assumed);
      observeAttempt(rst.isRejected() ? 'unschedulable' : 'error', this.schedulerName, (performance.now() - start) / 1000);
      traceFailure(rst.message());
      this.handleSchedulingFailure(q, rst.isRejected() ? 'Unschedulable' : 'SchedulerError', rst.message(), undefined, podCycle, !rst.isRejected());
      return;
    }
    this.nominator.delete(pi);
    let p: Promise<void>;
    if (traceParent) {
      // The binding cycle starts under `bind`, so the Binding write joins the pod's trace. The binder
      // sends it before its first await, so the context is handed over synchronously: no
      // AsyncLocalStorage in the scheduler (it measurably slowed every pod's scheduling).
      const t = schedulerTracer();
      const sched = recordCycle(t, traceParent, pi, q.timestamp, poppedAt, state.trace!, nodeCount, node, undefined);
      const bind = t.startChild('bind', sched.spanContext(), { attributes: { node } });
      p = withTraceContext(bind.spanContext(), () => this.bindingCycle(state, q, assumed, node, podCycle, start)).finally(() => { bind.end(); sched.end(); });
    } else {
      p = this.bindingCycle(state, q, assumed, node, podCycle, start);
    }
    this.inflightBindings.add(p);
    void p.finally(() => this.inflightBindings.delete(p));
  }

  private async bindingCycle(state: CycleState, q: QueuedPodInfo, assumed: PodInfo, node: string, podCycle: number, start: number): Promise<void> {
    const st = await this.framework.runBindPlugins(state, assumed, node);
    if (st) {
      this.framework.runReservePluginsUnreserve(state, assumed, node);
      this.cache.forgetPod(assumed);
      // The room the assumed pod held is free again.
      this.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
      this.stats.errors++;
      observeAttempt('error', this.schedulerName, (performance.now() - start) / 1000);
      this.handleSchedulingFailure(q, 'SchedulerError', st.message(), undefined, podCycle, true);
      return;
    }
    this.stats.scheduled++;
    observeAttempt('scheduled', this.schedulerName, (performance.now() - start) / 1000);
    observePodScheduled(q.attempts, Math.max(0, Date.now() - q.initialAttemptTimestamp) / 1000);
    this.recorder.event({ ...assumed.pod, kind: 'Pod', apiVersion: 'v1' }, 'Normal', 'Scheduled', `Successfully assigned ${assumed.namespace}/${assumed.name} to ${node}`);
  }

  /**
   * handleSchedulingFailure: tell the user (event + PodScheduled condition, nominatedNodeName if
   * preemption chose a node) and put the pod back in the queue unless it was deleted or bound
   * meanwhile. `nominated` undefined leaves the nomination as it is; '' clears it.
   */
  private handleSchedulingFailure(q: QueuedPodInfo, reason: 'Unschedulable' | 'SchedulerError', message: string, nominated: string | undefined, podCycle: number, isError: boolean): void {
    const pi = q.podInfo;
    this.recorder.event({ ...pi.pod, kind: 'Pod', apiVersion: 'v1' }, 'Warning', 'FailedScheduling', message);
    const current = this.podInformer.get(pi.key);
    if (!current || current.metadata?.uid !== pi.pod.metadata?.uid || current.spec?.nodeName) return;
    const cur = podInfoFor(current);
    q.podInfo = cur;
    if (!this.stopped) this.queue.addUnschedulableIfNotPresent(q, podCycle, isError);
    if (nominated !== undefined) this.nominator.add(cur, nominated);
    this.updatePodStatus(current, reason, message, nominated);
  }

  private updatePodStatus(pod: any, reason: string, message: string, nominated: string | undefined): void {
    const old = (pod.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');
    const oldNominated = pod.status?.nominatedNodeName ?? '';
    const nominationChanges = nominated !== undefined && nominated !== oldNominated;
    if (old && old.status === 'False' && old.reason === reason && old.message === message && !nominationChanges) return;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const condition = {
      type: 'PodScheduled', status: 'False', reason, message, lastProbeTime: null,
      lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime ?? now : now,
    };
    const status: any = { conditions: [condition] };
    if (nominationChanges) status.nominatedNodeName = nominated || null;
    this.client.pods.patch(pod.metadata.namespace, pod.metadata.name, { status }, 'strategic', 'status').catch(() => { /* the next attempt writes it again */ });
  }
}

/** A Scheduler from a controller-manager-like context, with its own `default-scheduler` event recorder. */
export function newScheduler(ctx: { client: Clientset; informers: SharedInformerFactory; recorder?: EventRecorder }, o: Partial<SchedulerOptions> = {}): Scheduler {
  return new Scheduler({ ...o, client: ctx.client, informers: ctx.informers, recorder: ctx.recorder ?? new Recorder(ctx.client.events, o.schedulerName ?? DEFAULT_SCHEDULER_NAME) });
}
