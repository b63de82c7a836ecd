/**
 * @module apiserver/registry/loopback
 * How parts of the API server itself (authenticators, RBAC, admission plugins, the token
 * controller) read and write objects: straight through the registry, as the user
 * `system:apiserver`, without another trip through authentication, authorization or admission.
 * Reads come from the watch caches, so they are cheap enough for every request.
 */
import { StatusError } from '../../machinery/status.js';
import type { ResourceRegistry } from './resources.js';
import type { Store } from './store.js';
import { noAdmission, type RequestContext } from './context.js';
import { deepCopy } from '../../machinery/deep-copy.js';

export interface LoopbackClient {
  /** An object as the watch cache holds it now (loading the cache on first use), or undefined. Do not mutate it. */
  get(group: string, resource: string, namespace: string, name: string): Promise<any | undefined>;
  /** Every object of a resource (in one namespace, or all when namespace is empty), from the cache. Do not mutate them. */
  list(group: string, resource: string, namespace?: string): Promise<any[]>;
  /** Create as system:apiserver (no admission). Returns the stored object. */
  create(group: string, resource: string, namespace: string, obj: any): Promise<any>;
  /** Read-modify-write with compare-and-swap, retried on conflict. `mutate` returns the new object or null to leave it. */
  update(group: string, resource: string, namespace: string, name: string, mutate: (cur: any) => any | null): Promise<any>;
  delete(group: string, resource: string, namespace: string, name: string): Promise<void>;
  /** Called (coalesced, asynchronously) after any change to the resource. Returns an unsubscribe function. */
  onChange(group: string, resource: string, fn: () => void): () => void;
}

export function systemContext(name = 'system:apiserver'): RequestContext {
  return { user: { name, groups: ['system:masters'] }, userAgent: 'kube-apiserver', dryRun: false, fieldValidation: 'Ignore', warnings: [], admission: noAdmission };
}

/** The preferred (first registered) version of a group's resource. */
function storeOf(reg: ResourceRegistry, group: string, resource: string): Store {
  const info = reg.findAnyVersion(group, resource);
  if (!info) throw new StatusError(404, 'NotFound', `the server could not find the requested resource (${resource}.${group})`);
  return reg.storeFor(info);
}

export function loopbackClient(reg: ResourceRegistry): LoopbackClient {
  return {
    async get(group, resource, namespace, name) {
      const store = storeOf(reg, group, resource);
      const cache = reg.cacheFor(store);
      await cache.ready();
      const hit = cache.get(store.key(store.info.namespaced ? namespace : '', name));
      if (hit) return hit.obj;
      // A write made a moment ago may not be in the cache yet: ask storage before saying no.
      try { return await store.get(store.info.namespaced ? namespace : '', name); } catch (e) {
        if (e instanceof StatusError && e.code === 404) return undefined;
        throw e;
      }
    },
    async list(group, resource, namespace = '') {
      const store = storeOf(reg, group, resource);
      const cache = reg.cacheFor(store);
      await cache.ready();
      return cache.snapshot(store.listPrefix(store.info.namespaced ? namespace : '')).map((c) => c.obj);
    },
    async create(group, resource, namespace, obj) {
      const store = storeOf(reg, group, resource);
      return store.create(store.info.namespaced ? namespace : '', obj, systemContext());
    },
    async update(group, resource, namespace, name, mutate) {
      const store = storeOf(reg, group, resource);
      const ns = store.info.namespaced ? namespace : '';
      const r = await store.guaranteedUpdate(ns, name, (cur) => {
        const next = mutate(deepCopy(cur));
        return next ?? cur;
      });
      return r.obj;
    },
    async delete(group, resource, namespace, name) {
      const store = storeOf(reg, group, resource);
      await store.delete(store.info.namespaced ? namespace : '', name, { gracePeriodSeconds: 0 }, systemContext());
    },
    onChange(group, resource, fn) {
      const store = storeOf(reg, group, resource);
      const cache = reg.cacheFor(store);
      let scheduled = false;
      let stopped = false;
      let w: { stop(): void } | undefined;
      const fire = () => {
        if (scheduled || stopped) return;
        scheduled = true;
        queueMicrotask(() => { scheduled = false; if (!stopped) fn(); });
      };
      const subscribe = () => {
        if (stopped) return;
        // A watch that fails (e.g. it fell too far behind) is opened again from now; whatever it
        // missed is covered by firing once, since listeners re-read the whole resource.
        w = cache.watch(cache.revision(), store.prefix, false, { onEvents: fire, onError: () => { fire(); setTimeout(subscribe, 100).unref(); } });
      };
      void cache.ready().then(subscribe);
      return () => { stopped = true; w?.stop(); };
    },
  };
}
