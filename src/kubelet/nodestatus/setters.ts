/**
 * @module kubelet/nodestatus/setters
 * The parts of a Node's status the kubelet owns, as upstream's pkg/kubelet/nodestatus/setters.go:
 * capacity and allocatable from the machine (cpu, memory, pods=110, ephemeral-storage; allocatable
 * less the default hard eviction thresholds memory.available<100Mi and nodefs.available<10%),
 * addresses (InternalIP, Hostname), nodeInfo, daemonEndpoints, and the conditions MemoryPressure,
 * DiskPressure, PIDPressure and Ready (from the container runtime's status). A condition's
 * lastTransitionTime moves only when its status does; lastHeartbeatTime on every post.
 */
import type { MachineInfo } from './machine.js';
import type { RuntimeStatus } from '../cri/api.js';

export const MAX_PODS = 110;
const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;

export interface NodeStatusInputs {
  machine: MachineInfo;
  nodeName: string;
  nodeIP: string;
  kubeletPort: number;
  kubeletVersion: string;
  /** `<runtimeName>://<version>`, e.g. `containerd://1.6.20`. */
  containerRuntimeVersion: string;
  /** The runtime's status; undefined when it could not be reached. */
  runtimeStatus?: RuntimeStatus;
  runtimeError?: string;
}

const ki = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;

export function capacity(m: MachineInfo): Record<string, string> {
  return { cpu: String(m.numCores), memory: ki(m.memoryBytes), pods: String(MAX_PODS), 'ephemeral-storage': ki(m.fsBytes), 'hugepages-1Gi': '0', 'hugepages-2Mi': '0' };
}

export function allocatable(m: MachineInfo): Record<string, string> {
  return { ...capacity(m), memory: ki(Math.max(0, m.memoryBytes - EVICTION_MEMORY_BYTES)), 'ephemeral-storage': String(Math.floor(m.fsBytes * 0.9)) };
}

/** Ready from the runtime: upstream's KubeletNotReady messages name the failing runtime condition. */
export function readyCondition(i: NodeStatusInputs): { status: 'True' | 'False'; reason: string; message: string } {
  if (!i.runtimeStatus) return { status: 'False', reason: 'KubeletNotReady', message: `container runtime is down: ${i.runtimeError ?? 'no status'}` };
  const errs: string[] = [];
  for (const type of ['RuntimeReady', 'NetworkReady']) {
    const c = i.runtimeStatus.conditions.find((x) => x.type === type);
    if (!c || !c.status) {
      const what = type === 'RuntimeReady' ? 'container runtime not ready' : 'container runtime network not ready';
      errs.push(`${what}: ${type}=false reason:${c?.reason ?? ''} message:${c?.message ?? ''}`);
    }
  }
  if (errs.length) return { status: 'False', reason: 'KubeletNotReady', message: errs.join(',') };
  return { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };
}

/** The status the kubelet wants, with times carried from `previous` where the condition is unchanged. */
export function nodeStatus(i: NodeStatusInputs, previous: any | undefined, now: string): any {
  const ready = readyCondition(i);
  const want = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', ...ready },
  ];
  const prevConds: any[] = previous?.conditions ?? [];
  const conditions = want.map((c) => {
    const old = prevConds.find((p) => p.type === c.type);
    return { ...c, lastHeartbeatTime: now, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now };
  });
  const m = i.machine;
  return {
    capacity: capacity(m),
    allocatable: allocatable(m),
    conditions,
    addresses: [{ type: 'InternalIP', address: i.nodeIP }, { type: 'Hostname', address: i.nodeName }],
    daemonEndpoints: { kubeletEndpoint: { Port: i.kubeletPort } },
    nodeInfo: {
      machineID: m.machineID, systemUUID: m.systemUUID, bootID: m.bootID, kernelVersion: m.kernelVersion, osImage: m.osImage,
      containerRuntimeVersion: i.containerRuntimeVersion, kubeletVersion: i.kubeletVersion, kubeProxyVersion: '',
      operatingSystem: 'linux', architecture: m.architecture,
    },
    // images and volumesInUse would go here; images are listed by the image manager in a later step.
  };
}

/** The node status with the heartbeat times blanked: what decides whether a post is a change. */
export function withoutHeartbeat(status: any): any {
  return { ...status, conditions: (status?.conditions ?? []).map((c: any) => ({ ...c, lastHeartbeatTime: undefined })) };
}
