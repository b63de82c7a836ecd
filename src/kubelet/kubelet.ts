/**
 * @module kubelet/kubelet
 * The kubelet (upstream pkg/kubelet/kubelet.go): the node agent that runs the pods bound to its
 * node. It registers its Node and keeps its Lease and status fresh; watches the pods with
 * `spec.nodeName=<node>` and the static pod manifests; admits each new pod against the node's
 * allocatable; and hands every pod to its pod worker, which syncs it toward its spec through
 * kuberuntime on the CRI runtime and writes its status. Deleted pods are stopped with their grace
 * period, and their deletion is finished (grace 0, UID precondition) once everything is down.
 *
 * Restarting the kubelet never restarts containers: every decision is made from the runtime's
 * real state (listed on start, relisted by the PLEG), not from memory, so a new kubelet adopts the
 * running containers of its pods and only removes those of pods the API no longer has. `stop()`
 * leaves containers running, as a dead kubelet would.
 */
import { objectSpanContext } from '../tracing/annotation.js';
import { setObjectSpan, tracer, tracingEnabled, type SkiffTracer } from '../tracing/provider.js';
import { mkdir } from 'node:fs/promises';
import type { Clientset } from '../client/clientset.js';
import { Informer, keyOf } from '../client/informer.js';
import { Recorder, type EventRecorder } from '../client/record/recorder.js';
import { KUBERNETES_VERSION } from '../apiserver/server.js';
import type { Runtime, RuntimeService } from './cri/api.js';
import { VolumeManager } from './volume/volume-manager.js';
import { ProbeManager } from './prober/prober-manager.js';
import { KubeRuntimeManager, type PodRuntimeStatus, type SyncResult } from './kuberuntime/runtime-manager.js';
import { toAPIPodStatus } from './kuberuntime/api-status.js';
import { KubeletMetrics } from './metrics.js';
import { PodWorkers, type SyncPodResult } from './pod-workers.js';
import { StatusManager } from './status/status-manager.js';
import { generateConditions } from './status/generate.js';
import { getPhase, isStaticPod, isTerminalPhase } from './status/phase.js';
import { readMachineInfo, type MachineInfo } from './nodestatus/machine.js';
import { NodeStatusManager, nodeRef } from './nodestatus/node-status.js';
import type { NodeStatusInputs } from './nodestatus/setters.js';
import { NodeLeaseController } from './nodelease/controller.js';
import { FileSource } from './config/file.js';
import { MirrorClient, isMirrorPod, mirrorHash } from './config/mirror-client.js';
import { GenericPLEG } from './pleg/generic.js';
import { canAdmitPod } from './lifecycle/predicate.js';
import { statsSummary } from './stats/summary.js';
import { KubeletServer, type KubeletHost } from './server/server.js';
import { webhookAuthorizer } from './server-auth.js';
import type { ProxyRulesReader } from './server/proxy-rules.js';

/** The kubelet's service.name in traces. */
export const KUBELET_SERVICE = 'kubelet';

export interface KubeletOptions {
  nodeName: string;
  /** Its tracer (default: service kubelet with k8s.node.name; simulated nodes pass their own). */
  tracer?: SkiffTracer;
  cs: Clientset;
  runtime: Runtime;
  /** Scheme of container ids in the API (`containerd`, `process`, `simulated`). */
  runtimeName: string;
  /** `<data-dir>/kubelet`. */
  rootDir: string;
  nodeIP: string;
  podCIDR?: string;
  kubeletPort: number;
  staticPodPath?: string;
  cgroupRoot?: string;
  clusterDNS?: string[];
  clusterDomain?: string;
  labels?: Record<string, string>;
  serving?: { certPem: string; keyPem: string; clientCAPem: string };
  /**
   * Who may use the kubelet API beyond holding a client certificate of the cluster CA:
   * 'Webhook' asks the API server (SubjectAccessReview on nodes/proxy, nodes/stats, ...), as
   * upstream's default; 'AlwaysAllow' (default here) lets every such certificate in.
   */
  authorization?: 'AlwaysAllow' | 'Webhook';
  /** Periods, shrunk by tests: pod resync (10 s), node status update (10 s), lease renew (10 s). */
  resyncMs?: number;
  nodeStatusUpdateMs?: number;
  leaseRenewMs?: number;
  staticPodPollMs?: number;
  /** Called with the node's spec.podCIDR when it is first known or changes (the runtime's CNI config wants it). */
  onPodCIDR?: (podCIDR: string) => void;
  /** Milliseconds per probe second (tests). */
  probeSecondMs?: number;
  /** Reads this node's kube-proxy rules for one Service (the kubelet API's /debug/skiff/proxy-rules). */
  proxyRules?: ProxyRulesReader;
  log?: (msg: string) => void;
}

