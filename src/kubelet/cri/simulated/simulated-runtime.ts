/**
 * @module kubelet/cri/simulated/simulated-runtime
 * The simulated runtime: CRI's bookkeeping with nothing running, as kwok simulates pods. It lets the
 * kubelet be tested and driven at scale (hundreds of pods per node, many nodes per machine) with no
 * containerd, no processes and no root; it is a named feature for that, never a stand-in for
 * containerd in tests of real behaviour.
 *
 * Its whole behaviour, described as data on the container:
 * - a started container is RUNNING at once and stays so until stopped;
 * - if its command+args contain `exit N`, it exits with N after it starts (after `sleep S` seconds
 *   if the words `sleep S` come first, else at once): `Completed` for 0, `Error` otherwise;
 * - stopContainer ends it at once: exit code 0 (`Completed`, a process that honours SIGTERM) with a
 *   grace period, 137 (`Error`, SIGKILL) without one;
 * - execSync succeeds with empty output, or exits N if the command contains `exit N`;
 * - image pulls always succeed, except names containing `does-not-exist`, which fail with the
 *   message a registry's "not found" gives through containerd;
 * - sandboxes get IPs from `podCIDR`; host-network sandboxes get none (the kubelet uses the node IP);
 * - no log files are written, exec/attach/port-forward are UNIMPLEMENTED.
 *
 * Everything lives in memory (optionally checkpointed to `stateDir`), and `close()` keeps it, so a
 * restarted kubelet given the same instance (or directory) adopts the same containers.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import {
  CriCode, CriError,
  type Container, type ContainerConfig, type ContainerFilter, type ContainerStats, type ContainerStatus, type ExecSyncResponse,
  type Image, type ImageSpec, type PodSandbox, type PodSandboxConfig, type PodSandboxFilter, type PodSandboxStatus, type Runtime,
  type RuntimeStatus, type VersionResponse,
} from '../api.js';
import { containerMatches, exitReason, sandboxMatches } from '../process/filters.js';
import { checkNameFree, sandboxNamespaces, toPodSandbox } from '../process/sandbox-records.js';
import { nameOnlyImage, normalizeImageRef } from '../process/images.js';
import { PodIPs } from './pod-ips.js';

export interface SimulatedRuntimeOptions {
  /** Checkpoint here so a new instance on the same directory adopts the containers (default: memory only). */
  stateDir?: string;
  /** Where pod IPs come from (default 10.88.0.0/16). */
  podCIDR?: string;
  /** The clock for created/started/finished times (tests). */
  now?: () => number;
}

interface SandboxRecord { id: string; config: PodSandboxConfig; state: PodSandbox['state']; createdAtMs: number; ip?: string; runtimeHandler?: string }
interface ContainerRecord {
  id: string; podSandboxId: string; config: ContainerConfig; imageRef: string; state: Container['state']; createdAtMs: number;
  startedAtMs: number; finishedAtMs: number; exitCode: number; reason: string; message: string; logPath: string;
}
interface Snapshot { images: Image[]; sandboxes: SandboxRecord[]; containers: ContainerRecord[] }

/** `exit N`, and the `sleep S` before it, from a container's command line. */
export function scriptedExit(words: string[]): { code: number; afterMs: number } | undefined {
  const line = words.join(' ');
  const m = /\bexit\s+(\d+)\b/.exec(line);
  if (!m) return undefined;
  const s = /\bsleep\s+(\d+(?:\.\d+)?)\b/.exec(line.slice(0, m.index));
  return { code: Number(m[1]) & 0xff, afterMs: s ? Number(s[1]) * 1000 : 0 };
}

const notFound = (kind: 'container' | 'sandbox', id: string): CriError =>
  new CriError(CriCode.NOT_FOUND, `an error occurred when try to find ${kind} "${id}": not found`);

/** A CRI Runtime in which nothing runs: see the module comment for its scripted behaviour. */
export class SimulatedRuntime implements Runtime {
  private readonly images = new Map<string, Image>();
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly exits = new Map<string, NodeJS.Timeout>();
  private readonly ips: PodIPs;
  private readonly now: () => number;
  private saveTimer?: NodeJS.Timeout;

  constructor(private readonly o: SimulatedRuntimeOptions = {}) {
    this.now = o.now ?? Date.now;
    this.ips = new PodIPs(o.podCIDR ?? '10.88.0.0/16');
    if (o.stateDir) this.load(o.stateDir);
  }

