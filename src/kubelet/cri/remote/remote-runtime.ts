/**
 * @module kubelet/cri/remote/remote-runtime
 * The kubelet's client of a CRI v1 runtime (containerd) over gRPC on a unix socket, as upstream's
 * `remoteRuntimeService` / `remoteImageService`: one channel shared by RuntimeService and
 * ImageService, a deadline on every call (longer for pulls and for stops, which wait out the grace
 * period), and every failure turned into a `CriError` that keeps the runtime's message.
 */
import * as grpc from '@grpc/grpc-js';
import type {
  AttachRequest, AuthConfig, Container, ContainerConfig, ContainerFilter, ContainerStats, ContainerStatus,
  ExecRequest, ExecSyncResponse, Image, ImageSpec, PodSandbox, PodSandboxConfig, PodSandboxFilter,
  PodSandboxStatus, PortForwardRequest, Runtime, RuntimeStatus, VersionResponse,
} from '../api.js';
import { CriCode, CriError } from '../api.js';
import {
  fromWireContainer, fromWireContainerStats, fromWireContainerStatus, fromWireImage, fromWireSandbox,
  fromWireSandboxStatus, toWireContainerConfig, toWireSandboxConfig, wireUInt64, type Wire,
} from './convert.js';
import { toCriError } from './errors.js';
import { loadCriServices } from './proto.js';

/** The CRI API version the kubelet announces in Version, as upstream's kubelet does. */
export const CRI_API_VERSION = 'v1';

export interface RemoteRuntimeOptions {
  /** Deadline of ordinary calls (ms). Upstream's kubelet uses --runtime-request-timeout (2 min) for all; a node agent that must notice a wedged runtime wants less. */
  requestTimeoutMs?: number;
  /** Deadline of PullImage (ms). */
  pullTimeoutMs?: number;
  /** Largest message accepted, as the kubelet's maxMsgSize (16 MiB). */
  maxMessageBytes?: number;
}

type Call = (req: Wire, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: Wire) => void) => void;

/** A Runtime backed by a CRI v1 gRPC server such as containerd. */
export class RemoteRuntime implements Runtime {
  private readonly runtimeClient: grpc.Client;
  private readonly imageClient: grpc.Client;
  private readonly requestTimeoutMs: number;
  private readonly pullTimeoutMs: number;
  /** ContainerStatus and ContainerStats do not name the sandbox; remember it from create and list. */
  private readonly sandboxOf = new Map<string, string>();

  constructor(readonly endpoint: string, opts: RemoteRuntimeOptions = {}) {
    const { RuntimeService, ImageService } = loadCriServices();
    const max = opts.maxMessageBytes ?? 16 * 1024 * 1024;
    const channelOptions = { 'grpc.max_receive_message_length': max, 'grpc.max_send_message_length': max };
    this.runtimeClient = new RuntimeService(endpoint, grpc.credentials.createInsecure(), channelOptions);
    this.imageClient = new ImageService(endpoint, grpc.credentials.createInsecure(), { ...channelOptions, channelOverride: this.runtimeClient.getChannel() });
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.pullTimeoutMs = opts.pullTimeoutMs ?? 120_000;
  }

  private call(client: grpc.Client, method: string, req: Wire, timeoutMs = this.requestTimeoutMs): Promise<Wire> {
    const fn = (client as unknown as Record<string, Call>)[method];
    return new Promise((resolve, reject) => {
      const opts: grpc.CallOptions = Number.isFinite(timeoutMs) ? { deadline: Date.now() + timeoutMs } : {};
      fn.call(client, req, opts, (err, res) => (err ? reject(toCriError(err)) : resolve(res)));
    });
  }
  private rt(method: string, req: Wire = {}, timeoutMs?: number): Promise<Wire> { return this.call(this.runtimeClient, method, req, timeoutMs); }
  private img(method: string, req: Wire = {}, timeoutMs?: number): Promise<Wire> { return this.call(this.imageClient, method, req, timeoutMs); }

