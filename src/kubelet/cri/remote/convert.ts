/**
 * @module kubelet/cri/remote/convert
 * Translation between CRI v1's wire messages (as @grpc/proto-loader decodes them: camelCase,
 * int64 as Number, enums as names) and the kubelet's CRI shapes in `cri/api.ts`. The one real
 * change is time: CRI sends nanoseconds since the epoch, the kubelet works in milliseconds.
 */
import type {
  Container, ContainerConfig, ContainerStats, ContainerStatus, Image, Mount, PodSandbox,
  PodSandboxConfig, PodSandboxStatus,
} from '../api.js';

/** A decoded protobuf message: loosely typed, because proto-loader gives plain objects. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Wire = any;

/** CRI nanoseconds -> milliseconds (0 stays 0: "not set"). */
export const nsToMs = (ns: number | undefined): number => (ns ? Math.floor(ns / 1e6) : 0);

const u64 = (v: Wire): number | undefined => (v && typeof v.value === 'number' ? v.value : undefined);

/** A PodSandboxConfig as CRI wants it: defaults for what the kubelet left out. */
export function toWireSandboxConfig(c: PodSandboxConfig): Wire {
  const sc = c.linux?.securityContext;
  return {
    metadata: c.metadata,
    hostname: c.hostname ?? '',
    logDirectory: c.logDirectory ?? '',
    dnsConfig: c.dnsConfig,
    portMappings: (c.portMappings ?? []).map((p) => ({ protocol: p.protocol, containerPort: p.containerPort, hostPort: p.hostPort ?? 0, hostIp: p.hostIp ?? '' })),
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
    linux: c.linux && {
      cgroupParent: c.linux.cgroupParent ?? '',
      sysctls: c.linux.sysctls ?? {},
      securityContext: sc && {
        namespaceOptions: sc.namespaceOptions,
        privileged: sc.privileged ?? false,
        readonlyRootfs: sc.readonlyRootfs ?? false,
        runAsUser: sc.runAsUser === undefined ? undefined : { value: sc.runAsUser },
      },
    },
  };
}

function toWireMount(m: Mount): Wire {
  return { containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly ?? false, selinuxRelabel: m.selinuxRelabel ?? false, propagation: m.propagation ?? 'PROPAGATION_PRIVATE' };
}

export function toWireContainerConfig(c: ContainerConfig): Wire {
  const sc = c.linux?.securityContext;
  return {
    metadata: c.metadata,
    image: { image: c.image.image, annotations: c.image.annotations ?? {} },
    command: c.command ?? [],
    args: c.args ?? [],
    workingDir: c.workingDir ?? '',
    envs: c.envs ?? [],
    mounts: (c.mounts ?? []).map(toWireMount),
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
    logPath: c.logPath ?? '',
    stdin: c.stdin ?? false,
    stdinOnce: c.stdinOnce ?? false,
    tty: c.tty ?? false,
    linux: c.linux && {
      resources: c.linux.resources,
      securityContext: sc && {
        capabilities: sc.capabilities,
        privileged: sc.privileged ?? false,
        namespaceOptions: sc.namespaceOptions,
        runAsUser: sc.runAsUser === undefined ? undefined : { value: sc.runAsUser },
        runAsGroup: sc.runAsGroup === undefined ? undefined : { value: sc.runAsGroup },
        readonlyRootfs: sc.readonlyRootfs ?? false,
        noNewPrivs: sc.noNewPrivs ?? false,
      },
    },
  };
}

export function fromWireSandbox(s: Wire): PodSandbox {
  return {
    id: s.id,
    metadata: s.metadata ?? { name: '', uid: '', namespace: '', attempt: 0 },
    state: s.state,
    createdAtMs: nsToMs(s.createdAt),
    labels: s.labels ?? {},
    annotations: s.annotations ?? {},
    runtimeHandler: s.runtimeHandler || undefined,
  };
}

export function fromWireSandboxStatus(s: Wire): PodSandboxStatus {
  const ip: string = s.network?.ip ?? '';
  return {
    ...fromWireSandbox(s),
    network: ip ? { ip, additionalIps: (s.network.additionalIps ?? []).map((p: Wire) => p.ip) } : undefined,
    linux: s.linux?.namespaces ? { namespaces: { options: s.linux.namespaces.options ?? undefined } } : undefined,
  };
}

export function fromWireContainer(c: Wire): Container {
  return {
    id: c.id,
    podSandboxId: c.podSandboxId,
    metadata: c.metadata ?? { name: '', attempt: 0 },
    image: { image: c.image?.image ?? '', annotations: c.image?.annotations ?? {} },
    imageRef: c.imageRef || c.imageId || '',
    state: c.state,
    createdAtMs: nsToMs(c.createdAt),
    labels: c.labels ?? {},
    annotations: c.annotations ?? {},
  };
}

/** ContainerStatus does not carry its sandbox id on the wire; the caller supplies it from the labels or a list. */
export function fromWireContainerStatus(c: Wire, podSandboxId: string): ContainerStatus {
  const startedAtMs = nsToMs(c.startedAt);
  const finishedAtMs = nsToMs(c.finishedAt);
  return {
    ...fromWireContainer({ ...c, podSandboxId }),
    startedAtMs,
    // containerd stamps startedAt after its Start call returns, but the exit time comes from the shim:
    // a process that exits at once can "finish" before it "started". Pod status must not say so.
    finishedAtMs: finishedAtMs && startedAtMs ? Math.max(finishedAtMs, startedAtMs) : finishedAtMs,
    exitCode: c.exitCode ?? 0,
    reason: c.reason ?? '',
    message: c.message ?? '',
    mounts: (c.mounts ?? []).map((m: Wire) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readonly, selinuxRelabel: m.selinuxRelabel, propagation: m.propagation })),
    logPath: c.logPath ?? '',
  };
}

export function fromWireImage(i: Wire): Image {
  return { id: i.id, repoTags: i.repoTags ?? [], repoDigests: i.repoDigests ?? [], size: i.size ?? 0 };
}

/** Stats name the container but not its sandbox; the caller supplies that. */
export function fromWireContainerStats(s: Wire, podSandboxId: string): ContainerStats {
  return {
    id: s.attributes?.id ?? '',
    name: s.attributes?.metadata?.name ?? '',
    podSandboxId,
    timestampMs: nsToMs(s.cpu?.timestamp || s.memory?.timestamp),
    cpuUsageCoreNanoSeconds: u64(s.cpu?.usageCoreNanoSeconds),
    memoryWorkingSetBytes: u64(s.memory?.workingSetBytes),
  };
}

export { u64 as wireUInt64 };
