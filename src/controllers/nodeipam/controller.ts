/**
 * @module controllers/nodeipam/controller
 * Node IPAM (Kubernetes' range allocator): every node gets a podCIDR, a block of the cluster CIDR
 * (`--cluster-cidr` 10.244.0.0/16, `--node-cidr-mask-size` 24), which the node's CNI
 * configuration then hands out to its pods. The allocator's view of what is taken is rebuilt
 * from the nodes themselves, so it survives restarts; a block is released when its node goes.
 */
import { StatusError } from '../../machinery/status.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, type ControllerContext } from '../framework.js';
import { CIDRSet } from './cidrset.js';

export class NodeIPAMController extends QueueController {
  private readonly nodes: Informer;
  private readonly cidrs: CIDRSet;
  /** Blocks handed out but not yet seen on the node (the write is in flight). */
  private readonly pending = new Map<string, string>();

  constructor(ctx: ControllerContext) {
    super('nodeipam', ctx, 1);
    this.cidrs = new CIDRSet(ctx.options.clusterCIDR, ctx.options.nodeCIDRMaskSize);
    this.nodes = ctx.informers.for('nodes');
    this.nodes.addEventHandler({
      add: (n) => { if (n.spec?.podCIDR) this.cidrs.occupy(n.spec.podCIDR); else this.enqueue(n.metadata.name); },
      update: (_, n) => { if (n.spec?.podCIDR) this.cidrs.occupy(n.spec.podCIDR); else this.enqueue(n.metadata.name); },
      delete: (n) => { if (n.spec?.podCIDR) this.cidrs.release(n.spec.podCIDR); },
    });
  }

  protected async sync(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node || node.spec?.podCIDR) { this.pending.delete(name); return; }
    let cidr = this.pending.get(name);
    if (!cidr) {
      cidr = this.cidrs.allocateNext();
      if (!cidr) {
        this.ctx.recorder.event({ ...node, kind: 'Node', apiVersion: 'v1' }, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        throw new Error(`no remaining CIDRs in ${this.ctx.options.clusterCIDR} for node ${name}`);
      }
      this.pending.set(name, cidr);
    }
    try {
      await this.ctx.client.nodes.patch('', name, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'merge');
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) { this.cidrs.release(cidr); this.pending.delete(name); return; }
      throw e; // 409: retried with the newer node; the same block stays reserved for it
    }
  }
}
