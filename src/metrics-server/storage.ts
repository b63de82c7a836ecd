/**
 * @module metrics-server/storage
 * metrics-server's storage (pkg/storage): for every node and every pod container it keeps the last
 * two points, and answers with the rate between them. CPU is a counter, so one point says nothing:
 * a node or pod has metrics only from its second scrape on (or, for a container that started less
 * than one resolution ago but at least 10 s ago, from its start, when its counter was 0). A point
 * whose start time moved past the stored one means a restart: the old point is dropped. A pod is
 * reported only when every container it was scraped with has a rate, so `kubectl top` never
 * shows half a pod.
 */
import type { ContainerMetricsPoint, MetricsBatch, MetricsPoint, Usage } from './types.js';

/** metrics-server's freshContainerMinMetricsResolution: a younger container's counter is too noisy. */
const FRESH_MIN_MS = 10_000;

interface Pair<P extends MetricsPoint> { last: P; prev?: P }

/**
 * The rate between two points (resourceUsage): CPU delta over the time between them, and the later
 * memory. Undefined when the points do not make a rate (restart, counter going back, no time between).
 */
export function resourceUsage(last: MetricsPoint, prev: MetricsPoint): Usage | undefined {
  if (last.startTime < prev.startTime) return undefined;
  if (last.cumulativeCpuUsed < prev.cumulativeCpuUsed) return undefined;
  const windowMs = last.timestamp - prev.timestamp;
  if (windowMs <= 0) return undefined;
  const cpuNanoCores = Math.floor(((last.cumulativeCpuUsed - prev.cumulativeCpuUsed) * 1000) / windowMs);
  return { cpuNanoCores, memoryBytes: last.memoryUsage, timestamp: last.timestamp, windowMs };
}

/** The stored pair after a new point arrives (podStorage.Store / nodeStorage.Store for one series). */
export function advance<P extends MetricsPoint>(stored: Pair<P> | undefined, next: P, resolutionMs: number): Pair<P> {
  const age = next.timestamp - next.startTime;
  if (next.startTime < next.timestamp && age < resolutionMs && age >= FRESH_MIN_MS) {
    // Started within the last scrape period: its start is a point with a zero counter.
    return { last: next, prev: { ...next, timestamp: next.startTime, cumulativeCpuUsed: 0 } };
  }
  if (stored && next.startTime < stored.last.timestamp) {
    // Not restarted since the stored point.
    if (next.timestamp > stored.last.timestamp) return { last: next, prev: stored.last };
    if (stored.prev && stored.prev.timestamp < next.timestamp) return { last: next, prev: stored.prev };
  }
  return { last: next };
}

/** A pod's containers' rates, and the time info of the earliest of them. */
export interface PodUsage { containers: { name: string; usage: Usage }[]; timestamp: number; windowMs: number }

export class MetricsStorage {
  private nodes = new Map<string, Pair<MetricsPoint>>();
  private pods = new Map<string, Map<string, Pair<ContainerMetricsPoint>>>();

  constructor(private readonly resolutionMs: number) {}

  private static podKey(namespace: string, name: string): string { return `${namespace}/${name}`; }

  /**
   * Store one scrape round: every node's batch together. Nodes and pods missing from the round are
   * forgotten (gone, or their kubelet did not answer), as metrics-server replaces its maps each round.
   */
  store(batches: MetricsBatch[]): void {
    const nodes = new Map<string, Pair<MetricsPoint>>();
    const pods = new Map<string, Map<string, Pair<ContainerMetricsPoint>>>();
    for (const b of batches) {
      if (b.node) nodes.set(b.node.name, advance(this.nodes.get(b.node.name), b.node.point, this.resolutionMs));
      for (const p of b.pods) {
        const key = MetricsStorage.podKey(p.namespace, p.name);
        if (pods.has(key)) continue; // a duplicate pod point: keep the first
        const old = this.pods.get(key);
        const cs = new Map<string, Pair<ContainerMetricsPoint>>();
        for (const c of p.containers) {
          if (cs.has(c.name)) continue;
          cs.set(c.name, advance(old?.get(c.name), c, this.resolutionMs));
        }
        pods.set(key, cs);
      }
    }
    this.nodes = nodes;
    this.pods = pods;
  }

  /** A node's usage, or undefined until it has two points. */
  nodeUsage(name: string): Usage | undefined {
    const pair = this.nodes.get(name);
    return pair?.prev ? resourceUsage(pair.last, pair.prev) : undefined;
  }

  /** A pod's containers' usage, or undefined unless every container has a rate. */
  podUsage(namespace: string, name: string): PodUsage | undefined {
    const cs = this.pods.get(MetricsStorage.podKey(namespace, name));
    if (!cs?.size) return undefined;
    const out: PodUsage = { containers: [], timestamp: 0, windowMs: 0 };
    for (const [cname, pair] of cs) {
      if (!pair.prev) return undefined;
      const u = resourceUsage(pair.last, pair.prev);
      if (!u) continue; // a container whose counter misbehaved is skipped, as upstream does
      out.containers.push({ name: cname, usage: u });
      if (!out.timestamp || u.timestamp < out.timestamp) { out.timestamp = u.timestamp; out.windowMs = u.windowMs; }
    }
    return out.containers.length ? out : undefined;
  }
}