/** Whether an API pod changed in a way a pod worker must act on (not just its status). */
function podChanged(a: any, b: any): boolean {
  const view = (p: any) => JSON.stringify([p.spec, p.metadata.labels, p.metadata.annotations, p.metadata.deletionTimestamp, p.metadata.deletionGracePeriodSeconds]);
  return view(a) !== view(b);
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const POD_UID = 'io.kubernetes.pod.uid';
/** How long a first sync may take before the pod's Pending status is written ahead of it. */
const FIRST_STATUS_DELAY_MS = 250;
const CONTAINER_NAME = 'io.kubernetes.container.name';

export class Kubelet implements KubeletHost {
  readonly runtime: Runtime;
  readonly recorder: EventRecorder;
  readonly statusManager: StatusManager;
  readonly podWorkers: PodWorkers;
  readonly volumes: VolumeManager;
  readonly probes: ProbeManager;
  readonly kuberuntime: KubeRuntimeManager;
  readonly nodeStatus: NodeStatusManager;
  readonly lease: NodeLeaseController;
  /** kubelet_* metrics, served at the kubelet API's /metrics. */
  readonly metrics = new KubeletMetrics();
  private readonly pods: Informer;
  private readonly nodeInformer: Informer;
  private podCIDR: string | undefined;
  private readonly pleg: GenericPLEG;
  private readonly mirrors: MirrorClient;
  private fileSource: FileSource | undefined;
  private machine: MachineInfo | undefined;
  private runtimeVersion = '';
  /** Static pods by UID (their hash). */
  private readonly staticPods = new Map<string, any>();
  /** API pods by UID (mirror pods excluded). */
  private readonly apiPods = new Map<string, any>();
  private readonly rejected = new Set<string>();
  private readonly lastSync = new Map<string, SyncResult>();
  private server: KubeletServer | undefined;
  /** The kubelet API's bound port (when serving). */
  servingPort: number | undefined;
  private apiLoop: Promise<void> | undefined;
  private stopped = false;
  /** service.name kubelet, k8s.node.name this node. */
  readonly tracer: SkiffTracer;

  constructor(private readonly o: KubeletOptions) {
    this.runtime = o.runtime;
    const log = o.log ?? (() => {});
    this.recorder = new Recorder(o.cs.events, 'kubelet', o.nodeName);
    this.pods = new Informer(o.cs.pods, '', { fieldSelector: `spec.nodeName=${o.nodeName}` });
    this.tracer = o.tracer ?? tracer(KUBELET_SERVICE, { 'k8s.node.name': o.nodeName });
    this.statusManager = new StatusManager({ cs: o.cs, apiPod: (uid) => this.apiPodFor(uid), log, tracer: this.tracer });
    this.podWorkers = new PodWorkers({ syncer: this, resyncMs: o.resyncMs, log, observeSync: (op, secs) => this.metrics.observePodWorker(op, secs) });
    this.volumes = new VolumeManager({ cs: o.cs, rootDir: o.rootDir, nodeName: o.nodeName, recorder: this.recorder });
    this.probes = new ProbeManager({
      runtime: o.runtime, recorder: this.recorder, secondMs: o.probeSecondMs,
      getPodStatus: (uid) => this.statusManager.getPodStatus(uid),
      onLivenessFailure: (uid) => this.syncNow(uid),
      onReadinessChange: (uid) => this.syncNow(uid),
    });
    this.kuberuntime = new KubeRuntimeManager({
      runtime: o.runtime, runtimeName: o.runtimeName, nodeName: o.nodeName, podLogsDir: `${o.rootDir}/pod-logs`,
      cgroupRoot: o.cgroupRoot ?? '/kubepods', volumes: this.volumes, probes: this.probes, cs: o.cs, recorder: this.recorder,
      hostIP: o.nodeIP, clusterDNS: o.clusterDNS, clusterDomain: o.clusterDomain,
    });
    this.nodeStatus = new NodeStatusManager({ cs: o.cs, nodeName: o.nodeName, labels: o.labels, podCIDR: o.podCIDR, inputs: () => this.nodeStatusInputs(), updateMs: o.nodeStatusUpdateMs, recorder: this.recorder, log });
    this.lease = new NodeLeaseController({ cs: o.cs, nodeName: o.nodeName, nodeUID: () => this.nodeStatus.node?.metadata?.uid, renewIntervalMs: o.leaseRenewMs, log });
    this.mirrors = new MirrorClient(o.cs, o.nodeName, () => this.nodeStatus.node?.metadata?.uid);
    this.pleg = new GenericPLEG({ runtime: o.runtime, onPodChanged: (uid) => this.syncNow(uid), log });
    this.nodeInformer = new Informer(o.cs.nodes, '', { fieldSelector: `metadata.name=${o.nodeName}` });
    this.nodeInformer.addEventHandler({ add: (n) => this.onNode(n), update: (_, n) => this.onNode(n) });
    this.pods.addEventHandler({
      add: (p) => this.onAPIPod(p, true),
      update: (_, p) => this.onAPIPod(p, false),
      delete: (p) => this.onAPIPodDeleted(p),
    });
  }

  private log(msg: string): void { this.o.log?.(msg); }

  // ---- start / stop ----

  /**
   * Start: read the machine and the runtime, run static pods at once (they need no API server),
   * then register the Node, start the heartbeats and the pod watch, and adopt what the runtime
   * already runs. Resolves after the first try at reaching the API server; it keeps retrying in
   * the background when that failed.
   */
  async start(): Promise<void> {
    await mkdir(`${this.o.rootDir}/pods`, { recursive: true });
    this.machine = readMachineInfo(this.o.rootDir);
    try { const v = await this.runtime.version(); this.runtimeVersion = `${v.runtimeName}://${v.runtimeVersion}`; } catch (e) { this.log(`container runtime version: ${(e as Error).message}`); this.runtimeVersion = `${this.o.runtimeName}://unknown`; }
    await this.pleg.start();
    if (this.o.staticPodPath) {
      this.fileSource = new FileSource({ dir: this.o.staticPodPath, nodeName: this.o.nodeName, pollMs: this.o.staticPodPollMs, onChange: (pods) => this.onStaticPods(pods), log: (m) => this.log(m) });
      await this.fileSource.start();
    }
    await this.startServer();
    let first: (ok: boolean) => void = () => {};
    const firstTry = new Promise<boolean>((r) => { first = r; });
    this.apiLoop = this.connectAPI(first);
    await firstTry;
  }

  private async connectAPI(first: (ok: boolean) => void): Promise<void> {
    let delay = 500;
    while (!this.stopped) {
      try {
        await this.nodeStatus.register();
        break;
      } catch (e) {
        this.log(`unable to register node "${this.o.nodeName}" with API server: ${(e as Error).message}`);
        first(false);
        await new Promise((r) => { const t = setTimeout(r, delay); t.unref?.(); });
        delay = Math.min(delay * 2, 7_000);
      }
    }
    if (this.stopped) return first(false);
    this.recorder.event(nodeRef(this.o.nodeName), 'Normal', 'Starting', 'Starting kubelet.');
    this.nodeStatus.start();
    this.lease.start();
    await Promise.all([this.nodeInformer.start(), this.pods.start()]);
    try { await this.cleanupOrphans(); } catch (e) { this.log(`cleaning up orphaned pods: ${(e as Error).message}`); }
    first(true);
  }

  private async startServer(): Promise<void> {
    if (!this.o.serving) return;
    const authorize = this.o.authorization === 'Webhook' ? webhookAuthorizer(this.o.cs, this.o.nodeName) : undefined;
    this.server = new KubeletServer({ host: this, address: this.o.nodeIP, port: this.o.kubeletPort, ...this.o.serving, authorize });
    this.servingPort = await this.server.start();
  }

  /** Stop the kubelet's loops and watches. Containers keep running, as when a kubelet dies. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.recorder instanceof Recorder) this.recorder.closed = true;
    this.pods.stop();
    this.nodeInformer.stop();
    this.fileSource?.stop();
    this.pleg.stop();
    this.nodeStatus.stop();
    this.lease.stop();
    this.podWorkers.stop();
    this.probes.stop();
    this.volumes.stop();
    this.statusManager.stop();
    await this.server?.stop();
  }

  // ---- pod sources ----

  private onNode(node: any): void {
    this.nodeStatus.observe(node);
    const cidr = node.spec?.podCIDR;
    if (cidr && cidr !== this.podCIDR) {
      this.podCIDR = cidr;
      try { this.o.onPodCIDR?.(cidr); } catch (e) { this.log(`pod CIDR ${cidr}: ${(e as Error).message}`); }
    }
  }

  /** The Node as last seen (registered, posted or watched). */
  get node(): any | undefined { return this.nodeStatus.node; }

  private syncNow(uid: string): void {
    const pod = this.apiPods.get(uid) ?? this.staticPods.get(uid);
    if (pod) this.podWorkers.updatePod(pod, 'sync');
  }

  private onAPIPod(pod: any, added: boolean): void {
    if (this.stopped) return;
    if (isMirrorPod(pod)) return this.onMirrorPod(pod, added);
    const uid = pod.metadata.uid;
    const prev = this.apiPods.get(uid);
    const known = !!prev;
    this.apiPods.set(uid, pod);
    // Our own status writes come back as updates: as upstream's pod config, only a change of
    // spec, labels, annotations or deletion is news for the pod worker.
    if (prev && !podChanged(prev, pod)) return;
    if (pod.metadata.deletionTimestamp) return this.podWorkers.updatePod(pod, 'kill', { gracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds });
    if (this.rejected.has(uid)) return;
    if (!known && !this.podWorkers.knows(uid) && !isTerminalPhase(pod.status?.phase)) {
      const r = canAdmitPod(pod, this.podWorkers.activePods(), this.nodeStatus.node);
      if (!r.admit) return this.rejectPod(pod, r.reason!, r.message!);
    }
    if (!known) this.metrics.podSeen(uid);
    this.podWorkers.updatePod(pod, known ? 'update' : 'create');
  }

  private onAPIPodDeleted(pod: any): void {
    if (isMirrorPod(pod)) {
      // Someone deleted a mirror pod: the static pod still runs, so put its mirror back.
      const s = this.staticPods.get(mirrorHash(pod)!);
      if (s && !this.stopped) this.syncNow(s.metadata.uid);
      return;
    }
    const uid = pod.metadata.uid;
    this.apiPods.delete(uid);
    this.rejected.delete(uid);
    this.podWorkers.updatePod(pod, 'kill', { removed: true, gracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds });
  }

  private onMirrorPod(mirror: any, added: boolean): void {
    const hash = mirrorHash(mirror)!;
    const s = this.staticPods.get(hash);
    if (!s) {
      // A mirror of no static pod we run (an old manifest): remove it, unless it is a static pod we
      // have not read yet (no manifest dir: this kubelet has no static pods at all).
      if (this.fileSource && !mirror.metadata.deletionTimestamp) void this.mirrors.deleteMirrorPod(mirror).catch(() => {});
      return;
    }
    // A new mirror gets the status written; one being deleted is replaced.
    if (added || mirror.metadata.deletionTimestamp) this.podWorkers.updatePod(s, 'sync');
  }

  private onStaticPods(pods: any[]): void {
    const next = new Map(pods.map((p) => [p.metadata.uid, p]));
    for (const [uid, old] of this.staticPods) {
      if (next.has(uid)) continue;
      this.staticPods.delete(uid);
      this.podWorkers.updatePod(old, 'kill', { removed: true });
      const mirror = this.mirrorFor(old);
      if (mirror) void this.mirrors.deleteMirrorPod(mirror).catch(() => {});
    }
    for (const [uid, p] of next) {
      const known = this.staticPods.has(uid);
      this.staticPods.set(uid, p);
      if (!known) { this.metrics.podSeen(uid); this.podWorkers.updatePod(p, 'create'); }
    }
  }

  private rejectPod(pod: any, reason: string, message: string): void {
    this.rejected.add(pod.metadata.uid);
    this.recorder.event(pod, 'Warning', reason, message);
    this.statusManager.setPodStatus(pod, { ...(pod.status ?? {}), phase: 'Failed', reason, message: `Pod was rejected: ${message}` });
  }

  /** The mirror pod of a static pod, from the watch. */
  private mirrorFor(staticPod: any): any | undefined {
    const m = this.pods.get(keyOf(staticPod));
    return m && isMirrorPod(m) ? m : undefined;
  }

  /** The API object whose status stands for the kubelet's pod `uid`. */
  private apiPodFor(uid: string): any | undefined {
    const s = this.staticPods.get(uid);
    if (s) { const m = this.mirrorFor(s); return m && mirrorHash(m) === uid ? m : undefined; }
    const p = this.apiPods.get(uid);
    return p ? this.pods.get(keyOf(p)) ?? p : undefined;
  }

  /** Remove what the runtime runs for pods that no source has any more (after a restart). */
  private async cleanupOrphans(): Promise<void> {
    const known = new Set([...this.apiPods.keys(), ...this.staticPods.keys()]);
    for (const rp of await this.kuberuntime.listRuntimePods()) {
      if (known.has(rp.uid)) continue;
      this.log(`removing orphaned pod ${rp.namespace}/${rp.name} (${rp.uid}) from the runtime`);
      try {
        const rs = await this.kuberuntime.getPodStatus(rp.uid, rp.name, rp.namespace);
        await this.kuberuntime.killPod(undefined, rs);
        await this.kuberuntime.removeTerminatedPod(rs);
      } catch (e) { this.log(`failed to remove orphaned pod ${rp.uid}: ${(e as Error).message}`); }
    }
    for (const uid of await this.volumes.podsOnDisk()) if (!known.has(uid)) await this.volumes.unmountPod(uid).catch(() => {});
  }

  // ---- the pod worker's syncs ----

  /** The pod's status as last computed, or as the API has it. */
  private previousStatus(pod: any): any {
    return this.statusManager.getPodStatus(pod.metadata.uid) ?? this.apiPodFor(pod.metadata.uid)?.status ?? pod.status ?? {};
  }

  /** upstream generateAPIPodStatus: container statuses from the runtime, then phase, IPs and conditions. */
  generateAPIPodStatus(pod: any, rs: PodRuntimeStatus, sync: SyncResult | undefined, podIsTerminal: boolean): any {
    const prev = this.previousStatus(pod);
    const s = toAPIPodStatus(pod, rs, sync, this.o.runtimeName, prev);
    this.probes.updatePodStatus(pod, s);
    s.phase = getPhase(pod, s, podIsTerminal);
    if (sync?.podFailed) s.phase = 'Failed';
    s.hostIP = this.o.nodeIP;
    s.hostIPs = [{ ip: this.o.nodeIP }];
    if (pod.spec?.hostNetwork) { s.podIP = this.o.nodeIP; s.podIPs = [{ ip: this.o.nodeIP }]; }
    // A stopped sandbox has no IP any more; the pod keeps reporting the one it had, as upstream.
    else if (!s.podIP && prev.podIP) { s.podIP = prev.podIP; s.podIPs = prev.podIPs; }
    s.startTime = prev.startTime ?? now();
    s.qosClass = s.qosClass ?? prev.qosClass ?? pod.status?.qosClass;
    const sandboxReady = rs.sandboxes[0]?.state === 'SANDBOX_READY';
    s.conditions = generateConditions(pod, s, sandboxReady, prev.conditions, now());
    return s;
  }

  async syncPod(pod: any): Promise<SyncPodResult> {
    // A pod on its way to Running is traced under the context its object carries (the request
    // that created it): `sync` with pull/sandbox/create/start inside. Later resyncs are not.
    const parent = tracingEnabled() && this.previousStatus(pod).phase !== 'Running' ? objectSpanContext(this.apiPodFor(pod.metadata.uid) ?? pod) : undefined;
    if (!parent) return this.syncPodTraced(pod);
    const span = this.tracer.startChild('sync', parent, { attributes: { namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid } });
    // Kept by pod object, not in an async context: kuberuntime finds it from the pod it is handed.
    setObjectSpan(pod, span);
    try { return await this.syncPodTraced(pod); } finally { setObjectSpan(pod, undefined); span.end(); }
  }

  private async syncPodTraced(pod: any): Promise<SyncPodResult> {
    const uid = pod.metadata.uid;
    const api = this.apiPodFor(uid);
    if (isTerminalPhase(api?.status?.phase ?? pod.status?.phase) && !isStaticPod(pod)) return { terminal: true };
    if (isStaticPod(pod)) await this.ensureMirrorPod(pod);
    let requeueMs: number | undefined;
    this.probes.addPod(pod);
    // Volumes are mounted by kuberuntime right before it starts containers (FailedMount is the
    // volume manager's event); a pod whose volumes are not ready waits in ContainerCreating.
    let rs = await this.kuberuntime.getPodStatus(uid, pod.metadata.name, pod.metadata.namespace);
    // kubelet_pod_start_duration_seconds: only a pod we see go to Running (not one adopted running).
    const wasRunning = this.previousStatus(pod).phase === 'Running';
    // A new pod whose first sync is slow (an image pull) shows Pending with ContainerCreating and
    // its startTime meanwhile, as upstream's first status; a fast one goes straight to Running in one write.
    const first = this.previousStatus(pod).startTime ? undefined : setTimeout(() => {
      if (!this.stopped) this.statusManager.setPodStatus(pod, this.generateAPIPodStatus(pod, rs, undefined, false));
    }, FIRST_STATUS_DELAY_MS);
    let result: SyncResult;
    try { result = await this.kuberuntime.syncPod(pod, rs); } finally { clearTimeout(first); }
    this.lastSync.set(uid, result);
    rs = await this.kuberuntime.getPodStatus(uid, pod.metadata.name, pod.metadata.namespace);
    const status = this.generateAPIPodStatus(pod, rs, result, false);
    this.statusManager.setPodStatus(pod, status);
    if (status.phase === 'Running') {
      if (wasRunning) this.metrics.forgetPod(uid);
      else this.metrics.podStarted(uid, pod.metadata.creationTimestamp);
    }
    if (isTerminalPhase(status.phase) && !isStaticPod(pod)) return { terminal: true };
    if (result?.error || (result?.waiting.size ?? 0) > 0) requeueMs ??= 2_000;
    return { requeueMs };
  }

  async syncTerminatingPod(pod: any, gracePeriodSeconds: number | undefined): Promise<void> {
    const uid = pod.metadata.uid;
    this.probes.removePod(pod);
    let rs = await this.kuberuntime.getPodStatus(uid, pod.metadata.name, pod.metadata.namespace);
    if (rs.containers.some((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED') || rs.sandboxes.some((s) => s.state === 'SANDBOX_READY')) {
      await this.kuberuntime.killPod(pod, rs, gracePeriodSeconds);
      rs = await this.kuberuntime.getPodStatus(uid, pod.metadata.name, pod.metadata.namespace);
    }
    const api = this.apiPodFor(uid);
    // A pod that already ended keeps the status it ended with (its containers may be gone by now).
    if (isTerminalPhase(api?.status?.phase) && !pod.metadata.deletionTimestamp && !this.apiPods.get(uid)?.metadata.deletionTimestamp) return;
    if (this.rejected.has(uid)) return;
    this.statusManager.setPodStatus(pod, this.generateAPIPodStatus(pod, rs, this.lastSync.get(uid), true));
  }

  async syncTerminatedPod(pod: any): Promise<void> {
    const uid = pod.metadata.uid;
    await this.volumes.unmountPod(uid);
    if (isStaticPod(pod)) return;
    const api = this.apiPods.get(uid);
    if (api?.metadata.deletionTimestamp) await this.statusManager.finishDeletion(api);
  }

  async forgetPod(pod: any): Promise<void> {
    const uid = pod.metadata.uid;
    const rs = await this.kuberuntime.getPodStatus(uid, pod.metadata.name, pod.metadata.namespace);
    await this.kuberuntime.removeTerminatedPod(rs);
    this.statusManager.removePod(uid);
    this.lastSync.delete(uid);
    this.metrics.forgetPod(uid);
  }

  private async ensureMirrorPod(pod: any): Promise<void> {
    if (!this.pods.hasSynced() || !this.nodeStatus.node) return; // no API server yet: run it anyway
    const mirror = this.mirrorFor(pod);
    if (mirror && mirrorHash(mirror) === pod.metadata.uid && !mirror.metadata.deletionTimestamp) return;
    if (mirror) { await this.mirrors.deleteMirrorPod(mirror); return; } // stale: re-created on the next sync
    try { await this.mirrors.createMirrorPod(pod); } catch (e) { this.log(`failed creating a mirror pod for ${pod.metadata.namespace}/${pod.metadata.name}: ${(e as Error).message}`); }
  }

  // ---- node status ----

  private async nodeStatusInputs(): Promise<NodeStatusInputs> {
    let runtimeStatus, runtimeError;
    try { runtimeStatus = await this.runtime.status(); } catch (e) { runtimeError = (e as Error).message; }
    return {
      machine: this.machine ?? readMachineInfo(this.o.rootDir), nodeName: this.o.nodeName, nodeIP: this.o.nodeIP, kubeletPort: this.servingPort ?? this.o.kubeletPort,
      kubeletVersion: KUBERNETES_VERSION.gitVersion, containerRuntimeVersion: this.runtimeVersion, runtimeStatus, runtimeError,
    };
  }

  // ---- KubeletHost (the kubelet API server's view) ----

  getPodByName(namespace: string, name: string): any | undefined {
    for (const p of this.staticPods.values()) if (p.metadata.namespace === namespace && p.metadata.name === name) return p;
    const p = this.pods.get(`${namespace}/${name}`);
    return p && !isMirrorPod(p) ? p : undefined;
  }

  async containerFor(podUID: string, containerName: string, previous = false): Promise<{ id: string; logPath: string } | undefined> {
    const cs = await this.runtime.listContainers({ labelSelector: { [POD_UID]: podUID, [CONTAINER_NAME]: containerName } });
    cs.sort((a, b) => b.metadata.attempt - a.metadata.attempt || b.createdAtMs - a.createdAtMs);
    const c = cs[previous ? 1 : 0];
    if (!c) return undefined;
    const st = await this.runtime.containerStatus(c.id);
    return { id: c.id, logPath: st.logPath };
  }

  async sandboxFor(podUID: string): Promise<string | undefined> {
    const sbs = await this.runtime.listPodSandbox({ labelSelector: { [POD_UID]: podUID } });
    sbs.sort((a, b) => (a.state === b.state ? 0 : a.state === 'SANDBOX_READY' ? -1 : 1) || b.createdAtMs - a.createdAtMs);
    return sbs[0]?.id;
  }

  /** The pods this kubelet runs (API pods bound here, and static pods), for `/pods`. */
  listPods(): any[] {
    return [...[...this.apiPods.values()].map((p) => this.pods.get(keyOf(p)) ?? p), ...this.staticPods.values()];
  }

  /** The kubelet's /metrics text, with the running pods/containers read from the runtime now. */
  renderMetrics(): Promise<string> { return this.metrics.render(this.runtime); }
  get proxyRules(): ProxyRulesReader | undefined { return this.o.proxyRules; }
  get nodeName(): string { return this.o.nodeName; }

  statsSummary(): Promise<any> {
    return statsSummary({ runtime: this.runtime, nodeName: this.o.nodeName, rootDir: this.o.rootDir, machine: this.machine, pods: () => [...this.apiPods.values(), ...this.staticPods.values()] });
  }
}
