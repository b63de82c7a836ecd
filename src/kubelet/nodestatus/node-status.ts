/**
 * @module kubelet/nodestatus/node-status
 * The kubelet's own Node (upstream pkg/kubelet/kubelet_node_status.go): register it on start
 * (create; on 409 AlreadyExists take the existing one over, patching labels, addresses and
 * status, as registerWithAPIServer does), then every 10 s compute the status and post it only when
 * something changed or a minute passed since the last post (nodeStatusReportFrequency), since the
 * Lease, not the status, is the heartbeat.
 */
import { StatusError } from '../../machinery/status.js';
import type { Clientset } from '../../client/clientset.js';
import type { EventRecorder } from '../../client/record/recorder.js';
import { podStatusEqual } from '../status/equality.js';
import { nodeStatus, withoutHeartbeat, type NodeStatusInputs } from './setters.js';

export interface NodeStatusOptions {
  cs: Clientset;
  nodeName: string;
  labels?: Record<string, string>;
  podCIDR?: string;
  /** Gather the inputs of a status (runtime status is asked each time). */
  inputs: () => Promise<NodeStatusInputs>;
  updateMs?: number;
  reportMs?: number;
  /** Node events (`NodeReady`, `NodeNotReady`), as upstream's recordNodeStatusEvent. */
  recorder?: EventRecorder;
  log?: (msg: string) => void;
}

/** The reference upstream's kubelet puts on node events: the node's name doubles as its UID. */
export const nodeRef = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } });
const readyOf = (status: any): string | undefined => status?.conditions?.find((c: any) => c.type === 'Ready')?.status;

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class NodeStatusManager {
  node: any | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastPost = 0;
  private posting: Promise<void> | undefined;
  /** Posts sent (tests check that an unchanged node is not re-posted every period). */
  posts = 0;

  constructor(private readonly o: NodeStatusOptions) {}

  private labels(arch: string): Record<string, string> {
    return {
      'kubernetes.io/hostname': this.o.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch,
      'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': arch, ...(this.o.labels ?? {}),
    };
  }

  /** Create the Node, or take over an existing one of our name. Returns the Node. */
  async register(): Promise<any> {
    const inputs = await this.o.inputs();
    const status = nodeStatus(inputs, undefined, now());
    const node = {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name: this.o.nodeName, labels: this.labels(inputs.machine.architecture), annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
      spec: this.o.podCIDR ? { podCIDR: this.o.podCIDR, podCIDRs: [this.o.podCIDR] } : {},
      status,
    };
    try {
      this.node = await this.o.cs.nodes.create('', node);
      this.recordReadyChange(undefined, status);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
      // Registered before (a restart, or another kubelet of this name): reconcile labels, then post status.
      const cur = await this.o.cs.nodes.get('', this.o.nodeName);
      const patched = await this.o.cs.nodes.patch('', this.o.nodeName, { metadata: { labels: node.metadata.labels, annotations: node.metadata.annotations } }, 'merge');
      this.node = await this.o.cs.nodes.patch('', this.o.nodeName, { status: nodeStatus(inputs, cur.status, now()) }, 'merge', 'status').catch(() => patched);
      this.recordReadyChange(cur.status, this.node.status);
    }
    this.lastPost = Date.now();
    this.posts++;
    return this.node;
  }

  /**
   * The Node as the API has it now (from the kubelet's node watch): a status others changed (the
   * node lifecycle controller marking it Unknown) is then a change to post over at the next update.
   */
  observe(node: any): void {
    if (!this.node || Number(node.metadata.resourceVersion) >= Number(this.node.metadata?.resourceVersion ?? 0)) this.node = node;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { void this.sync(); }, this.o.updateMs ?? 10_000);
    this.timer.unref?.();
  }

  /** Compute the status and post it when it changed or is due. */
  sync(force = false): Promise<void> {
    if (this.posting) return this.posting;
    this.posting = this.trySync(force).catch((e) => this.o.log?.(`error updating node status: ${(e as Error).message}`)).finally(() => { this.posting = undefined; });
    return this.posting;
  }

  private async trySync(force: boolean): Promise<void> {
    const cur = this.node ?? await this.o.cs.nodes.get('', this.o.nodeName);
    const status = nodeStatus(await this.o.inputs(), cur.status, now());
    const wanted = { ...cur.status, ...status };
    const changed = !podStatusEqual(withoutHeartbeat(wanted), withoutHeartbeat(cur.status));
    if (!force && !changed && Date.now() - this.lastPost < (this.o.reportMs ?? 60_000)) return;
    try {
      // A merge patch of our fields only: the node lifecycle controller and others own the rest.
      this.node = await this.o.cs.nodes.patch('', this.o.nodeName, { status }, 'merge', 'status');
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) { this.node = undefined; await this.register(); return; }
      throw e;
    }
    this.lastPost = Date.now();
    this.posts++;
    this.recordReadyChange(cur.status, status);
  }

  private recordReadyChange(before: any, after: any): void {
    const was = readyOf(before), now = readyOf(after);
    if (was === now || !this.o.recorder) return;
    if (now === 'True') this.o.recorder.event(nodeRef(this.o.nodeName), 'Normal', 'NodeReady', `Node ${this.o.nodeName} status is now: NodeReady`);
    else this.o.recorder.event(nodeRef(this.o.nodeName), 'Normal', 'NodeNotReady', `Node ${this.o.nodeName} status is now: NodeNotReady`);
  }

  stop(): void { clearInterval(this.timer); }
}
