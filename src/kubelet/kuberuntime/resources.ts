/**
 * @module kubelet/kuberuntime/resources
 * A container's requests and limits as Linux cgroup settings (upstream's
 * generateLinuxContainerResources): the CPU request becomes cpu.shares (relative weight under
 * contention), the CPU limit a CFS quota per 100 ms period (a hard cap), the memory limit
 * memory.limit_in_bytes (exceeding it gets the container OOM-killed), plus the QoS oom_score_adj.
 */
import type { LinuxContainerResources } from '../cri/api.js';
import { parseQuantity } from '../../machinery/quantity.js';
import { containerOOMScoreAdjust } from './qos.js';

const MIN_SHARES = 2;
const MAX_SHARES = 262144;
const SHARES_PER_CPU = 1024;
const QUOTA_PERIOD = 100_000;
const MIN_QUOTA = 1000;

const milli = (v: unknown): number => (v === undefined || v === null ? 0 : parseQuantity(String(v)).milliValue());

/** cpu.shares for a CPU request in millicores: 1024 per core, at least 2 (upstream's MilliCPUToShares). */
export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU <= 0) return MIN_SHARES;
  const shares = Math.floor((milliCPU * SHARES_PER_CPU) / 1000);
  return Math.min(Math.max(shares, MIN_SHARES), MAX_SHARES);
}

/** The CFS quota (µs per period) for a CPU limit in millicores; 0 = no limit; at least 1 ms. */
export function milliCPUToQuota(milliCPU: number, period = QUOTA_PERIOD): number {
  if (milliCPU <= 0) return 0;
  return Math.max(Math.floor((milliCPU * period) / 1000), MIN_QUOTA);
}

/** The CRI linux resources of a container. */
export function linuxContainerResources(pod: any, container: any, memoryCapacityBytes: number): LinuxContainerResources {
  const req = container.resources?.requests ?? {}, lim = container.resources?.limits ?? {};
  const cpuReq = milli(req.cpu), cpuLim = milli(lim.cpu);
  // A limit without a request means the request equals the limit (the API defaults it so, too).
  const r: LinuxContainerResources = { cpuShares: milliCPUToShares(cpuReq === 0 && cpuLim > 0 ? cpuLim : cpuReq) };
  if (cpuLim > 0) { r.cpuQuota = milliCPUToQuota(cpuLim); r.cpuPeriod = QUOTA_PERIOD; }
  if (lim.memory !== undefined) {
    const bytes = parseQuantity(String(lim.memory)).value();
    if (bytes > 0) r.memoryLimitInBytes = bytes;
  }
  r.oomScoreAdj = containerOOMScoreAdjust(pod, container, memoryCapacityBytes);
  return r;
}
