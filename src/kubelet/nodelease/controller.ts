/**
 * @module kubelet/nodelease/controller
 * The node's heartbeat (upstream pkg/kubelet/nodelease, component-helpers' lease controller): a
 * Lease named after the node in `kube-node-lease`, held by the node, renewed every 10 s (a quarter
 * of its 40 s duration) and owned by the Node so it is garbage-collected with it. Renewal updates
 * the Lease we last wrote (one request); a conflict or a missing Lease re-reads or re-creates it.
 */
import { StatusError } from '../../machinery/status.js';
import type { Clientset } from '../../client/clientset.js';

export const LEASE_NAMESPACE = 'kube-node-lease';

const microNow = () => new Date().toISOString().replace('Z', '000Z');

export interface NodeLeaseOptions {
  cs: Clientset;
  nodeName: string;
  /** The Node's UID for the Lease's ownerReference (asked for lazily when not known). */
  nodeUID?: () => string | undefined;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  log?: (msg: string) => void;
}

export class NodeLeaseController {
  private lease: any | undefined;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(private readonly o: NodeLeaseOptions) {}

  get durationSeconds(): number { return this.o.leaseDurationSeconds ?? 40; }

  start(): void {
    if (this.timer) return;
    void this.renew();
    this.timer = setInterval(() => { void this.renew(); }, this.o.renewIntervalMs ?? (this.durationSeconds * 1000) / 4);
    this.timer.unref?.();
  }

  renew(): Promise<void> {
    if (this.renewing) return this.renewing;
    this.renewing = this.tryRenew().catch((e) => this.o.log?.(`failed to renew lease ${LEASE_NAMESPACE}/${this.o.nodeName}: ${(e as Error).message}`)).finally(() => { this.renewing = undefined; });
    return this.renewing;
  }

  private async tryRenew(): Promise<void> {
    const spec = { holderIdentity: this.o.nodeName, leaseDurationSeconds: this.durationSeconds, renewTime: microNow() };
    const leases = this.o.cs.leases;
    if (this.lease) {
      try { this.lease = await leases.update(LEASE_NAMESPACE, { ...this.lease, spec: { ...this.lease.spec, ...spec } }); return; } catch (e) {
        if (!(e instanceof StatusError && (e.code === 409 || e.code === 404))) throw e;
        this.lease = undefined;
      }
    }
    let cur: any;
    try { cur = await leases.get(LEASE_NAMESPACE, this.o.nodeName); } catch (e) { if (!(e instanceof StatusError && e.code === 404)) throw e; }
    if (cur) { this.lease = await leases.update(LEASE_NAMESPACE, { ...cur, spec: { ...cur.spec, ...spec } }); return; }
    let uid = this.o.nodeUID?.();
    if (!uid) uid = (await this.o.cs.nodes.get('', this.o.nodeName)).metadata.uid;
    this.lease = await leases.create(LEASE_NAMESPACE, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { name: this.o.nodeName, namespace: LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid }] },
      spec: { ...spec, acquireTime: spec.renewTime },
    });
  }

  stop(): void { clearInterval(this.timer); }
}
