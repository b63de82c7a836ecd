/**
 * @module simulated/nodes
 * Simulated nodes (like kwok): Nodes that register and heartbeat like a kubelet's but run nothing.
 * A pod bound to one goes Running (and Ready after its readinessProbe's initialDelaySeconds) at
 * once; a pod being deleted is finished off (deleted with grace 0) as a kubelet would once its
 * containers stopped. They exist so the control plane can be tested and measured at scale; they
 * are marked as simulated everywhere (label `node.skiff.dev/simulated=true`, kubeletVersion with
 * `-simulated`, container IDs `simulated://`).
 *
 * A simulated kubelet can be stopped to reproduce the seed's kubelet failure: annotate its Node
 * with `simulated.skiff.dev/kubelet=stopped` and it stops renewing its Lease, posting status and
 * touching its pods, exactly as a dead kubelet would; remove the annotation to bring it back.
 * One process serves any number of nodes over one connection: a shared pod and node informer,
 * one heartbeat timer.
 */
import type { Span } from '@opentelemetry/api';
import { objectSpanContext } from '../tracing/annotation.js';
import { tracer, tracingEnabled, withTraceContext } from '../tracing/provider.js';
import { StatusError } from '../machinery/status.js';
import { Parallelism } from './parallelism.js';
import type { Clientset } from '../client/clientset.js';
import type { SharedInformerFactory } from '../client/informer-factory.js';
import type { Informer } from '../client/informer.js';

/** Simulated nodes' service.name in traces. */
export const SIMULATED_NODE_SERVICE = 'skiff-simulated-node';

export const SIMULATED_LABEL = 'node.skiff.dev/simulated';
export const STOPPED_ANNOTATION = 'simulated.skiff.dev/kubelet';

export interface SimulatedNodeOptions {
  /** Node names are `<prefix>-<i>`. */
  prefix?: string;
  count: number;
  /** Allocatable resources of every node. */
  cpu?: string;
  memory?: string;
  pods?: string;
  /** Lease duration (the kubelet's default is 40 s; it renews every quarter of it). */
  leaseDurationSeconds?: number;
  /** Labels for node i (zones, roles); kubernetes.io/hostname and the simulated label are always set. */
  labels?: (i: number) => Record<string, string>;
  /** How many registrations are in flight at once. */
  concurrency?: number;
  /** How many pod status writes are in flight at once (kwok's podPlayStageParallelism); default 256. */
  podStatusParallelism?: number;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const microNow = () => new Date().toISOString().replace('Z', '000Z');

function nodeConditions(ready: boolean): any[] {
  const t = now();
  const c = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: t, lastTransitionTime: t, reason, message });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', ready ? 'True' : 'False', ready ? 'KubeletReady' : 'KubeletNotReady', ready ? 'kubelet is posting ready status (simulated)' : 'simulated kubelet starting'),
  ];
}

/**
 * The body of a pod status write: the pod as last seen (its resourceVersion is the precondition)
 * with the new status, without managedFields (the server keeps them when an update omits them,
 * and they are a third of a pod's bytes to send, parse, check and default on every write).
 */
export function statusUpdate(p: any, status: any): any {
  const { managedFields: _, ...metadata } = p.metadata ?? {};
  return { ...p, metadata, status };
}

export class SimulatedNodes {
  readonly names: string[] = [];
  private readonly set = new Set<string>();
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private heartbeat: NodeJS.Timeout | undefined;
  private statusLoop: NodeJS.Timeout | undefined;
  private hbIndex = 0;
  private inflight = new Set<string>();
  private stopped = false;
  private ipSeq = new Map<string, number>();
  private readonly statusWrites: Parallelism;

