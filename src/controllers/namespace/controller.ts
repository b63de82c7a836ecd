/**
 * @module controllers/namespace/controller
 * The namespace controller: a namespace with a deletionTimestamp is emptied and then released
 * (see deleter.ts). When content remains (finalizers, pods' grace periods) the namespace is looked
 * at again after half the estimated time plus a second, as Kubernetes does, rather than at once.
 * It is tolerant of another party finishing the job first: a namespace already finalized or gone
 * is simply done.
 */
import type { Informer } from '../../client/informer.js';
import { QueueController, keyOf, type ControllerContext } from '../framework.js';
import { NamespacedResourcesDeleter, ResourcesRemainingError } from './deleter.js';

export class NamespaceController extends QueueController {
  private readonly namespaces: Informer;
  private readonly deleter: NamespacedResourcesDeleter;

  constructor(ctx: ControllerContext) {
    super('namespace', ctx);
    this.deleter = new NamespacedResourcesDeleter(ctx.client);
    this.namespaces = ctx.informers.for('namespaces');
    const onChange = (ns: any) => { if (ns.metadata.deletionTimestamp) this.enqueue(keyOf(ns)); };
    this.namespaces.addEventHandler({ add: onChange, update: (_o, ns) => onChange(ns) });
  }

  protected async sync(key: string): Promise<void> {
    const ns = this.namespaces.get(key);
    if (!ns?.metadata.deletionTimestamp) return;
    try {
      await this.deleter.delete(key);
    } catch (e) {
      if (e instanceof ResourcesRemainingError) {
        this.queue.addAfter(key, (Math.floor(e.estimateSeconds / 2) + 1) * 1000);
        return;
      }
      throw e;
    }
  }
}
