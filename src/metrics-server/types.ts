/**
 * @module metrics-server/types
 * The resource-metrics model of metrics-server (sigs.k8s.io/metrics-server pkg/storage/types.go):
 * what one scrape of one kubelet yields — cumulative CPU and working-set memory per node and per
 * container, each stamped with when it was measured and since when it counts. Rates (the CPU a
 * `kubectl top` shows) come only from two such points, so these are kept raw.
 */

/** One measurement of a node or a container. */
export interface MetricsPoint {
  /** When the node booted / the container started (ms since the epoch): cumulative CPU is 0 there. */
  startTime: number;
  /** When the point was measured (ms since the epoch). */
  timestamp: number;
  /** CPU used since startTime, in core-nanoseconds (usageCoreNanoSeconds). */
  cumulativeCpuUsed: number;
  /** Working set, in bytes. */
  memoryUsage: number;
}

/** A container's point, named. */
export interface ContainerMetricsPoint extends MetricsPoint { name: string }

/** A pod's containers' points. */
export interface PodMetricsPoint { namespace: string; name: string; containers: ContainerMetricsPoint[] }

/** What one scrape of one node's kubelet gave. */
export interface MetricsBatch {
  node?: { name: string; point: MetricsPoint };
  pods: PodMetricsPoint[];
}

/** A usage over a window, ready for the API: cpu in nanocores, memory in bytes. */
export interface Usage {
  /** CPU rate in nanocores (cores × 10⁹). */
  cpuNanoCores: number;
  memoryBytes: number;
  /** The later point's time (ms) and the span between the two points (ms). */
  timestamp: number;
  windowMs: number;
}
