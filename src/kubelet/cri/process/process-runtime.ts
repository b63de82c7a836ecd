/**
 * @module kubelet/cri/process/process-runtime
 * The process runtime: CRI semantics on a machine with no root and no containerd. A container is a
 * host process; a pod sandbox is only a record. It exists so a node can run real workloads (logs,
 * exec probes, restarts, graceful stop) where containers cannot, and so the kubelet can be tested
 * end to end without root. It is honest about what it is not:
 *
 * - no isolation: processes see the host's filesystem, users, PIDs and network, and run as the
 *   agent's user (runAsUser is not applied). Every pod is on the node's network whatever its
 *   sandbox asked (the status echoes the asked namespace modes, as the kubelet compares them); its
 *   IP is loopback (127.0.0.1), container ports are host ports, so two pods on one port collide;
 * - images are names (see `images.ts`): pulling records the name; a table given in the options can
 *   say what an image's entrypoint/cmd/env/workingDir would be;
 * - mounts have no mount namespace to live in: each container gets a root directory, exported as
 *   `$SKIFF_CONTAINER_ROOT`, and a mount's containerPath is a symlink at `$SKIFF_CONTAINER_ROOT<containerPath>`
 *   to its hostPath. A command must prefix its paths with that variable to see its volumes; readonly
 *   is not enforced. Without a workingDir a container runs in that root dir, not in the host's `/`;
 * - resources are not enforced (no cgroups): memory limits never OOM-kill, CPU is not throttled;
 *   stats are summed from /proc over the container's process group;
 * - exec/attach/port-forward are served by the kubelet's streaming server, started on loopback on
 *   first use (`streaming.ts`); attach shows output only (a process container's stdin is /dev/null).
 *
 * What it keeps from CRI: ids, states (CREATED/RUNNING/EXITED), exit codes (128+signal) and reasons
 * (Completed/Error/StartError/Unknown), the CRI log file, SIGTERM then SIGKILL after the grace,
 * the whole process group stopped with its main process, execSync in the container's env and working
 * dir, and containers that survive the agent: state is checkpointed under `stateDir` and a new
 * ProcessRuntime on the same directory adopts the processes still alive. A process that died while
 * no agent watched reports the code its shim recorded, or, if even the shim was killed, exit code
 * 255 with reason `Unknown`, as containerd does for a task it lost.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CriCode, CriError,
  type AttachRequest, type Container, type ContainerConfig, type ContainerFilter, type ContainerStats, type ContainerStatus,
  type ExecRequest, type ExecSyncResponse, type Image, type ImageSpec, type PodSandbox, type PodSandboxConfig,
  type PodSandboxFilter, type PodSandboxStatus, type PortForwardRequest, type Runtime, type RuntimeStatus, type VersionResponse,
} from '../api.js';
import { containerMatches, sandboxMatches } from './filters.js';
import { checkNameFree, sandboxNamespaces, toPodSandbox } from './sandbox-records.js';
import { nameOnlyImage, normalizeImageRef, type ImageConfig } from './images.js';
import { ContainerProcesses, type ContainerProcessInfo, type StreamingProvider } from './container-processes.js';
import { BuiltinStreaming, processStreamingBackend } from './streaming.js';
import type { StreamingBackend } from '../../server/streaming-server.js';
import { StateFile, type ContainerRecord, type ProcessRuntimeState, type SandboxRecord } from './state.js';

export type { StreamingProvider, ContainerProcessInfo } from './container-processes.js';

export interface ProcessRuntimeOptions {
  /** Where the checkpoint and each container's directory live; the same dir adopts after a restart. */
  stateDir: string;
  /** What images would record about how to run them, keyed by reference (`busybox`, `127.0.0.1:5000/app:v1`). */
  images?: Record<string, ImageConfig>;
  /** The sandbox IP reported for every pod (default 127.0.0.1: pods share the node's network). */
  podIP?: string;
  /**
   * Serves exec/attach/port-forward. Default: the kubelet's streaming server on 127.0.0.1, started
   * on first use (see `streaming.ts`); `false`: those calls fail with UNIMPLEMENTED.
   */
  streaming?: StreamingProvider | false;
  /** How often output is shipped to the CRI logs and adopted processes are checked (default 100 ms). */
  pollMs?: number;
  /** Environment every container starts from (default: the agent's PATH and HOME only, no secrets). */
  baseEnv?: Record<string, string>;
}

