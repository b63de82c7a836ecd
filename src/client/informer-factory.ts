/**
 * @module client/informer-factory
 * client-go's SharedInformerFactory: one informer (one list+watch, one cache) per resource, shared
 * by every controller in the process that asks for it. Controllers register handlers and indexers
 * before `start()`; `waitForCacheSync()` resolves once every requested informer has listed.
 */
import { Informer } from './informer.js';
import { GVRS, type Clientset, type ResourceName } from './clientset.js';
import type { GVR } from './rest.js';

export class SharedInformerFactory {
  private informers = new Map<string, Informer>();
  private started = false;

  constructor(private readonly cs: Clientset) {}

  /** The shared informer for a resource (created on first use; started at once if the factory already is). */
  for(r: ResourceName | GVR): Informer {
    const gvr = typeof r === 'string' ? GVRS[r] : r;
    const id = `${gvr.group}/${gvr.version}/${gvr.resource}`;
    let inf = this.informers.get(id);
    if (!inf) {
      inf = new Informer(this.cs.resource(gvr));
      this.informers.set(id, inf);
      if (this.started) void inf.start();
    }
    return inf;
  }

  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) if (!inf.hasSynced()) void inf.start();
  }

  async waitForCacheSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}
