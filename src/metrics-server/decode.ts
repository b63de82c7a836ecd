/**
 * @module metrics-server/decode
 * A kubelet's `/stats/summary` (Summary API v1alpha1) as a MetricsBatch, the way metrics-server's
 * summary decoder reads it: the node's and every container's cumulative CPU (usageCoreNanoSeconds)
 * and working set, stamped with the CPU sample's time. A node or container missing either value
 * or a time is left out (it cannot give a rate), rather than reported as zero.
 */
import type { ContainerMetricsPoint, MetricsBatch, MetricsPoint, PodMetricsPoint } from './types.js';

function ms(t: unknown): number | undefined {
  if (typeof t !== 'string' || !t) return undefined;
  const v = Date.parse(t);
  return Number.isFinite(v) ? v : undefined;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A node's or container's point from its summary stats, or undefined when something is missing. */
function pointOf(s: any, fallbackStart?: number): MetricsPoint | undefined {
  const cpu = s?.cpu, mem = s?.memory;
  if (!isCount(cpu?.usageCoreNanoSeconds) || !isCount(mem?.workingSetBytes)) return undefined;
  const timestamp = ms(cpu.time) ?? ms(mem.time);
  if (timestamp === undefined) return undefined;
  const startTime = ms(s.startTime) ?? fallbackStart ?? timestamp;
  return { startTime, timestamp, cumulativeCpuUsed: cpu.usageCoreNanoSeconds, memoryUsage: mem.workingSetBytes };
}

/** Decode one summary. Pods keep only the containers that have complete points. */
export function decodeSummary(summary: any): MetricsBatch {
  const out: MetricsBatch = { pods: [] };
  const name = summary?.node?.nodeName;
  if (typeof name === 'string' && name) {
    const point = pointOf(summary.node);
    if (point) out.node = { name, point };
  }
  for (const p of Array.isArray(summary?.pods) ? summary.pods : []) {
    const ref = p?.podRef;
    if (!ref?.name || !ref?.namespace) continue;
    const pod: PodMetricsPoint = { namespace: ref.namespace, name: ref.name, containers: [] };
    const seen = new Set<string>();
    for (const c of Array.isArray(p.containers) ? p.containers : []) {
      if (typeof c?.name !== 'string' || seen.has(c.name)) continue;
      const point = pointOf(c, ms(p.startTime));
      if (!point) continue;
      seen.add(c.name);
      pod.containers.push({ name: c.name, ...point } as ContainerMetricsPoint);
    }
    if (pod.containers.length) out.pods.push(pod);
  }
  return out;
}
