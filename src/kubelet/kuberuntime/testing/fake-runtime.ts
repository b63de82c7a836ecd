/**
 * @module kubelet/kuberuntime/testing/fake-runtime
 * A tiny in-memory CRI runtime for the runtime manager's unit tests (until the simulated runtime
 * lands): sandboxes get IPs, containers move created -> running -> exited when the test says so,
 * images pull or fail as scripted, and every call is recorded so tests can assert the order.
 */
import { CriCode, CriError, type Container, type ContainerConfig, type ContainerFilter, type ContainerStatus, type ExecSyncResponse, type Image,
  type ImageSpec, type PodSandbox, type PodSandboxConfig, type PodSandboxFilter, type PodSandboxStatus, type Runtime } from '../../cri/api.js';

interface FakeContainer { status: ContainerStatus; config: ContainerConfig }
interface FakeSandbox { status: PodSandboxStatus; config: PodSandboxConfig }

const matches = (labels: Record<string, string>, sel?: Record<string, string>) => !sel || Object.entries(sel).every(([k, v]) => labels[k] === v);

export class FakeRuntime implements Runtime {
  readonly calls: string[] = [];
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Map<string, Image>();
  /** image -> error message for pulls that fail. */
  readonly pullErrors = new Map<string, string>();
  /** Exit code a container gets when it is stopped (137 = SIGKILL by default for those that ignore TERM). */
  stopExitCode = 0;
  /** Exec behaviour for hooks. */
  execHandler: (id: string, cmd: string[]) => ExecSyncResponse = () => ({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 });
  /** Stop timeouts the runtime was asked for, per container id. */
  readonly stopTimeouts = new Map<string, number>();
  private seq = 0;
  private ipSeq = 2;

  constructor(public now: () => number = Date.now) {}

  private id(prefix: string) { return `${prefix}${(++this.seq).toString(16).padStart(8, '0')}`; }
  private nf(what: string, id: string): never { throw new CriError(CriCode.NOT_FOUND, `${what} "${id}" not found`); }

