/**
 * @module client/informer
 * client-go's shared informer, reduced to its essentials: list, then watch from the list's
 * resourceVersion (with bookmarks), keeping a local cache of the objects and calling handlers on
 * add, update and delete. A watch that ends is resumed from the last resourceVersion seen; one
 * that is too old (410 Gone) is replaced by a fresh list, whose differences from the cache are
 * delivered as events, so handlers never miss a change. Indexers answer "which objects have X"
 * (e.g. pods by node) without scanning.
 */
import { StatusError } from '../machinery/status.js';
import type { ResourceClient } from './rest.js';

export interface EventHandlers {
  add?(obj: any): void;
  update?(oldObj: any, newObj: any): void;
  delete?(obj: any): void;
}

export type IndexFunc = (obj: any) => string[];

export const keyOf = (obj: any): string => (obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name);

export class Informer {
  private items = new Map<string, any>();
  private handlers: EventHandlers[] = [];
  private indexers = new Map<string, IndexFunc>();
  private indices = new Map<string, Map<string, Set<string>>>();
  private rv = '';
  private watch: { stop(): void } | undefined;
  private stopped = false;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = 100;
  private starting = false;

  constructor(private readonly client: ResourceClient, private readonly namespace = '', private readonly opts: { labelSelector?: string; fieldSelector?: string } = {}) {}

  addEventHandler(h: EventHandlers): void {
    this.handlers.push(h);
    // A handler added late still hears about every object, as client-go's does.
    if (this.synced) for (const o of this.items.values()) h.add?.(o);
  }

  addIndexer(name: string, fn: IndexFunc): void {
    this.indexers.set(name, fn);
    const idx = new Map<string, Set<string>>();
    this.indices.set(name, idx);
    for (const [k, o] of this.items) for (const v of fn(o)) (idx.get(v) ?? idx.set(v, new Set()).get(v)!).add(k);
  }

  byIndex(name: string, value: string): any[] {
    return [...(this.indices.get(name)?.get(value) ?? [])].map((k) => this.items.get(k)).filter(Boolean);
  }

  get(key: string): any | undefined { return this.items.get(key); }
  list(): any[] { return [...this.items.values()]; }
  hasSynced(): boolean { return this.synced; }
  get lastSyncResourceVersion(): string { return this.rv; }

  /** Start listing and watching; resolves once the first list is in the cache. */
  start(): Promise<void> {
    if (!this.starting) { this.starting = true; void this.relist(); }
    return this.waitForSync();
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    clearTimeout(this.retryTimer);
  }

  private index(key: string, oldObj: any, newObj: any): void {
    for (const [name, fn] of this.indexers) {
      const idx = this.indices.get(name)!;
      if (oldObj) for (const v of fn(oldObj)) idx.get(v)?.delete(key);
      if (newObj) for (const v of fn(newObj)) (idx.get(v) ?? idx.set(v, new Set()).get(v)!).add(key);
    }
  }

  private apply(type: string, obj: any): void {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (type === 'DELETED') {
      if (!old) return;
      this.items.delete(key);
      this.index(key, old, null);
      for (const h of this.handlers) h.delete?.(obj);
      return;
    }
    this.items.set(key, obj);
    this.index(key, old, obj);
    for (const h of this.handlers) old ? h.update?.(old, obj) : h.add?.(obj);
  }

  private retry(fn: () => void): void {
    if (this.stopped) return;
    this.retryTimer = setTimeout(fn, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    let list: any;
    try {
      list = await this.client.list(this.namespace, { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector });
    } catch {
      return this.retry(() => { void this.relist(); });
    }
    if (this.stopped) return;
    // Replace: what is gone since the last list is deleted, the rest added or updated.
    const seen = new Set<string>();
    for (const o of list.items ?? []) {
      const k = keyOf(o);
      seen.add(k);
      const old = this.items.get(k);
      if (!old || old.metadata.resourceVersion !== o.metadata.resourceVersion) this.apply('ADDED', o);
    }
    for (const [k, o] of [...this.items]) if (!seen.has(k)) this.apply('DELETED', o);
    this.rv = list.metadata?.resourceVersion ?? '';
    this.backoffMs = 100;
    if (!this.synced) { this.synced = true; for (const w of this.syncWaiters.splice(0)) w(); }
    this.startWatch();
  }

  private startWatch(): void {
    if (this.stopped) return;
    let tooOld = false;
    this.watch = this.client.watch(this.namespace, { resourceVersion: this.rv, allowWatchBookmarks: true, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, timeoutSeconds: 300 + Math.floor(Math.random() * 300) },
      (ev) => {
        if (ev.type === 'ERROR') { if (ev.object?.code === 410) tooOld = true; return; }
        if (ev.object?.metadata?.resourceVersion) this.rv = ev.object.metadata.resourceVersion;
        if (ev.type === 'BOOKMARK') return;
        this.apply(ev.type, ev.object);
      },
      (err) => {
        if (this.stopped) return;
        if (tooOld || (err instanceof StatusError && err.code === 410)) return void this.relist();
        if (err) return this.retry(() => this.startWatch());
        this.startWatch(); // the server closed it (timeoutSeconds): resume from the last resourceVersion
      });
  }
}
