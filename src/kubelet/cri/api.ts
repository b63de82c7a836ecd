/**
 * @module kubelet/cri/api
 * The Container Runtime Interface as the kubelet sees it: the shapes of CRI v1's RuntimeService
 * and ImageService (k8s.io/cri-api runtime/v1), in TypeScript with CRI's own field names in their
 * JSON (camelCase) spelling. Every runtime implements these two interfaces: containerd over CRI v1
 * gRPC (`cri/remote`), host processes (`cri/process`), and the simulated runtime for scale
 * (`cri/simulated`). The kubelet above this line never knows which one it drives; one contract
 * suite (`cri/testing/contract.ts`) runs against each.
 *
 * Conventions, as in CRI:
 * - ids are opaque strings the runtime returns; a missing id is a `CriError` with code NOT_FOUND;
 * - times are nanoseconds since the epoch, as bigint-free numbers of *nanoseconds* would overflow
 *   double precision, so this interface uses milliseconds (`...AtMs`) and converts at the gRPC edge;
 * - container logs are written by the runtime to `sandbox.logDirectory + '/' + container.logPath`
 *   in CRI's log format (`<RFC3339Nano> <stdout|stderr> <F|P> <text>\n`), which the kubelet reads;
 * - exec, attach and port-forward are answered with a URL on the runtime's streaming server, which
 *   speaks the Kubernetes streaming protocols (SPDY/3.1 and WebSocket channel.k8s.io); the kubelet
 *   proxies the client's upgraded connection to it.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface KeyValue { key: string; value: string }

export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt: number }

export interface PortMapping { protocol: Protocol; containerPort: number; hostPort?: number; hostIp?: string }

/** Namespace modes, as CRI's NamespaceMode: POD (shared in the sandbox), CONTAINER, NODE (the host's). */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE';

export interface NamespaceOption { network?: NamespaceMode; pid?: NamespaceMode; ipc?: NamespaceMode }

export interface LinuxPodSandboxConfig {
  cgroupParent?: string;
  securityContext?: { namespaceOptions?: NamespaceOption; privileged?: boolean; runAsUser?: number; readonlyRootfs?: boolean };
  sysctls?: Record<string, string>;
}

export interface DNSConfig { servers: string[]; searches: string[]; options: string[] }

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  /** Directory (absolute) under which container logs of this sandbox are written. */
  logDirectory?: string;
  dnsConfig?: DNSConfig;
  portMappings?: PortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: LinuxPodSandboxConfig;
}

export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAtMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler?: string;
}

export interface PodSandboxStatus extends PodSandbox {
  /** The pod's IP (from CNI) and any additional ones; empty for host-network sandboxes. */
  network?: { ip: string; additionalIps?: string[] };
  linux?: { namespaces?: { options?: NamespaceOption } };
}

export interface PodSandboxFilter { id?: string; state?: PodSandboxState; labelSelector?: Record<string, string> }

export interface ImageSpec { image: string; annotations?: Record<string, string> }

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}

export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
}

export interface LinuxContainerSecurityContext {
  capabilities?: { addCapabilities?: string[]; dropCapabilities?: string[] };
  privileged?: boolean;
  namespaceOptions?: NamespaceOption;
  runAsUser?: number;
  runAsGroup?: number;
  readonlyRootfs?: boolean;
  noNewPrivs?: boolean;
}

export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: ImageSpec;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Relative to the sandbox's logDirectory. */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: { resources?: LinuxContainerResources; securityContext?: LinuxContainerSecurityContext };
}

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: { name: string; attempt: number };
  image: ImageSpec;
  /** The image's id (digest) the container was created from. */
  imageRef: string;
  state: ContainerState;
  createdAtMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerStatus extends Container {
  startedAtMs: number;
  finishedAtMs: number;
  exitCode: number;
  /** CRI's reason: `Completed`, `Error`, `OOMKilled`, ... */
  reason: string;
  message: string;
  mounts: Mount[];
  /** Absolute path of the container's log file. */
  logPath: string;
}

export interface ContainerFilter { id?: string; state?: ContainerState; podSandboxId?: string; labelSelector?: Record<string, string> }

export interface ExecSyncResponse { stdout: Buffer; stderr: Buffer; exitCode: number }

export interface ExecRequest { containerId: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
export interface AttachRequest { containerId: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
export interface PortForwardRequest { podSandboxId: string; port: number[] }

export interface RuntimeCondition { type: 'RuntimeReady' | 'NetworkReady' | string; status: boolean; reason: string; message: string }
export interface RuntimeStatus { conditions: RuntimeCondition[] }

export interface VersionResponse { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }

export interface ContainerStats {
  id: string;
  name: string;
  podSandboxId: string;
  timestampMs: number;
  /** Cumulative CPU time in nanoseconds. */
  cpuUsageCoreNanoSeconds?: number;
  memoryWorkingSetBytes?: number;
}

export interface RuntimeService {
  version(): Promise<VersionResponse>;
  status(): Promise<RuntimeStatus>;

  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  stopPodSandbox(podSandboxId: string): Promise<void>;
  removePodSandbox(podSandboxId: string): Promise<void>;
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** Stop with a grace period: SIGTERM (or the image's stop signal), SIGKILL after `timeoutSeconds`. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  containerStatus(containerId: string): Promise<ContainerStatus>;

  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse>;
  exec(req: ExecRequest): Promise<{ url: string }>;
  attach(req: AttachRequest): Promise<{ url: string }>;
  portForward(req: PortForwardRequest): Promise<{ url: string }>;

  listContainerStats(filter?: { id?: string; podSandboxId?: string }): Promise<ContainerStats[]>;

  close(): Promise<void>;
}

export interface Image { id: string; repoTags: string[]; repoDigests: string[]; size: number }

export interface AuthConfig { username?: string; password?: string; auth?: string; serverAddress?: string; identityToken?: string; registryToken?: string }

export interface ImageService {
  listImages(filter?: { image?: ImageSpec }): Promise<Image[]>;
  /** undefined when the image is not present. */
  imageStatus(image: ImageSpec): Promise<Image | undefined>;
  /** Pull and return the image's reference (its id). Errors carry the registry's message. */
  pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string>;
  removeImage(image: ImageSpec): Promise<void>;
  imageFsInfo(): Promise<{ mountpoint: string; usedBytes: number; inodesUsed: number }[]>;
}

/** gRPC's status codes, which every runtime's errors carry (`code`) so the kubelet can tell NOT_FOUND apart. */
export const CriCode = { UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, FAILED_PRECONDITION: 9, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14 } as const;

export class CriError extends Error {
  constructor(readonly code: number, message: string) { super(message); this.name = 'CriError'; }
}

export const isNotFound = (e: unknown): boolean => e instanceof CriError && e.code === CriCode.NOT_FOUND;

/** A runtime is both services, as containerd is behind one socket. */
export interface Runtime extends RuntimeService, ImageService {}
