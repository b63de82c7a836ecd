/**
 * @module apiserver/registry/resources
 * Every served resource's store and watch cache, built from the API definitions (and from CRDs at
 * run time). Caches start lazily on first list/watch and live until the server stops.
 */
import type { Storage } from '../../storage/interface.js';
import type { ResourceInfo, Schema } from '../../api/schema/types.js';
import { definition, findResource, findResourceAnyVersion } from '../../api/schema/registry.js';
import { StatusError } from '../../machinery/status.js';
import { Store, type WriteGuard } from './store.js';
import { ObjectCodec, type ValueTransformer } from './codec.js';
import type { ResourceCache } from './cache.js';
import { openResourceCache } from './watch-cache.js';
import { strategyFor, storeOptionsFor } from './kinds/index.js';
import type { Operation, RequestContext } from './context.js';
import { noAdmission } from './context.js';

export interface ResourceDepsBase { store: Store; cache: ResourceCache }

export class ResourceRegistry {
  private stores = new Map<string, Store>();
  /** storeFor's fast path: every request asks for its store by the same ResourceInfo object. */
  private storeByInfo = new WeakMap<ResourceInfo, { id: string; store: Store }>();
  private caches = new Map<string, ResourceCache>();
  /** Write guards by `group/resource` (set by the authorization setup). */
  private writeGuards = new Map<string, WriteGuard>();
  readonly codec: ObjectCodec;

  constructor(readonly storage: Storage, transformer?: ValueTransformer) {
    this.codec = new ObjectCodec(transformer);
  }

  private id(group: string, version: string, plural: string): string { return `${group}/${version}/${plural}`; }

  /** The store of a resource, made on first use from its ResourceInfo. */
  storeFor(info: ResourceInfo): Store {
    const hit = this.storeByInfo.get(info);
    if (hit && this.stores.get(hit.id) === hit.store) return hit.store;
    const id = this.id(info.group, info.version, info.plural);
    let s = this.stores.get(id);
    if (!s) {
      const schema: Schema = definition(info.definition) ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      s = new Store(info, schema, this.storage, strategyFor(info, this), this.codec, {
        ...storeOptionsFor(info),
        namespaceGuard: info.kind === 'Namespace' ? undefined : (ns, op) => this.namespaceGuard(ns, op),
        writeGuard: (op, ns, obj, old, ctx) => this.writeGuards.get(`${info.group}/${info.plural}`)?.(op, ns, obj, old, ctx) ?? Promise.resolve(),
      });
      this.stores.set(id, s);
    }
    this.storeByInfo.set(info, { id, store: s });
    return s;
  }

  /** Install a check run before every create/update of `group/resource` (e.g. RBAC escalation). */
  setWriteGuard(group: string, resource: string, g: WriteGuard): void {
    this.writeGuards.set(`${group}/${resource}`, g);
  }

  /** The watch cache of a resource's storage prefix (shared by every version served from it). */
  cacheFor(store: Store): ResourceCache {
    let c = this.caches.get(store.prefix);
    if (!c) {
      c = openResourceCache(this.storage, store.prefix, this.codec);
      this.caches.set(store.prefix, c);
    }
    return c;
  }

  find(group: string, version: string, plural: string): ResourceInfo | undefined {
    return findResource(group, version, plural);
  }

  /** A resource of a group in its first registered (preferred) version. */
  findAnyVersion(group: string, plural: string): ResourceInfo | undefined {
    return findResourceAnyVersion(group, plural);
  }

  depsFor(group: string, version: string, plural: string): ResourceDepsBase | null {
    const info = this.find(group, version, plural);
    if (!info) return null;
    const store = this.storeFor(info);
    return { store, cache: this.cacheFor(store) };
  }

  /** Forget a resource (a CRD was deleted): its store and cache go. */
  drop(group: string, version: string, plural: string): void {
    const id = this.id(group, version, plural);
    const s = this.stores.get(id);
    if (!s) return;
    this.stores.delete(id);
    this.caches.get(s.prefix)?.stop();
    this.caches.delete(s.prefix);
  }

  /** NamespaceLifecycle's storage-side rule: no new content in a missing or terminating namespace. */
  async namespaceGuard(ns: string, op: Operation): Promise<void> {
    if (op !== 'CREATE' || !ns) return;
    const nsStore = this.storeFor(this.find('', 'v1', 'namespaces')!);
    // Like NamespaceLifecycle, look in the namespace cache first and ask storage only on a miss
    // (a namespace created a moment ago may not have reached the cache yet).
    let obj: any = this.cacheFor(nsStore).get(nsStore.key('', ns))?.obj;
    if (!obj) try {
      obj = await nsStore.get('', ns);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) throw new StatusError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
      throw e;
    }
    if (obj.metadata.deletionTimestamp || obj.status?.phase === 'Terminating') {
      throw new StatusError(403, 'Forbidden', `unable to create new content in namespace ${ns} because it is being terminated`,
        { name: ns, kind: 'namespaces', causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }] });
    }
  }

  /** The namespaces every cluster has, and the `kubernetes` Service, made if missing. */
  async bootstrap(): Promise<void> {
    const ctx: RequestContext = { user: { name: 'system:apiserver', groups: ['system:masters'] }, userAgent: 'kube-apiserver', dryRun: false, fieldValidation: 'Ignore', warnings: [], admission: noAdmission };
    const nsStore = this.storeFor(this.find('', 'v1', 'namespaces')!);
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      try { await nsStore.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { ...ctx, warnings: [] }); } catch (e) {
        if (!(e instanceof StatusError && e.code === 409)) throw e;
      }
    }
    const svc = this.find('', 'v1', 'services');
    if (svc) {
      try {
        await this.storeFor(svc).create('default', {
          apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
          spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' },
        }, { ...ctx, warnings: [] });
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409)) throw e;
      }
    }
  }

  /** Objects per resource, from the caches that are running (apiserver_storage_objects). */
  objectCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.stores.values()) {
      const c = this.caches.get(s.prefix);
      if (c) out.set(s.group ? `${s.resource}.${s.group}` : s.resource, c.size());
    }
    return out;
  }

  stop(): void {
    for (const c of this.caches.values()) c.stop();
    this.caches.clear();
  }
}
