/**
 * @module apiserver/authentication/fake-loopback
 * Test support only: an in-memory LoopbackClient for the authenticators' unit tests, so they can
 * create, recreate and delete ServiceAccounts, Secrets and Pods without a server.
 */
import { randomUUID } from 'node:crypto';
import type { LoopbackClient } from '../registry/loopback.js';

export interface FakeLoopback extends LoopbackClient {
  /** Stores an object as is (a uid and creationTimestamp are added when missing) and returns it. */
  put(group: string, resource: string, obj: any): any;
  objects: Map<string, any>;
}

export function fakeLoopback(): FakeLoopback {
  const objects = new Map<string, any>();
  const listeners = new Map<string, Set<() => void>>();
  const key = (g: string, r: string, ns: string, n: string) => `${g}/${r}/${ns}/${n}`;
  const notify = (g: string, r: string) => {
    for (const fn of listeners.get(`${g}/${r}`) ?? []) queueMicrotask(fn);
  };
  const put = (g: string, r: string, obj: any) => {
    const o = structuredClone(obj);
    o.metadata ??= {};
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    objects.set(key(g, r, o.metadata.namespace ?? '', o.metadata.name), o);
    notify(g, r);
    return o;
  };
  return {
    objects,
    put,
    async get(g, r, ns, n) { return objects.get(key(g, r, ns, n)); },
    async list(g, r, ns = '') {
      const prefix = ns ? key(g, r, ns, '') : `${g}/${r}/`;
      return [...objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
    },
    async create(g, r, ns, obj) {
      const k = key(g, r, ns, obj.metadata.name);
      if (objects.has(k)) throw new Error('already exists');
      return put(g, r, { ...obj, metadata: { ...obj.metadata, namespace: ns || undefined } });
    },
    async update(g, r, ns, n, mutate) {
      const k = key(g, r, ns, n);
      const cur = objects.get(k);
      if (!cur) throw new Error(`${r} "${n}" not found`);
      const next = mutate(structuredClone(cur));
      if (!next) return cur;
      objects.set(k, next);
      notify(g, r);
      return next;
    },
    async delete(g, r, ns, n) {
      objects.delete(key(g, r, ns, n));
      notify(g, r);
    },
    onChange(g, r, fn) {
      const k = `${g}/${r}`;
      if (!listeners.has(k)) listeners.set(k, new Set());
      listeners.get(k)!.add(fn);
      return () => { listeners.get(k)!.delete(fn); };
    },
  };
}