  async version() { return { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '0', runtimeApiVersion: 'v1' }; }
  async status() { return { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }] }; }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const id = this.id('sb');
    this.calls.push(`runPodSandbox ${config.metadata.name} ${config.metadata.attempt}`);
    const hostNet = config.linux?.securityContext?.namespaceOptions?.network === 'NODE';
    this.sandboxes.set(id, {
      config,
      status: {
        id, metadata: config.metadata, state: 'SANDBOX_READY', createdAtMs: this.now() + this.seq / 1000, labels: config.labels ?? {}, annotations: config.annotations ?? {},
        network: hostNet ? undefined : { ip: `10.88.0.${this.ipSeq++}` }, linux: { namespaces: { options: config.linux?.securityContext?.namespaceOptions } },
      },
    });
    return id;
  }
  async stopPodSandbox(id: string) {
    const s = this.sandboxes.get(id) ?? this.nf('sandbox', id);
    this.calls.push(`stopPodSandbox ${id}`);
    for (const c of this.containers.values()) if (c.status.podSandboxId === id && c.status.state === 'CONTAINER_RUNNING') this.exit(c.status.id, 137);
    s.status.state = 'SANDBOX_NOTREADY';
  }
  async removePodSandbox(id: string) { this.calls.push(`removePodSandbox ${id}`); this.sandboxes.delete(id); }
  async podSandboxStatus(id: string) { return structuredClone((this.sandboxes.get(id) ?? this.nf('sandbox', id)).status); }
  async listPodSandbox(f?: PodSandboxFilter): Promise<PodSandbox[]> {
    return [...this.sandboxes.values()].map((s) => s.status).filter((s) => (!f?.id || s.id === f.id) && (!f?.state || s.state === f.state) && matches(s.labels, f?.labelSelector)).map((s) => structuredClone(s));
  }

  async createContainer(podSandboxId: string, config: ContainerConfig): Promise<string> {
    const sb = this.sandboxes.get(podSandboxId) ?? this.nf('sandbox', podSandboxId);
    const id = this.id('c');
    this.calls.push(`createContainer ${config.metadata.name} ${config.metadata.attempt}`);
    this.containers.set(id, {
      config,
      status: {
        id, podSandboxId, metadata: config.metadata, image: config.image, imageRef: config.image.image, state: 'CONTAINER_CREATED',
        createdAtMs: this.now() + this.seq / 1000, labels: config.labels ?? {}, annotations: config.annotations ?? {},
        startedAtMs: 0, finishedAtMs: 0, exitCode: 0, reason: '', message: '', mounts: config.mounts ?? [],
        logPath: `${sb.config.logDirectory}/${config.logPath}`,
      },
    });
    return id;
  }
  async startContainer(id: string) {
    const c = this.containers.get(id) ?? this.nf('container', id);
    this.calls.push(`startContainer ${c.config.metadata.name}`);
    c.status.state = 'CONTAINER_RUNNING';
    c.status.startedAtMs = this.now();
  }
  /** The test's hand: the container's process exits. */
  exit(id: string, code: number, reason?: string) {
    const c = this.containers.get(id) ?? this.nf('container', id);
    c.status.state = 'CONTAINER_EXITED';
    c.status.exitCode = code;
    c.status.reason = reason ?? (code === 0 ? 'Completed' : 'Error');
    c.status.finishedAtMs = this.now();
  }
  async stopContainer(id: string, timeoutSeconds: number) {
    const c = this.containers.get(id) ?? this.nf('container', id);
    this.calls.push(`stopContainer ${c.config.metadata.name} ${timeoutSeconds}`);
    this.stopTimeouts.set(id, timeoutSeconds);
    if (c.status.state === 'CONTAINER_RUNNING' || c.status.state === 'CONTAINER_CREATED') this.exit(id, this.stopExitCode);
  }
  async removeContainer(id: string) { this.calls.push(`removeContainer ${id}`); this.containers.delete(id); }
  async listContainers(f?: ContainerFilter): Promise<Container[]> {
    return [...this.containers.values()].map((c) => c.status)
      .filter((c) => (!f?.id || c.id === f.id) && (!f?.state || c.state === f.state) && (!f?.podSandboxId || c.podSandboxId === f.podSandboxId) && matches(c.labels, f?.labelSelector))
      .map((c) => structuredClone(c));
  }
  async containerStatus(id: string) { return structuredClone((this.containers.get(id) ?? this.nf('container', id)).status); }
  async execSync(id: string, cmd: string[]) { this.calls.push(`execSync ${cmd.join(' ')}`); return this.execHandler(id, cmd); }
  async exec(): Promise<{ url: string }> { throw new CriError(CriCode.UNIMPLEMENTED, 'exec'); }
  async attach(): Promise<{ url: string }> { throw new CriError(CriCode.UNIMPLEMENTED, 'attach'); }
  async portForward(): Promise<{ url: string }> { throw new CriError(CriCode.UNIMPLEMENTED, 'portForward'); }
  async listContainerStats() { return []; }
  async close() {}

  async listImages() { return [...this.images.values()]; }
  async imageStatus(spec: ImageSpec) { return this.images.get(spec.image); }
  async pullImage(spec: ImageSpec): Promise<string> {
    this.calls.push(`pullImage ${spec.image}`);
    const err = this.pullErrors.get(spec.image);
    if (err) throw new CriError(CriCode.UNKNOWN, err);
    const img = { id: `sha256:${Buffer.from(spec.image).toString('hex').padEnd(64, '0').slice(0, 64)}`, repoTags: [spec.image], repoDigests: [], size: 1 };
    this.images.set(spec.image, img);
    return img.id;
  }
  async removeImage(spec: ImageSpec) { this.images.delete(spec.image); }
  async imageFsInfo() { return []; }

  /** Newest container of a spec container name. */
  newest(name: string): ContainerStatus | undefined {
    return [...this.containers.values()].map((c) => c.status).filter((c) => c.metadata.name === name).sort((a, b) => b.createdAtMs - a.createdAtMs)[0];
  }
}
