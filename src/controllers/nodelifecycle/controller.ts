/**
 * @module controllers/nodelifecycle/controller
 * Kubernetes' node lifecycle controller with its taint-based eviction, the seed's "kubelet fails"
 * story: kubelets heartbeat by renewing their Lease in kube-node-lease (and by posting status).
 * A node not heard from for the grace period (`--node-monitor-grace-period`, 40 s) has its
 * conditions set to Unknown ("Kubelet stopped posting node status."), its pods marked not Ready,
 * and the taint node.kubernetes.io/unreachable (NoSchedule and NoExecute). A pod on a NoExecute
 * tainted node is deleted at once unless it tolerates the taint, and after tolerationSeconds when
 * it does (the DefaultTolerationSeconds admission plugin gives every pod 300 s); its ReplicaSet
 * then makes a replacement, which the scheduler puts elsewhere. "Heard from" is judged by this
 * controller's own clock, from when it saw the Lease or the Ready heartbeat change, never by
 * comparing the kubelet's clock with ours.
 */
import { StatusError } from '../../machinery/status.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, type ControllerContext } from '../framework.js';
import { rfc3339 } from '../podutil.js';
import { desiredTaints, evictionTime, reconcileTaints, type Taint } from './taints.js';

interface Health { probeAt: number; lease: string; heartbeat: string }

const UNKNOWN_REASON = 'NodeStatusUnknown';
const UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';

export class NodeLifecycleController extends QueueController {
  private readonly nodes: Informer;
  private readonly leases: Informer;
  private readonly pods: Informer;
  private readonly health = new Map<string, Health>();
  private monitor: NodeJS.Timeout | undefined;

  constructor(ctx: ControllerContext) {
    super('nodelifecycle', ctx);
    this.nodes = ctx.informers.for('nodes');
    this.leases = ctx.informers.for('leases');
    this.pods = ctx.informers.for('pods');
    this.pods.addIndexer('nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    this.nodes.addEventHandler({ add: (n) => this.enqueue(n.metadata.name), update: (_, n) => this.enqueue(n.metadata.name), delete: (n) => this.health.delete(n.metadata.name) });
    this.pods.addEventHandler({
      add: (p) => { if (p.spec?.nodeName) this.enqueue(p.spec.nodeName); },
      update: (o, p) => { if (p.spec?.nodeName && (!o.spec?.nodeName || JSON.stringify(o.spec.tolerations) !== JSON.stringify(p.spec.tolerations))) this.enqueue(p.spec.nodeName); },
    });
  }

  override run(): void {
    super.run();
    this.monitor = setInterval(() => void this.monitorHealth().catch(() => { /* next period */ }), this.ctx.options.nodeMonitorPeriodMs);
    void this.monitorHealth().catch(() => {});
  }

  override stop(): void { clearInterval(this.monitor); super.stop(); }

  /** When we last heard from the node, by our clock. */
  private observe(node: any, now: number): Health {
    const name = node.metadata.name;
    const lease = this.leases.get(`kube-node-lease/${name}`)?.spec?.renewTime ?? '';
    const heartbeat = node.status?.conditions?.find((c: any) => c.type === 'Ready')?.lastHeartbeatTime ?? '';
    let h = this.health.get(name);
    if (!h) { h = { probeAt: now, lease, heartbeat }; this.health.set(name, h); return h; }
    if (h.lease !== lease || h.heartbeat !== heartbeat) { h.probeAt = now; h.lease = lease; h.heartbeat = heartbeat; }
    return h;
  }

  private async monitorHealth(): Promise<void> {
    const now = Date.now();
    const grace = this.ctx.options.nodeMonitorGracePeriodMs;
    for (const node of this.nodes.list()) {
      const h = this.observe(node, now);
      if (now - h.probeAt <= grace) continue;
      const ready = node.status?.conditions?.find((c: any) => c.type === 'Ready');
      if (ready?.status === 'Unknown') continue;
      await this.markUnknown(node).catch((e) => { if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) throw e; });
    }
  }

  private async markUnknown(node: any): Promise<void> {
    const t = rfc3339();
    const types = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];
    const conditions = types.map((type) => {
      const old = node.status?.conditions?.find((c: any) => c.type === type);
      return { type, status: 'Unknown', reason: UNKNOWN_REASON, message: UNKNOWN_MESSAGE, lastHeartbeatTime: old?.lastHeartbeatTime ?? t, lastTransitionTime: t };
    });
    await this.ctx.client.nodes.patch('', node.metadata.name, { metadata: { resourceVersion: node.metadata.resourceVersion }, status: { conditions } }, 'strategic', 'status');
    const ev = { ...node, kind: 'Node', apiVersion: 'v1' };
    this.ctx.recorder.event(ev, 'Normal', 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`);
    // The pods there are no longer known to be serving.
    for (const p of this.pods.byIndex('nodeName', node.metadata.name)) {
      if (p.status?.conditions?.find((c: any) => c.type === 'Ready')?.status !== 'True') continue;
      const conds = p.status.conditions.map((c: any) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: t } : c));
      await this.ctx.client.pods.patch(p.metadata.namespace, p.metadata.name, { status: { conditions: conds } }, 'merge', 'status').catch(() => {});
      this.ctx.recorder.event({ ...p, kind: 'Pod', apiVersion: 'v1' }, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
  }

  /** Per node: keep the condition taints right, then evict the pods that do not tolerate its NoExecute taints. */
  protected async sync(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node) return;
    const now = Date.now();
    let taints: Taint[] = node.spec?.taints ?? [];
    const next = reconcileTaints(taints, desiredTaints(node), rfc3339(now));
    if (next) {
      await this.ctx.client.nodes.patch('', name, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: next.length ? next : null } }, 'merge');
      taints = next;
    }
    if (!taints.some((t) => t.effect === 'NoExecute')) return;
    let soonest = Infinity;
    for (const p of this.pods.byIndex('nodeName', name)) {
      if (p.metadata.deletionTimestamp || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      const at = evictionTime(p, taints, now);
      if (at <= now) await this.evict(p);
      else soonest = Math.min(soonest, at);
    }
    if (soonest !== Infinity) this.queue.addAfter(name, soonest - now + 10);
  }

  private async evict(p: any): Promise<void> {
    this.ctx.recorder.event({ ...p, kind: 'Pod', apiVersion: 'v1' }, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${p.metadata.namespace}/${p.metadata.name}`);
    const t = rfc3339();
    const conds = [...(p.status?.conditions ?? []).filter((c: any) => c.type !== 'DisruptionTarget'),
      { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: t }];
    await this.ctx.client.pods.patch(p.metadata.namespace, p.metadata.name, { status: { conditions: conds } }, 'merge', 'status').catch(() => {});
    try {
      await this.ctx.client.pods.delete(p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } });
    } catch (e) {
      if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) throw e;
    }
  }
}
