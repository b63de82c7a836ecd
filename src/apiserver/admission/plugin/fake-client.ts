/**
 * @module apiserver/admission/plugin/fake-client
 * An in-memory LoopbackClient for the plugins' unit tests: objects keyed by group, resource,
 * namespace and name, a resourceVersion bumped on every write, and an `update` that re-reads and
 * retries when another writer got in between (the compare-and-swap the real store does), with a
 * yield between read and write so concurrent updates really interleave.
 */
import { alreadyExists, notFound } from '../../../machinery/status.js';
import type { LoopbackClient } from '../../registry/loopback.js';

export interface FakeClient extends LoopbackClient {
  /** Put an object directly (no events), e.g. for fixtures. */
  seed(group: string, resource: string, obj: any): void;
  /** How many compare-and-swap conflicts `update` has retried. */
  conflicts: number;
}

export function fakeClient(): FakeClient {
  const objects = new Map<string, any>();
  const listeners = new Map<string, Set<() => void>>();
  let rv = 1;
  const key = (g: string, r: string, ns: string, n: string) => `${g}/${r}/${ns}/${n}`;
  const prefix = (g: string, r: string, ns: string) => `${g}/${r}/${ns ? `${ns}/` : ''}`;
  const fire = (g: string, r: string) => {
    for (const fn of listeners.get(`${g}/${r}`) ?? []) queueMicrotask(fn);
  };
  const store = (g: string, r: string, ns: string, obj: any) => {
    const o = structuredClone(obj);
    o.metadata = { ...(o.metadata ?? {}), resourceVersion: String(++rv) };
    if (ns) o.metadata.namespace = ns;
    objects.set(key(g, r, ns, o.metadata.name), o);
    return o;
  };
  const client: FakeClient = {
    conflicts: 0,
    seed(group, resource, obj) { store(group, resource, obj.metadata?.namespace ?? '', obj); },
    async get(group, resource, namespace, name) { return objects.get(key(group, resource, namespace, name)); },
    async list(group, resource, namespace = '') {
      const p = prefix(group, resource, namespace);
      return [...objects.entries()].filter(([k]) => k.startsWith(p)).map(([, v]) => v);
    },
    async create(group, resource, namespace, obj) {
      if (objects.has(key(group, resource, namespace, obj.metadata.name))) throw alreadyExists(group, resource, obj.metadata.name);
      const o = store(group, resource, namespace, obj);
      fire(group, resource);
      return o;
    },
    async update(group, resource, namespace, name, mutate) {
      for (;;) {
        const cur = objects.get(key(group, resource, namespace, name));
        if (!cur) throw notFound(group, resource, name);
        const seen = cur.metadata.resourceVersion;
        const next = mutate(structuredClone(cur));
        await new Promise((r) => setImmediate(r));
        const now = objects.get(key(group, resource, namespace, name));
        if (now?.metadata.resourceVersion !== seen) { client.conflicts++; continue; }
        if (next === null || next === undefined) return cur;
        const o = store(group, resource, namespace, next);
        fire(group, resource);
        return o;
      }
    },
    async delete(group, resource, namespace, name) {
      if (!objects.delete(key(group, resource, namespace, name))) throw notFound(group, resource, name);
      fire(group, resource);
    },
    onChange(group, resource, fn) {
      const k = `${group}/${resource}`;
      if (!listeners.has(k)) listeners.set(k, new Set());
      listeners.get(k)!.add(fn);
      return () => { listeners.get(k)!.delete(fn); };
    },
  };
  return client;
}

/** Admission attributes for a request, with the defaults most tests want. */
export function attrsFor(operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT', resource: string, namespace: string, object: any, extra: Record<string, unknown> = {}): any {
  return {
    operation, group: '', version: 'v1', kind: resource === 'pods' ? 'Pod' : '', resource, subresource: '',
    namespace, name: object?.metadata?.name ?? '', object, oldObject: undefined, dryRun: false,
    user: { name: 'alice', groups: ['system:authenticated'] }, ...extra,
  };
}