const RUNTIME_VERSION = '0.1.0';

const notFound = (kind: 'container' | 'sandbox', id: string): CriError =>
  new CriError(CriCode.NOT_FOUND, `an error occurred when try to find ${kind} "${id}": not found`);

/** CRI Runtime whose containers are host processes. See the module comment for its limits. */
export class ProcessRuntime implements Runtime {
  private readonly state: StateFile;
  private readonly images = new Map<string, Image>();
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly processes: ContainerProcesses;
  private readonly imageTable = new Map<string, ImageConfig>();
  private readonly streamer?: StreamingProvider;
  private readonly builtin?: BuiltinStreaming;

  constructor(private readonly o: ProcessRuntimeOptions) {
    mkdirSync(join(o.stateDir, 'containers'), { recursive: true });
    for (const [ref, cfg] of Object.entries(o.images ?? {})) this.imageTable.set(normalizeImageRef(ref), cfg);
    this.state = new StateFile(o.stateDir);
    const saved = this.state.load();
    for (const i of saved.images) this.images.set(i.id, i);
    for (const s of saved.sandboxes) this.sandboxes.set(s.id, s);
    for (const c of saved.containers) this.containers.set(c.id, c);
    this.processes = new ContainerProcesses({ pollMs: o.pollMs ?? 100, persist: () => this.persist() });
    if (o.streaming === undefined) {
      this.builtin = new BuiltinStreaming(this.streamingBackend());
      this.streamer = this.builtin;
    } else if (o.streaming) this.streamer = o.streaming;
    for (const c of this.containers.values()) if (c.state === 'CONTAINER_RUNNING') this.processes.adopt(c);
  }

  private persist(): Promise<void> {
    return this.state.save((): ProcessRuntimeState => ({
      version: 1, images: [...this.images.values()], sandboxes: [...this.sandboxes.values()], containers: [...this.containers.values()],
    }));
  }

  async version(): Promise<VersionResponse> {
    return { version: RUNTIME_VERSION, runtimeName: 'process', runtimeVersion: RUNTIME_VERSION, runtimeApiVersion: 'v1' };
  }

  async status(): Promise<RuntimeStatus> {
    return { conditions: [
      { type: 'RuntimeReady', status: true, reason: '', message: '' },
      // Pods use the node's network: nothing to wait for.
      { type: 'NetworkReady', status: true, reason: '', message: '' },
    ] };
  }

