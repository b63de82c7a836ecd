/**
 * @module apiserver/registry/testing/fake-loopback
 * An in-memory LoopbackClient for unit tests of the parts that read and write objects through
 * the loopback client (authenticators, RBAC, admission plugins, small controllers). Objects are
 * keyed by group, resource, namespace and name; every write bumps a resourceVersion; `update`
 * is a compare-and-swap that yields between read and write, so concurrent updates really
 * collide and retry as they do against the real store. Change listeners run as microtasks.
 */
import { randomUUID } from 'node:crypto';
import { alreadyExists, notFound } from '../../../machinery/status.js';
import type { LoopbackClient } from '../loopback.js';

export class FakeLoopback implements LoopbackClient {
  /** Stored objects by `group|resource|namespace|name`. */
  readonly objects = new Map<string, any>();
  private listeners = new Map<string, Set<() => void>>();
  private rv = 1;
  creates = 0;
  updates = 0;
  /** How many compare-and-swap conflicts `update` retried. */
  conflicts = 0;

  private static key(g: string, r: string, ns: string, n: string): string { return `${g}|${r}|${ns}|${n}`; }

  private store(g: string, r: string, obj: any): any {
    const o = structuredClone(obj);
    o.metadata = { ...(o.metadata ?? {}) };
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(FakeLoopback.key(g, r, o.metadata.namespace ?? '', o.metadata.name), o);
    return o;
  }

  private fire(g: string, r: string): void {
    for (const fn of this.listeners.get(`${g}|${r}`) ?? []) queueMicrotask(fn);
  }

  /** Store an object as given (namespace from its metadata; uid and creationTimestamp added if missing) and notify. */
  put(group: string, resource: string, obj: any): any {
    const o = this.store(group, resource, obj);
    this.fire(group, resource);
    return o;
  }

  /** Like put, without notifying listeners (fixtures set up before a test starts). */
  seed(group: string, resource: string, obj: any): any { return this.store(group, resource, obj); }

  /** Remove an object if present, and notify. */
  remove(group: string, resource: string, ns: string, name: string): void {
    this.objects.delete(FakeLoopback.key(group, resource, ns, name));
    this.fire(group, resource);
  }

  async get(group: string, resource: string, namespace: string, name: string): Promise<any> {
    return this.objects.get(FakeLoopback.key(group, resource, namespace, name));
  }

  async list(group: string, resource: string, namespace = ''): Promise<any[]> {
    const prefix = `${group}|${resource}|`;
    return [...this.objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .filter(([k, v]) => k.startsWith(prefix) && (!namespace || (v.metadata.namespace ?? '') === namespace)).map(([, v]) => v);
  }

  async create(group: string, resource: string, namespace: string, obj: any): Promise<any> {
    const o = { ...obj, metadata: { ...obj.metadata, ...(namespace ? { namespace } : {}) } };
    if (this.objects.has(FakeLoopback.key(group, resource, namespace, o.metadata.name))) throw alreadyExists(group, resource, o.metadata.name);
    this.creates++;
    return this.put(group, resource, o);
  }

  async update(group: string, resource: string, namespace: string, name: string, mutate: (cur: any) => any): Promise<any> {
    const k = FakeLoopback.key(group, resource, namespace, name);
    for (;;) {
      const cur = this.objects.get(k);
      if (!cur) throw notFound(group, resource, name);
      const seen = cur.metadata.resourceVersion;
      const next = mutate(structuredClone(cur));
      await new Promise((r) => setImmediate(r));
      if (this.objects.get(k)?.metadata.resourceVersion !== seen) { this.conflicts++; continue; }
      if (next === null || next === undefined) return cur;
      this.updates++;
      return this.put(group, resource, { ...next, metadata: { ...next.metadata, namespace: namespace || next.metadata?.namespace } });
    }
  }

  async delete(group: string, resource: string, namespace: string, name: string): Promise<void> {
    if (!this.objects.has(FakeLoopback.key(group, resource, namespace, name))) throw notFound(group, resource, name);
    this.remove(group, resource, namespace, name);
  }

  onChange(group: string, resource: string, fn: () => void): () => void {
    const k = `${group}|${resource}`;
    if (!this.listeners.has(k)) this.listeners.set(k, new Set());
    this.listeners.get(k)!.add(fn);
    return () => { this.listeners.get(k)?.delete(fn); };
  }
}

/** Let queued change notifications and what they start run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