  async version(): Promise<VersionResponse> {
    return { version: '0.1.0', runtimeName: 'simulated', runtimeVersion: '0.1.0', runtimeApiVersion: 'v1' };
  }

  async status(): Promise<RuntimeStatus> {
    return { conditions: [
      { type: 'RuntimeReady', status: true, reason: '', message: '' },
      { type: 'NetworkReady', status: true, reason: '', message: '' },
    ] };
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string> {
    const m = config.metadata;
    for (const s of this.sandboxes.values()) {
      const x = s.config.metadata;
      if (x.name === m.name && x.namespace === m.namespace && x.uid === m.uid && x.attempt === m.attempt) {
        const name = `${m.name}_${m.namespace}_${m.uid}_${m.attempt}`;
        throw new CriError(CriCode.UNKNOWN, `failed to reserve sandbox name "${name}": name "${name}" is reserved for "${s.id}"`);
      }
    }
    const id = randomBytes(32).toString('hex');
    const hostNetwork = config.linux?.securityContext?.namespaceOptions?.network === 'NODE';
    this.sandboxes.set(id, { id, config, state: 'SANDBOX_READY', createdAtMs: this.now(), ip: hostNetwork ? undefined : this.ips.allocate(), runtimeHandler });
    this.changed();
    return id;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    const s = this.sandboxes.get(podSandboxId);
    if (!s) throw notFound('sandbox', podSandboxId);
    for (const c of this.containersOf(podSandboxId)) await this.stopContainer(c.id, 0);
    s.state = 'SANDBOX_NOTREADY';
    // The network goes with the sandbox's stop, as CNI DEL does; the status keeps showing the old IP.
    if (s.ip) this.ips.release(s.ip);
    this.changed();
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    const s = this.sandboxes.get(podSandboxId);
    if (!s) return;
    for (const c of this.containersOf(podSandboxId)) await this.removeContainer(c.id);
    if (s.state === 'SANDBOX_READY' && s.ip) this.ips.release(s.ip);
    this.sandboxes.delete(podSandboxId);
    this.changed();
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const s = this.sandboxes.get(podSandboxId);
    if (!s) throw notFound('sandbox', podSandboxId);
    return { ...toPodSandbox(s), ...(s.ip ? { network: { ip: s.ip } } : {}), linux: { namespaces: { options: sandboxNamespaces(s.config) } } };
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    return [...this.sandboxes.values()].map((s) => toPodSandbox(s)).filter((s) => sandboxMatches(s, filter));
  }

  private containersOf(podSandboxId: string): ContainerRecord[] {
    return [...this.containers.values()].filter((c) => c.podSandboxId === podSandboxId);
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const sb = this.sandboxes.get(podSandboxId);
    if (!sb) throw notFound('sandbox', podSandboxId);
    if (sb.state !== 'SANDBOX_READY') throw new CriError(CriCode.UNKNOWN, `failed to create containerd container: sandbox container "${podSandboxId}" is not running`);
    const image = await this.imageStatus(config.image);
    if (!image) throw new CriError(CriCode.NOT_FOUND, `failed to resolve image "${config.image.image}": not found`);
    checkNameFree(sb, config, this.containersOf(podSandboxId));
    const id = randomBytes(32).toString('hex');
    const logDir = sb.config.logDirectory ?? sandboxConfig.logDirectory;
    this.containers.set(id, {
      id, podSandboxId, config, imageRef: image.id, state: 'CONTAINER_CREATED', createdAtMs: this.now(), startedAtMs: 0, finishedAtMs: 0,
      exitCode: 0, reason: '', message: '', logPath: logDir && config.logPath ? join(logDir, config.logPath) : '',
    });
    this.changed();
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
    c.state = 'CONTAINER_RUNNING';
    c.startedAtMs = this.now();
    this.scheduleExit(c);
    this.changed();
  }

  private scheduleExit(c: ContainerRecord): void {
    const exit = scriptedExit([...(c.config.command ?? []), ...(c.config.args ?? [])]);
    if (!exit) return;
    const t = setTimeout(() => { this.exits.delete(c.id); this.finish(c, exit.code); }, exit.afterMs);
    t.unref();
    this.exits.set(c.id, t);
  }

  private finish(c: ContainerRecord, exitCode: number): void {
    if (c.state !== 'CONTAINER_RUNNING') return;
    clearTimeout(this.exits.get(c.id));
    this.exits.delete(c.id);
    Object.assign(c, { state: 'CONTAINER_EXITED', exitCode, reason: exitReason(exitCode), finishedAtMs: this.now() });
    this.changed();
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    this.finish(this.container(containerId), timeoutSeconds > 0 ? 0 : 137);
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c) return;
    this.finish(c, 137);
    this.containers.delete(containerId);
    this.changed();
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

  async execSync(containerId: string, cmd: string[], _timeoutSeconds = 0): Promise<ExecSyncResponse> {
    const c = this.container(containerId);
    if (c.state !== 'CONTAINER_RUNNING') throw new CriError(CriCode.UNKNOWN, `container is in ${c.state} state`);
    return { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: scriptedExit(cmd)?.code ?? 0 };
  }

  async exec(): Promise<{ url: string }> { throw new CriError(CriCode.UNIMPLEMENTED, 'exec is not supported by the simulated runtime'); }
  async attach(): Promise<{ url: string }> { throw new CriError(CriCode.UNIMPLEMENTED, 'attach is not supported by the simulated runtime'); }
  async portForward(): Promise<{ url: string }> { throw new CriError(CriCode.UNIMPLEMENTED, 'port-forward is not supported by the simulated runtime'); }

  async listContainerStats(filter?: { id?: string; podSandboxId?: string }): Promise<ContainerStats[]> {
    return [...this.containers.values()]
      .filter((c) => c.state === 'CONTAINER_RUNNING' && (!filter?.id || c.id === filter.id) && (!filter?.podSandboxId || c.podSandboxId === filter.podSandboxId))
      .map((c) => ({ id: c.id, name: c.config.metadata.name, podSandboxId: c.podSandboxId, timestampMs: this.now(), cpuUsageCoreNanoSeconds: 0, memoryWorkingSetBytes: 0 }));
  }

  async listImages(filter?: { image?: ImageSpec }): Promise<Image[]> {
    if (filter?.image?.image) { const i = await this.imageStatus(filter.image); return i ? [i] : []; }
    return [...this.images.values()];
  }

  async imageStatus(image: ImageSpec): Promise<Image | undefined> {
    return this.images.get(image.image) ?? this.images.get(nameOnlyImage(image.image).id);
  }

  async pullImage(image: ImageSpec): Promise<string> {
    if (image.image.includes('does-not-exist')) {
      const ref = normalizeImageRef(image.image);
      throw new CriError(CriCode.UNKNOWN, `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`);
    }
    const i = nameOnlyImage(image.image);
    if (!this.images.has(i.id)) { this.images.set(i.id, i); this.changed(); }
    return i.id;
  }

  async removeImage(image: ImageSpec): Promise<void> {
    const i = await this.imageStatus(image);
    if (i) { this.images.delete(i.id); this.changed(); }
  }

  async imageFsInfo(): Promise<{ mountpoint: string; usedBytes: number; inodesUsed: number }[]> {
    return [{ mountpoint: this.o.stateDir ?? '/simulated', usedBytes: 0, inodesUsed: 0 }];
  }

  /** Keeps every container (a restarted kubelet adopts them); only flushes the checkpoint. */
  async close(): Promise<void> {
    if (this.saveTimer) { clearTimeout(this.saveTimer); this.saveTimer = undefined; this.save(); }
  }

  // ---- optional checkpoint: batched, since at scale every pod change would otherwise write ----

  private changed(): void {
    if (!this.o.stateDir || this.saveTimer) return;
    this.saveTimer = setTimeout(() => { this.saveTimer = undefined; this.save(); }, 200);
    this.saveTimer.unref();
  }

  private save(): void {
    if (!this.o.stateDir) return;
    const file = join(this.o.stateDir, 'state.json');
    const snap: Snapshot = { images: [...this.images.values()], sandboxes: [...this.sandboxes.values()], containers: [...this.containers.values()] };
    writeFileSync(`${file}.tmp`, JSON.stringify(snap), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  private load(dir: string): void {
    mkdirSync(dir, { recursive: true });
    let snap: Snapshot;
    try { snap = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as Snapshot; } catch { return; }
    for (const i of snap.images) this.images.set(i.id, i);
    for (const s of snap.sandboxes) { this.sandboxes.set(s.id, s); if (s.ip && s.state === 'SANDBOX_READY') this.ips.reserve(s.ip); }
    for (const c of snap.containers) { this.containers.set(c.id, c); if (c.state === 'CONTAINER_RUNNING') this.scheduleExit(c); }
  }
}