  constructor(private readonly cs: Clientset, informers: SharedInformerFactory, private readonly o: SimulatedNodeOptions) {
    this.statusWrites = new Parallelism(o.podStatusParallelism ?? 256);
    const prefix = o.prefix ?? 'sim';
    for (let i = 0; i < o.count; i++) { const n = `${prefix}-${i}`; this.names.push(n); this.set.add(n); }
    this.pods = informers.for('pods');
    this.nodes = informers.for('nodes');
    this.pods.addIndexer('nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    this.pods.addEventHandler({ add: (p) => this.podChanged(p), update: (_, p) => this.podChanged(p) });
    this.nodes.addEventHandler({ update: (old, n) => { if (this.isStopped(old) && !this.isStopped(n)) this.resume(n.metadata.name); } });
  }

  get leaseDurationSeconds(): number { return this.o.leaseDurationSeconds ?? 40; }

  isStopped(node: any): boolean { return node?.metadata?.annotations?.[STOPPED_ANNOTATION] === 'stopped'; }

  private stoppedByName(name: string): boolean { return this.isStopped(this.nodes.get(name)); }

  /** Register every node (create, or take over an existing one) and its Lease; then start heartbeats. */
  async register(): Promise<void> {
    const conc = this.o.concurrency ?? 64;
    let next = 0;
    const worker = async () => { while (next < this.names.length) { const i = next++; await this.registerOne(i); } };
    await Promise.all(Array.from({ length: Math.min(conc, this.names.length) }, worker));
    this.startLoops();
  }

  private nodeObject(i: number): any {
    const name = this.names[i];
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'node.kubernetes.io/instance-type': 'simulated', [SIMULATED_LABEL]: 'true', ...(this.o.labels?.(i) ?? {}) },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
      },
      spec: {},
      status: {
        capacity: { cpu: this.o.cpu ?? '4', memory: this.o.memory ?? '16Gi', pods: this.o.pods ?? '110', 'ephemeral-storage': '100Gi' },
        allocatable: { cpu: this.o.cpu ?? '4', memory: this.o.memory ?? '16Gi', pods: this.o.pods ?? '110', 'ephemeral-storage': '100Gi' },
        conditions: nodeConditions(true),
        addresses: [{ type: 'InternalIP', address: `10.255.${((i + 1) >> 8) & 255}.${(i + 1) & 255}` }, { type: 'Hostname', address: name }],
        daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
        nodeInfo: {
          machineID: '', systemUUID: '', bootID: '', kernelVersion: 'simulated', osImage: 'skiff simulated node', containerRuntimeVersion: 'simulated://0',
          kubeletVersion: 'v1.32.0-skiff-simulated', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64',
        },
      },
    };
  }

  private async registerOne(i: number): Promise<void> {
    const name = this.names[i];
    const node = this.nodeObject(i);
    let uid: string;
    try {
      uid = (await this.cs.nodes.create('', node)).metadata.uid;
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
      // Already registered (a restart): post fresh status, as a kubelet does on start.
      const cur = await this.cs.nodes.get('', name);
      uid = cur.metadata.uid;
      await this.cs.nodes.updateStatus('', { ...cur, status: { ...cur.status, ...node.status } });
    }
    this.nodeUID.set(name, uid);
    await this.renewLease(name);
  }

  private leaseRV = new Map<string, any>();
  private nodeUID = new Map<string, string>();

  /** Renew by updating the Lease we last wrote (one request); create it when missing; re-read on a conflict. */
  private async renewLease(name: string): Promise<void> {
    const spec = { holderIdentity: name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime: microNow() };
    const cur = this.leaseRV.get(name);
    if (cur) {
      try {
        this.leaseRV.set(name, await this.cs.leases.update('kube-node-lease', { ...cur, spec: { ...cur.spec, ...spec } }));
        return;
      } catch (e) {
        if (!(e instanceof StatusError && (e.code === 409 || e.code === 404))) throw e;
        this.leaseRV.delete(name);
      }
    }
    try {
      const uid = this.nodeUID.get(name) ?? this.nodes.get(name)?.metadata.uid ?? (await this.cs.nodes.get('', name)).metadata.uid;
      this.leaseRV.set(name, await this.cs.leases.create('kube-node-lease', {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: { name, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid }] }, spec,
      }));
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
      const existing = await this.cs.leases.get('kube-node-lease', name);
      this.leaseRV.set(name, await this.cs.leases.update('kube-node-lease', { ...existing, spec: { ...existing.spec, ...spec } }));
    }
  }

  /**
   * One timer renews every Lease once per quarter lease duration, spread evenly over it (a
   * kubelet's renew interval), and re-posts Ready status for any node the node lifecycle
   * controller marked Unknown while it was stopped.
   */
  private startLoops(): void {
    const periodMs = (this.leaseDurationSeconds * 1000) / 4;
    const tickMs = 100;
    const perTick = Math.max(1, Math.ceil(this.names.length / (periodMs / tickMs)));
    this.heartbeat = setInterval(() => {
      for (let k = 0; k < perTick && this.names.length; k++) {
        const name = this.names[this.hbIndex++ % this.names.length];
        if (this.stoppedByName(name) || this.inflight.has(`lease/${name}`)) continue;
        this.inflight.add(`lease/${name}`);
        void this.renewLease(name).catch(() => { /* retried next round */ }).finally(() => this.inflight.delete(`lease/${name}`));
      }
    }, tickMs);
    this.statusLoop = setInterval(() => { for (const n of this.names) this.ensureReady(n); }, 5_000);
  }

  private ensureReady(name: string): void {
    const node = this.nodes.get(name);
    if (!node || this.isStopped(node) || this.inflight.has(`status/${name}`)) return;
    const ready = node.status?.conditions?.find((c: any) => c.type === 'Ready');
    if (ready?.status === 'True') return;
    this.inflight.add(`status/${name}`);
    void this.cs.nodes.patch('', name, { status: { conditions: nodeConditions(true) } }, 'strategic', 'status')
      .catch(() => { /* next round */ }).finally(() => this.inflight.delete(`status/${name}`));
  }

  private resume(name: string): void {
    if (!this.set.has(name)) return;
    void this.renewLease(name).catch(() => {});
    this.ensureReady(name);
    for (const p of this.pods.byIndex('nodeName', name)) this.podChanged(p);
  }

  private podIP(node: any): string {
    const n = (this.ipSeq.get(node.metadata.name) ?? 1) + 1;
    this.ipSeq.set(node.metadata.name, n % 250);
    const cidr: string | undefined = node.spec?.podCIDR;
    if (cidr) { const [a, b, c] = cidr.split('/')[0].split('.'); return `${a}.${b}.${c}.${(n % 250) + 2}`; }
    const i = this.names.indexOf(node.metadata.name);
    return `10.254.${i & 255}.${(n % 250) + 2}`;
  }

  private podChanged(p: any): void {
    const nodeName = p.spec?.nodeName;
    if (!nodeName || !this.set.has(nodeName) || this.stopped) return;
    const node = this.nodes.get(nodeName);
    if (!node || this.isStopped(node)) return;
    const key = `pod/${p.metadata.uid}`;
    if (this.inflight.has(key)) return;
    if (p.metadata.deletionTimestamp) {
      this.inflight.add(key);
      void this.cs.pods.delete(p.metadata.namespace, p.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } })
        .catch(() => {}).finally(() => this.inflight.delete(key));
      return;
    }
    const phase = p.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const wantReady = this.readyNow(p);
    const ready = p.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True';
    if (phase === 'Running' && ready === wantReady.ready) {
      if (!wantReady.ready) this.later(p, wantReady.inMs);
      return;
    }
    this.inflight.add(key);
    const status = this.runningStatus(p, node, wantReady.ready);
    // A pod going Running is traced under its object's context, as a kubelet's sync (marked simulated).
    const parent = phase !== 'Running' && tracingEnabled() ? objectSpanContext(p) : undefined;
    let sync: Span | undefined, write: Span | undefined;
    if (parent) {
      // One tracer for every simulated node of the process (one exporter); the node is an attribute.
      const t = tracer(SIMULATED_NODE_SERVICE);
      const attributes = { namespace: p.metadata.namespace, name: p.metadata.name, simulated: true, 'k8s.node.name': nodeName };
      sync = t.startChild('sync', parent, { attributes });
      write = t.startChild('status.write', sync.spanContext(), { attributes: { ...attributes, phase: 'Running', ready: wantReady.ready } });
    }
    void withTraceContext(write?.spanContext(), () => this.statusWrites.run(() => this.cs.pods.updateStatus(p.metadata.namespace, statusUpdate(p, status))))
      .finally(() => { write?.end(); sync?.end(); })
      .then(() => { if (!wantReady.ready) this.later(p, wantReady.inMs); })
      .catch(() => { setTimeout(() => { const cur = this.pods.get(`${p.metadata.namespace}/${p.metadata.name}`); if (cur) this.podChanged(cur); }, 200).unref(); })
      .finally(() => this.inflight.delete(key));
  }

  private later(p: any, ms: number): void {
    setTimeout(() => { const cur = this.pods.get(`${p.metadata.namespace}/${p.metadata.name}`); if (cur) this.podChanged(cur); }, ms + 10).unref();
  }

  /** A pod with a readinessProbe is Ready after its initialDelaySeconds from the start; others at once. */
  private readyNow(p: any): { ready: boolean; inMs: number } {
    const delay = Math.max(0, ...(p.spec?.containers ?? []).map((c: any) => c.readinessProbe?.initialDelaySeconds ?? 0)) * 1000;
    if (!delay) return { ready: true, inMs: 0 };
    const started = Date.parse(p.status?.startTime ?? '');
    if (!Number.isFinite(started)) return { ready: false, inMs: delay };
    const left = started + delay - Date.now();
    return left <= 0 ? { ready: true, inMs: 0 } : { ready: false, inMs: left };
  }

  private runningStatus(p: any, node: any, ready: boolean): any {
    const t = now();
    const prev = p.status ?? {};
    const startTime = prev.startTime ?? t;
    const cond = (type: string, status: boolean) => {
      const old = prev.conditions?.find((c: any) => c.type === type);
      const s = status ? 'True' : 'False';
      return { type, status: s, lastProbeTime: null, lastTransitionTime: old?.status === s ? old.lastTransitionTime : t };
    };
    const hostIP = node.status?.addresses?.find((a: any) => a.type === 'InternalIP')?.address ?? '';
    const podIP = prev.podIP ?? (p.spec?.hostNetwork ? hostIP : this.podIP(node));
    const cs = (c: any, i: number) => ({
      name: c.name, image: c.image, imageID: `simulated://${c.image}`, containerID: `simulated://${p.metadata.uid}-${i}`,
      ready, started: true, restartCount: 0, state: { running: { startedAt: prev.containerStatuses?.[i]?.state?.running?.startedAt ?? startTime } },
    });
    return {
      ...prev, phase: 'Running', hostIP, hostIPs: [{ ip: hostIP }], podIP, podIPs: [{ ip: podIP }], startTime,
      conditions: [cond('PodReadyToStartContainers', true), cond('Initialized', true), cond('Ready', ready), cond('ContainersReady', ready), cond('PodScheduled', true)],
      containerStatuses: (p.spec?.containers ?? []).map(cs),
      ...(p.spec?.initContainers?.length ? { initContainerStatuses: p.spec.initContainers.map((c: any, i: number) => ({
        name: c.name, image: c.image, imageID: `simulated://${c.image}`, containerID: `simulated://${p.metadata.uid}-init-${i}`, ready: true, started: false, restartCount: 0,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: startTime } },
      })) } : {}),
    };
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearInterval(this.statusLoop);
  }
}
