/**
 * @module client/workqueue-metrics
 * The work queue's Prometheus metrics under upstream's names (k8s.io/component-base/metrics/
 * prometheus/workqueue, labelled `name`), registered in the process-wide default registry. Only
 * named queues report, as client-go's: an unnamed queue costs nothing. A queue binds its series
 * once, so add/get/done only bump numbers and keep a timestamp per key.
 */
import { Counter, Gauge, Histogram, defaultRegistry, exponentialBuckets, type CounterChild, type GaugeChild, type HistogramChild } from '../metrics/registry.js';

/** 1 µs to 1000 s: ExponentialBuckets(10e-7, 10, 10). */
const BUCKETS = exponentialBuckets(1e-6, 10, 10);

/** What the queue reads to report in-flight work when scraped. */
export interface InFlight {
  readonly name: string;
  /** performance.now() of each key's get(), for keys not yet done(). */
  readonly processingSince: Map<string, number>;
}

const live = new Set<InFlight>();
/** Every name ever tracked: a name whose queues all shut down reports 0, not its last value. */
const names = new Set<string>();

function collectInFlight(kind: 'unfinished' | 'longest'): (g: Gauge) => void {
  return (g) => {
    const now = performance.now();
    const byName = new Map<string, number>();
    for (const n of names) byName.set(n, 0);
    for (const q of live) {
      let v = byName.get(q.name) ?? 0;
      for (const t of q.processingSince.values()) {
        const secs = (now - t) / 1000;
        v = kind === 'unfinished' ? v + secs : Math.max(v, secs);
      }
      byName.set(q.name, v);
    }
    for (const [name, v] of byName) g.set({ name }, v);
  };
}

export const workqueueDepth = defaultRegistry.register(new Gauge('workqueue_depth', 'Current depth of workqueue', ['name']));
export const workqueueAdds = defaultRegistry.register(new Counter('workqueue_adds_total', 'Total number of adds handled by workqueue', ['name']));
export const workqueueQueueDuration = defaultRegistry.register(new Histogram('workqueue_queue_duration_seconds', 'How long in seconds an item stays in workqueue before being requested.', ['name'], BUCKETS));
export const workqueueWorkDuration = defaultRegistry.register(new Histogram('workqueue_work_duration_seconds', 'How long in seconds processing an item from workqueue takes.', ['name'], BUCKETS));
export const workqueueUnfinishedWork = defaultRegistry.register(new Gauge('workqueue_unfinished_work_seconds',
  "How many seconds of work has done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
  ['name'], collectInFlight('unfinished')));
export const workqueueLongestRunningProcessor = defaultRegistry.register(new Gauge('workqueue_longest_running_processor_seconds',
  'How many seconds has the longest running processor for workqueue been running.', ['name'], collectInFlight('longest')));
export const workqueueRetries = defaultRegistry.register(new Counter('workqueue_retries_total', 'Total number of retries handled by workqueue', ['name']));

/** One named queue's bound series. */
export interface QueueMetrics {
  depth: GaugeChild;
  adds: CounterChild;
  latency: HistogramChild;
  workDuration: HistogramChild;
  retries: CounterChild;
}

/** Bind the series of the queue called `name`. */
export function newQueueMetrics(name: string): QueueMetrics {
  const l = { name };
  return {
    depth: workqueueDepth.with(l), adds: workqueueAdds.with(l), latency: workqueueQueueDuration.with(l),
    workDuration: workqueueWorkDuration.with(l), retries: workqueueRetries.with(l),
  };
}

/** Report this queue's in-flight work (unfinished/longest running) until untracked. */
export function trackInFlight(q: InFlight): void { live.add(q); names.add(q.name); }
export function untrackInFlight(q: InFlight): void { live.delete(q); }
