/**
 * @module scheduler/metrics
 * kube-scheduler's metrics under upstream's names, labels and buckets (pkg/scheduler/metrics),
 * registered in the process-wide default registry so `skiff server`, which runs the scheduler in
 * the API server's process, shows them at its `/metrics`. The pending-pods gauge is read from the
 * live schedulers' queues when scraped, so the queue itself does no bookkeeping for it.
 */
import { Counter, Gauge, Histogram, defaultRegistry, exponentialBuckets } from '../metrics/registry.js';

/** The `result` label: 'unschedulable' means no node fits, 'error' an internal scheduler problem. */
export type ScheduleResult = 'scheduled' | 'unschedulable' | 'error';

/** What the pending-pods gauge reads from a running scheduler's queue. */
export interface PendingPodsSource {
  pendingCounts(): { active: number; backoff: number; unschedulable: number; gated: number };
}

const sources = new Set<PendingPodsSource>();

export const scheduleAttempts = defaultRegistry.register(new Counter('scheduler_schedule_attempts_total',
  "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
  ['result', 'profile']));

export const schedulingAttemptDuration = defaultRegistry.register(new Histogram('scheduler_scheduling_attempt_duration_seconds',
  'Scheduling attempt latency in seconds (scheduling algorithm + binding)', ['result', 'profile'], exponentialBuckets(0.001, 2, 15)));

export const schedulingAlgorithmDuration = defaultRegistry.register(new Histogram('scheduler_scheduling_algorithm_duration_seconds',
  'Scheduling algorithm latency in seconds', [], exponentialBuckets(0.001, 2, 15)));

export const pendingPods = defaultRegistry.register(new Gauge('scheduler_pending_pods',
  "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
  ['queue'], (g) => {
    const sum = { active: 0, backoff: 0, unschedulable: 0, gated: 0 };
    for (const s of sources) {
      const c = s.pendingCounts();
      sum.active += c.active; sum.backoff += c.backoff; sum.unschedulable += c.unschedulable; sum.gated += c.gated;
    }
    for (const [queue, n] of Object.entries(sum)) g.set({ queue }, n);
  }));

export const podSchedulingSLIDuration = defaultRegistry.register(new Histogram('scheduler_pod_scheduling_sli_duration_seconds',
  'E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue and might involve multiple scheduling attempts.',
  ['attempts'], exponentialBuckets(0.01, 2, 20)));

export const podSchedulingAttempts = defaultRegistry.register(new Histogram('scheduler_pod_scheduling_attempts',
  'Number of attempts to successfully schedule a pod.', [], exponentialBuckets(1, 2, 5)));

export const preemptionAttempts = defaultRegistry.register(new Counter('scheduler_preemption_attempts_total',
  'Total preemption attempts in the cluster till now'));

/** Count one scheduling attempt of `profile` and how long it took (cycle start to bind or failure). */
export function observeAttempt(result: ScheduleResult, profile: string, seconds: number): void {
  scheduleAttempts.inc({ result, profile });
  schedulingAttemptDuration.observe({ result, profile }, seconds);
}

/**
 * A pod was bound after `attempts` attempts, `sinceFirstQueuedSeconds` after it first entered the
 * queue. The attempts label caps at "15+", as upstream's, to bound the series.
 */
export function observePodScheduled(attempts: number, sinceFirstQueuedSeconds: number): void {
  podSchedulingSLIDuration.observe({ attempts: attempts >= 15 ? '15+' : String(attempts) }, sinceFirstQueuedSeconds);
  podSchedulingAttempts.observe({}, attempts);
}

/** Report `s`'s queue in scheduler_pending_pods while it runs. */
export function registerPendingPods(s: PendingPodsSource): void { sources.add(s); }
export function unregisterPendingPods(s: PendingPodsSource): void { sources.delete(s); }