  // ---- RuntimeService ----

  async version(): Promise<VersionResponse> {
    const r = await this.rt('Version', { version: CRI_API_VERSION });
    return { version: r.version, runtimeName: r.runtimeName, runtimeVersion: r.runtimeVersion, runtimeApiVersion: r.runtimeApiVersion };
  }

  async status(): Promise<RuntimeStatus> {
    const r = await this.rt('Status', { verbose: false });
    return { conditions: (r.status?.conditions ?? []).map((c: Wire) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })) };
  }

  /** Sandbox creation includes CNI setup and, the first time, unpacking the pause image: give it the pull deadline. */
  async runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string> {
    const r = await this.rt('RunPodSandbox', { config: toWireSandboxConfig(config), runtimeHandler: runtimeHandler ?? '' }, this.pullTimeoutMs);
    return r.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> { await this.rt('StopPodSandbox', { podSandboxId }, this.pullTimeoutMs); }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.rt('RemovePodSandbox', { podSandboxId }, this.pullTimeoutMs);
    for (const [c, s] of this.sandboxOf) if (s === podSandboxId) this.sandboxOf.delete(c);
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const r = await this.rt('PodSandboxStatus', { podSandboxId, verbose: false });
    if (!r.status) throw new CriError(CriCode.NOT_FOUND, `rpc error: code = NotFound desc = an error occurred when try to find sandbox "${podSandboxId}": not found`);
    return fromWireSandboxStatus(r.status);
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const f = filter && { id: filter.id ?? '', state: filter.state ? { state: filter.state } : undefined, labelSelector: filter.labelSelector ?? {} };
    const r = await this.rt('ListPodSandbox', { filter: f });
    return (r.items ?? []).map(fromWireSandbox);
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const r = await this.rt('CreateContainer', { podSandboxId, config: toWireContainerConfig(config), sandboxConfig: toWireSandboxConfig(sandboxConfig) }, 4 * this.requestTimeoutMs);
    this.sandboxOf.set(r.containerId, podSandboxId);
    return r.containerId;
  }

  async startContainer(containerId: string): Promise<void> { await this.rt('StartContainer', { containerId }, 4 * this.requestTimeoutMs); }

  /** The deadline covers the grace period on top of the ordinary timeout, as upstream's kubelet computes it. */
  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    await this.rt('StopContainer', { containerId, timeout: timeoutSeconds }, this.requestTimeoutMs + timeoutSeconds * 1000);
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.rt('RemoveContainer', { containerId }, 4 * this.requestTimeoutMs);
    this.sandboxOf.delete(containerId);
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    const f = filter && { id: filter.id ?? '', state: filter.state ? { state: filter.state } : undefined, podSandboxId: filter.podSandboxId ?? '', labelSelector: filter.labelSelector ?? {} };
    const r = await this.rt('ListContainers', { filter: f });
    const list = (r.containers ?? []).map(fromWireContainer);
    for (const c of list) this.sandboxOf.set(c.id, c.podSandboxId);
    return list;
  }

  private async sandboxIdOf(containerId: string): Promise<string> {
    const known = this.sandboxOf.get(containerId);
    if (known !== undefined) return known;
    const [c] = await this.listContainers({ id: containerId });
    return c?.podSandboxId ?? '';
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const r = await this.rt('ContainerStatus', { containerId, verbose: false });
    if (!r.status) throw new CriError(CriCode.NOT_FOUND, `rpc error: code = NotFound desc = an error occurred when try to find container "${containerId}": not found`);
    return fromWireContainerStatus(r.status, await this.sandboxIdOf(containerId));
  }

  /** A timeout of 0 means "run forever" in CRI; otherwise the deadline is the command's timeout plus the ordinary one. */
  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    const deadline = timeoutSeconds > 0 ? timeoutSeconds * 1000 + this.requestTimeoutMs : Infinity;
    const r = await this.rt('ExecSync', { containerId, cmd, timeout: timeoutSeconds }, deadline);
    return { stdout: Buffer.from(r.stdout ?? []), stderr: Buffer.from(r.stderr ?? []), exitCode: r.exitCode ?? 0 };
  }

  async exec(req: ExecRequest): Promise<{ url: string }> {
    const r = await this.rt('Exec', { containerId: req.containerId, cmd: req.cmd, tty: req.tty, stdin: req.stdin, stdout: req.stdout, stderr: req.stderr });
    return { url: r.url };
  }

  async attach(req: AttachRequest): Promise<{ url: string }> {
    const r = await this.rt('Attach', { containerId: req.containerId, tty: req.tty, stdin: req.stdin, stdout: req.stdout, stderr: req.stderr });
    return { url: r.url };
  }

  async portForward(req: PortForwardRequest): Promise<{ url: string }> {
    const r = await this.rt('PortForward', { podSandboxId: req.podSandboxId, port: req.port });
    return { url: r.url };
  }

  async listContainerStats(filter?: { id?: string; podSandboxId?: string }): Promise<ContainerStats[]> {
    const r = await this.rt('ListContainerStats', { filter: filter && { id: filter.id ?? '', podSandboxId: filter.podSandboxId ?? '', labelSelector: {} } });
    const stats: Wire[] = r.stats ?? [];
    // One list fills in the sandboxes of containers this client has not seen (e.g. after a restart).
    if (!filter?.podSandboxId && stats.some((s) => !this.sandboxOf.has(s.attributes?.id))) await this.listContainers();
    return stats.map((s) => fromWireContainerStats(s, filter?.podSandboxId ?? this.sandboxOf.get(s.attributes?.id) ?? ''));
  }

  // ---- ImageService ----

  async listImages(filter?: { image?: ImageSpec }): Promise<Image[]> {
    const r = await this.img('ListImages', { filter: filter?.image ? { image: { image: filter.image.image, annotations: filter.image.annotations ?? {} } } : undefined });
    return (r.images ?? []).map(fromWireImage);
  }

  async imageStatus(image: ImageSpec): Promise<Image | undefined> {
    const r = await this.img('ImageStatus', { image: { image: image.image, annotations: image.annotations ?? {} }, verbose: false });
    return r.image && r.image.id ? fromWireImage(r.image) : undefined;
  }

  async pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig): Promise<string> {
    const r = await this.img('PullImage', {
      image: { image: image.image, annotations: image.annotations ?? {} },
      auth,
      sandboxConfig: sandboxConfig && toWireSandboxConfig(sandboxConfig),
    }, this.pullTimeoutMs);
    return r.imageRef;
  }

  async removeImage(image: ImageSpec): Promise<void> {
    await this.img('RemoveImage', { image: { image: image.image, annotations: image.annotations ?? {} } }, 4 * this.requestTimeoutMs);
  }

  async imageFsInfo(): Promise<{ mountpoint: string; usedBytes: number; inodesUsed: number }[]> {
    const r = await this.img('ImageFsInfo', {});
    return (r.imageFilesystems ?? []).map((f: Wire) => ({ mountpoint: f.fsId?.mountpoint ?? '', usedBytes: wireUInt64(f.usedBytes) ?? 0, inodesUsed: wireUInt64(f.inodesUsed) ?? 0 }));
  }

  async close(): Promise<void> {
    this.imageClient.close();
    this.runtimeClient.close();
  }
}

/** A RemoteRuntime for `unix:///path/to/containerd.sock` (a bare path is taken as a unix socket). */
export function newRemoteRuntime(endpoint: string, opts?: RemoteRuntimeOptions): RemoteRuntime {
  const target = endpoint.startsWith('/') ? `unix://${endpoint}` : endpoint;
  return new RemoteRuntime(target, opts);
}
