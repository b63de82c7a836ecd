/**
 * @module apiserver/authorization/testing/fake-loopback
 * An in-memory LoopbackClient for the authorization unit tests: objects keyed by group, resource,
 * namespace and name, onChange listeners fired on a microtask after each write, like the real one.
 */
import type { LoopbackClient } from '../../registry/loopback.js';
import { StatusError } from '../../../machinery/status.js';

export class FakeLoopback implements LoopbackClient {
  readonly objects = new Map<string, any>();
  private listeners = new Map<string, Set<() => void>>();
  private rv = 1;
  updates = 0;
  creates = 0;

  private static key(group: string, resource: string, ns: string, name: string): string { return `${group}|${resource}|${ns}|${name}`; }

  /** Store an object as-is (namespace taken from metadata) and notify. */
  put(group: string, resource: string, obj: any): any {
    const o = structuredClone(obj);
    o.metadata = { ...o.metadata, resourceVersion: String(++this.rv) };
    this.objects.set(FakeLoopback.key(group, resource, o.metadata.namespace ?? '', o.metadata.name), o);
    this.fire(group, resource);
    return o;
  }

  remove(group: string, resource: string, ns: string, name: string): void {
    this.objects.delete(FakeLoopback.key(group, resource, ns, name));
    this.fire(group, resource);
  }

  private fire(group: string, resource: string): void {
    for (const fn of this.listeners.get(`${group}|${resource}`) ?? []) queueMicrotask(fn);
  }

  async get(group: string, resource: string, namespace: string, name: string): Promise<any> {
    return this.objects.get(FakeLoopback.key(group, resource, namespace, name));
  }
  async list(group: string, resource: string, namespace = ''): Promise<any[]> {
    const prefix = `${group}|${resource}|`;
    const out: any[] = [];
    for (const [k, v] of [...this.objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (k.startsWith(prefix) && (!namespace || (v.metadata.namespace ?? '') === namespace)) out.push(v);
    }
    return out;
  }
  async create(group: string, resource: string, namespace: string, obj: any): Promise<any> {
    const o = structuredClone(obj);
    o.metadata = { ...o.metadata };
    if (namespace) o.metadata.namespace = namespace;
    if (this.objects.has(FakeLoopback.key(group, resource, namespace, o.metadata.name))) {
      throw new StatusError(409, 'AlreadyExists', `${resource}.${group} "${o.metadata.name}" already exists`);
    }
    this.creates++;
    return this.put(group, resource, o);
  }
  async update(group: string, resource: string, namespace: string, name: string, mutate: (cur: any) => any): Promise<any> {
    const cur = this.objects.get(FakeLoopback.key(group, resource, namespace, name));
    if (!cur) throw new StatusError(404, 'NotFound', `${resource}.${group} "${name}" not found`);
    const next = mutate(structuredClone(cur));
    if (!next) return cur;
    this.updates++;
    return this.put(group, resource, next);
  }
  async delete(group: string, resource: string, namespace: string, name: string): Promise<void> {
    this.remove(group, resource, namespace, name);
  }
  onChange(group: string, resource: string, fn: () => void): () => void {
    const k = `${group}|${resource}`;
    if (!this.listeners.has(k)) this.listeners.set(k, new Set());
    this.listeners.get(k)!.add(fn);
    return () => { this.listeners.get(k)?.delete(fn); };
  }
}

/** Let queued microtasks and the follow-up lists run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