  // ---- sandboxes: records only ----

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string> {
    const m = config.metadata;
    const taken = [...this.sandboxes.values()].find((s) => {
      const x = s.config.metadata;
      return x.name === m.name && x.namespace === m.namespace && x.uid === m.uid && x.attempt === m.attempt;
    });
    const name = `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
    if (taken) throw new CriError(CriCode.UNKNOWN, `failed to reserve sandbox name "${name}": name "${name}" is reserved for "${taken.id}"`);
    const id = randomBytes(32).toString('hex');
    this.sandboxes.set(id, { id, config, state: 'SANDBOX_READY', createdAtMs: Date.now(), runtimeHandler });
    await this.persist();
    return id;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    const s = this.sandboxes.get(podSandboxId);
    if (!s) throw notFound('sandbox', podSandboxId);
    // As containerd: whatever still runs in the sandbox is killed without grace; the kubelet
    // has already stopped the containers gracefully before it asks for this.
    await Promise.all(this.containersOf(podSandboxId).map((c) => this.stopContainer(c.id, 0)));
    s.state = 'SANDBOX_NOTREADY';
    await this.persist();
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    if (!this.sandboxes.has(podSandboxId)) return; // idempotent, as CRI asks
    for (const c of this.containersOf(podSandboxId)) await this.removeContainer(c.id);
    this.sandboxes.delete(podSandboxId);
    await this.persist();
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const s = this.sandboxes.get(podSandboxId);
    if (!s) throw notFound('sandbox', podSandboxId);
    // The namespaces are reported as asked, as containerd does; the kubelet re-creates a sandbox whose
    // network mode differs from its pod's. (Here every pod is on the node's network whatever it asked.)
    return { ...toPodSandbox(s), network: { ip: this.o.podIP ?? '127.0.0.1' }, linux: { namespaces: { options: sandboxNamespaces(s.config) } } };
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    return [...this.sandboxes.values()].map((s) => toPodSandbox(s)).filter((s) => sandboxMatches(s, filter));
  }

  private containersOf(podSandboxId: string): ContainerRecord[] {
    return [...this.containers.values()].filter((c) => c.podSandboxId === podSandboxId);
  }

  // ---- containers ----

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const sb = this.sandboxes.get(podSandboxId);
    if (!sb) throw notFound('sandbox', podSandboxId);
    if (sb.state !== 'SANDBOX_READY') throw new CriError(CriCode.UNKNOWN, `failed to create containerd container: sandbox container "${podSandboxId}" is not running`);
    const image = await this.imageStatus(config.image);
    if (!image) throw new CriError(CriCode.NOT_FOUND, `failed to resolve image "${config.image.image}": not found`);
    checkNameFree(sb, config, this.containersOf(podSandboxId));

    const imageCfg = this.imageTable.get(normalizeImageRef(config.image.image)) ?? {};
    // Kubernetes' rule: command replaces the entrypoint and drops the image's cmd; args replace cmd.
    const entrypoint = config.command?.length ? config.command : imageCfg.entrypoint ?? [];
    const cmd = config.args?.length ? config.args : config.command?.length ? [] : imageCfg.cmd ?? [];
    const argv = [...entrypoint, ...cmd];
    if (argv.length === 0) throw new CriError(CriCode.UNKNOWN, 'failed to generate container spec: no command specified');

    const id = randomBytes(32).toString('hex');
    const dir = join(this.o.stateDir, 'containers', id);
    const root = join(dir, 'root');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: process.env.HOME ?? '/',
      ...this.o.baseEnv,
      HOSTNAME: sandboxConfig.hostname || sb.config.metadata.name,
    };
    for (const kv of imageCfg.env ?? []) { const i = kv.indexOf('='); if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1); }
    for (const kv of config.envs ?? []) env[kv.key] = kv.value;
    env.SKIFF_CONTAINER_ROOT = root;
    const logDir = sb.config.logDirectory ?? sandboxConfig.logDirectory;
    this.containers.set(id, {
      id, podSandboxId, config, imageRef: image.id, state: 'CONTAINER_CREATED', createdAtMs: Date.now(), startedAtMs: 0, finishedAtMs: 0,
      exitCode: 0, reason: '', message: '', logPath: logDir && config.logPath ? join(logDir, config.logPath) : '', dir, argv, env,
      // Without a working dir, the container's own root rather than the host's `/`.
      cwd: config.workingDir || imageCfg.workingDir || root, offsets: { stdout: 0, stderr: 0 },
    });
    await this.persist();
    return id;
  }

  private container(id: string): ContainerRecord {
    const c = this.containers.get(id);
    if (!c) throw notFound('container', id);
    return c;
  }

  async startContainer(containerId: string): Promise<void> {
    const c = this.container(containerId);
    if (c.state !== 'CONTAINER_CREATED') throw new CriError(CriCode.UNKNOWN, `failed to start container "${containerId}": container is in ${c.state} state`);
    const sb = this.sandboxes.get(c.podSandboxId);
    if (!sb || sb.state !== 'SANDBOX_READY') throw new CriError(CriCode.UNKNOWN, `sandbox container "${c.podSandboxId}" is not running`);
    await this.processes.start(c);
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    await this.processes.stop(this.container(containerId), timeoutSeconds);
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) return; // idempotent, as CRI asks
    if (c.state === 'CONTAINER_RUNNING') await this.processes.stop(c, 0);
    this.processes.forget(c);
    this.containers.delete(containerId);
    await rm(c.dir, { recursive: true, force: true });
    await this.persist();
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    return [...this.containers.values()].map((c) => this.toContainer(c)).filter((c) => containerMatches(c, filter));
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const c = this.container(containerId);
    return {
      ...this.toContainer(c), startedAtMs: c.startedAtMs, finishedAtMs: c.finishedAtMs, exitCode: c.exitCode, reason: c.reason,
      message: c.message, mounts: c.config.mounts ?? [], logPath: c.logPath,
    };
  }

  private toContainer(c: ContainerRecord): Container {
    return {
      id: c.id, podSandboxId: c.podSandboxId, metadata: c.config.metadata, image: c.config.image, imageRef: c.imageRef, state: c.state,
      createdAtMs: c.createdAtMs, labels: c.config.labels ?? {}, annotations: c.config.annotations ?? {},
    };
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    return this.processes.execSync(this.container(containerId), cmd, timeoutSeconds);
  }

  async exec(req: ExecRequest): Promise<{ url: string }> {
    const c = this.container(req.containerId);
    if (req.cmd.length === 0) throw new CriError(CriCode.INVALID_ARGUMENT, 'cmd is required');
    return this.streaming('exec').exec(req, this.processes.describe(c));
  }

  async attach(req: AttachRequest): Promise<{ url: string }> {
    const c = this.container(req.containerId);
    return this.streaming('attach').attach(req, this.processes.describe(c));
  }

  async portForward(req: PortForwardRequest): Promise<{ url: string }> {
    if (!this.sandboxes.has(req.podSandboxId)) throw notFound('sandbox', req.podSandboxId);
    return this.streaming('portforward').portForward(req);
  }

  private streaming(what: string): StreamingProvider {
    if (!this.streamer) throw new CriError(CriCode.UNIMPLEMENTED, `${what} is not supported by the process runtime without a streaming server`);
    return this.streamer;
  }

  /**
   * How a streaming server reaches these containers (exec, attach, port-forward), for a caller that
   * runs its own server instead of the built-in one.
   */
  streamingBackend(): StreamingBackend {
    return processStreamingBackend({
      runningContainer: (id) => this.runningContainer(id),
      attachOutput: (id, io) => this.processes.attachOutput(this.container(id), io),
      podIP: (sandboxId) => { if (!this.sandboxes.has(sandboxId)) throw notFound('sandbox', sandboxId); return this.o.podIP ?? '127.0.0.1'; },
    });
  }

  private runningContainer(id: string): ContainerProcessInfo {
    const c = this.container(id);
    if (c.state !== 'CONTAINER_RUNNING') throw new CriError(CriCode.UNKNOWN, `container ${id} is in ${c.state} state`);
    return this.processes.describe(c);
  }

  async listContainerStats(filter?: { id?: string; podSandboxId?: string }): Promise<ContainerStats[]> {
    const running = [...this.containers.values()].filter((c) => c.state === 'CONTAINER_RUNNING' && c.pid !== undefined
      && (!filter?.id || c.id === filter.id) && (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId));
    const usage = this.processes.usage(running);
    return running.map((c) => ({
      id: c.id, name: c.config.metadata.name, podSandboxId: c.podSandboxId, timestampMs: Date.now(),
      cpuUsageCoreNanoSeconds: usage.get(c.pid!)?.cpuNs ?? 0, memoryWorkingSetBytes: usage.get(c.pid!)?.rssBytes ?? 0,
    }));
  }

  // ---- images: names only ----

  async listImages(filter?: { image?: ImageSpec }): Promise<Image[]> {
    if (filter?.image?.image) { const i = await this.imageStatus(filter.image); return i ? [i] : []; }
    return [...this.images.values()];
  }

  async imageStatus(image: ImageSpec): Promise<Image | undefined> {
    const ref = image.image;
    if (this.images.has(ref)) return this.images.get(ref);
    const want = nameOnlyImage(ref).id;
    return this.images.get(want);
  }

  async pullImage(image: ImageSpec): Promise<string> {
    const i = nameOnlyImage(image.image);
    if (!this.images.has(i.id)) { this.images.set(i.id, i); await this.persist(); }
    return i.id;
  }

  async removeImage(image: ImageSpec): Promise<void> {
    const i = await this.imageStatus(image);
    if (i) { this.images.delete(i.id); await this.persist(); }
  }

  async imageFsInfo(): Promise<{ mountpoint: string; usedBytes: number; inodesUsed: number }[]> {
    return [{ mountpoint: this.o.stateDir, usedBytes: 0, inodesUsed: 0 }];
  }

  /** Stop watching and checkpoint; the containers keep running for the next ProcessRuntime to adopt. */
  async close(): Promise<void> {
    await this.builtin?.stop();
    await this.processes.close();
    await this.persist();
  }
}
