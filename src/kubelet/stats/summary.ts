/**
 * @module kubelet/stats/summary
 * The kubelet's `/stats/summary` (upstream pkg/kubelet/server/stats, Summary API v1alpha1), which
 * metrics-server reads for `kubectl top`: node cpu and memory, and per pod its containers' cpu
 * (cumulative usageCoreNanoSeconds and the rate usageNanoCores between two samples) and memory
 * working set, from the runtime's ListContainerStats.
 */
import { freemem } from 'node:os';
import { readFileSync } from 'node:fs';
import type { RuntimeService } from '../cri/api.js';
import type { MachineInfo } from '../nodestatus/machine.js';

const POD_UID = 'io.kubernetes.pod.uid';
const CONTAINER_NAME = 'io.kubernetes.container.name';

/** Previous cumulative CPU samples, for rates (per container id, and the node). */
const samples = new Map<string, { t: number; v: number }>();

function rate(key: string, t: number, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const prev = samples.get(key);
  samples.set(key, { t, v });
  if (!prev || t <= prev.t || v < prev.v) return undefined;
  return Math.round(((v - prev.v) * 1000) / (t - prev.t)); // ns of CPU per ms -> nanocores
}

/** Node CPU time in nanoseconds from /proc/stat (user+nice+system+irq+softirq+steal). */
function nodeCpuNanos(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const busy = line[0] + line[1] + line[2] + line[5] + line[6] + line[7];
    return busy * 1e7; // USER_HZ = 100
  } catch { return undefined; }
}

/** When the machine booted (/proc/stat `btime`): the node's startTime, from which its cumulative CPU counts. */
function bootTime(): string | undefined {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return m ? new Date(Number(m[1]) * 1000).toISOString() : undefined;
  } catch { return undefined; }
}

export async function statsSummary(o: { runtime: RuntimeService; nodeName: string; rootDir: string; machine?: MachineInfo; pods: () => any[] }): Promise<any> {
  const t = Date.now();
  const time = new Date(t).toISOString();
  const stats = await o.runtime.listContainerStats().catch(() => []);
  const containers = await o.runtime.listContainers({ state: 'CONTAINER_RUNNING' }).catch(() => []);
  const byId = new Map(containers.map((c) => [c.id, c]));
  const pods = new Map<string, any>();
  for (const p of o.pods()) pods.set(p.metadata.uid, { podRef: { name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid }, startTime: p.status?.startTime, containers: [] as any[], cpu: { time, usageNanoCores: 0, usageCoreNanoSeconds: 0 }, memory: { time, workingSetBytes: 0 } });
  for (const s of stats) {
    const c = byId.get(s.id);
    if (!c) continue;
    const pod = pods.get(c.labels?.[POD_UID] ?? '');
    if (!pod) continue;
    const nanoCores = rate(s.id, s.timestampMs || t, s.cpuUsageCoreNanoSeconds);
    // Each sample carries the time it was read: metrics-server divides CPU deltas by these.
    const at = s.timestampMs ? new Date(s.timestampMs).toISOString() : time;
    const cs = { name: c.labels?.[CONTAINER_NAME] ?? c.metadata.name, startTime: new Date(c.createdAtMs).toISOString(),
      cpu: { time: at, usageNanoCores: nanoCores, usageCoreNanoSeconds: s.cpuUsageCoreNanoSeconds },
      memory: { time: at, workingSetBytes: s.memoryWorkingSetBytes } };
    pod.containers.push(cs);
    pod.cpu.usageNanoCores += nanoCores ?? 0;
    pod.cpu.usageCoreNanoSeconds += s.cpuUsageCoreNanoSeconds ?? 0;
    pod.memory.workingSetBytes += s.memoryWorkingSetBytes ?? 0;
  }
  const cpuNs = nodeCpuNanos();
  const mem = o.machine?.memoryBytes ?? 0;
  const used = mem ? mem - freemem() : undefined;
  return {
    node: {
      nodeName: o.nodeName, startTime: bootTime() ?? time,
      cpu: { time, usageNanoCores: rate('node', t, cpuNs), usageCoreNanoSeconds: cpuNs },
      memory: { time, availableBytes: mem ? freemem() : undefined, usageBytes: used, workingSetBytes: used },
    },
    pods: [...pods.values()],
  };
}
