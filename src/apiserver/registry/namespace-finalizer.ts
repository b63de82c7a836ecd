/**
 * @module apiserver/registry/namespace-finalizer
 * Empties a terminating namespace, then releases its `kubernetes` finalizer so the namespace goes:
 * what kube-controller-manager's namespace controller does. It runs beside the API server until
 * skiff has a controller manager (issue 4), which will take it over unchanged in behaviour.
 */
import { allResources } from '../../api/schema/registry.js';
import { StatusError } from '../../machinery/status.js';
import type { ResourceRegistry } from './resources.js';
import type { RequestContext } from './context.js';
import { noAdmission } from './context.js';

const ctx = (): RequestContext => ({ user: { name: 'system:serviceaccount:kube-system:namespace-controller', groups: ['system:masters'] }, userAgent: 'kube-controller-manager/namespace-controller', dryRun: false, fieldValidation: 'Ignore', warnings: [], admission: noAdmission });

export class NamespaceFinalizer {
  private stopWatch?: () => void;
  private busy = new Set<string>();
  private retry = new Map<string, NodeJS.Timeout>();

  constructor(private readonly reg: ResourceRegistry) {}

  async start(): Promise<void> {
    const store = this.reg.storeFor(this.reg.find('', 'v1', 'namespaces')!);
    const cache = this.reg.cacheFor(store);
    await cache.ready();
    const w = cache.watch(0, store.prefix, true, {
      onEvents: (evs) => { for (const ev of evs) if (ev.type !== 'DELETED' && ev.cur.obj.metadata.deletionTimestamp) this.kick(ev.cur.obj.metadata.name); },
      onError: () => {},
    });
    this.stopWatch = () => w.stop();
  }

  stop(): void {
    this.stopWatch?.();
    for (const t of this.retry.values()) clearTimeout(t);
  }

  private kick(ns: string): void {
    if (this.busy.has(ns)) return;
    this.busy.add(ns);
    void this.finalize(ns).then((done) => {
      this.busy.delete(ns);
      if (!done) this.retry.set(ns, setTimeout(() => { this.retry.delete(ns); this.kick(ns); }, 1000));
    }, (e) => { this.busy.delete(ns); console.error('skiff namespace finalizer:', e); });
  }

  /** Delete everything in the namespace; true once it is empty and released. */
  private async finalize(ns: string): Promise<boolean> {
    const seen = new Set<string>();
    let remaining = 0;
    for (const info of allResources()) {
      if (!info.namespaced) continue;
      const store = this.reg.storeFor(info);
      if (seen.has(store.prefix)) continue;
      seen.add(store.prefix);
      const page = await this.reg.storage.list(store.listPrefix(ns));
      for (const kv of page.items) {
        const name = kv.key.slice(store.listPrefix(ns).length);
        try {
          const r = await store.delete(ns, name, { gracePeriodSeconds: 0, propagationPolicy: 'Background' }, ctx());
          if (!r.deleted) remaining++;
        } catch (e) {
          if (!(e instanceof StatusError && e.code === 404)) remaining++;
        }
      }
    }
    if (remaining) return false;
    const nsStore = this.reg.storeFor(this.reg.find('', 'v1', 'namespaces')!);
    try {
      const cur = await nsStore.get('', ns);
      const finalizers = (cur.spec?.finalizers ?? []).filter((f: string) => f !== 'kubernetes');
      await nsStore.update('', ns, { ...cur, spec: { ...cur.spec, finalizers } }, ctx(), 'finalize');
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
    return true;
  }
}
