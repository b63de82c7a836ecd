/**
 * @module storage/cacher/testing/memory-storage
 * TEST DOUBLE: an in-memory Storage with etcd's semantics (one global revision, history, compaction,
 * watches that replay from a revision, asynchronous batched delivery), plus fault injection for tests.
 * Not for production use.
 */
import { writeFileSync } from 'node:fs';
import {
  StorageError, type KeyValue, type ListOptions, type ListResult, type Storage, type WatchEvent, type WatchHandlers, type Watcher,
} from '../../interface.js';

interface MemWatch { prefix: string; handlers: WatchHandlers; queue: WatchEvent[]; scheduled: boolean; stopped: boolean }

export class MemoryStorage implements Storage {
  readonly driver = 'memory-test-double';
  private rev = 0;
  private compacted = 0;
  private readonly data = new Map<string, KeyValue>();
  /** Every write since the compacted revision, in order. */
  private log: WatchEvent[] = [];
  private watches = new Set<MemWatch>();
  /** Count of storage watches opened (the cache should open one). */
  watchesOpened = 0;
  listCalls = 0;

  async get(key: string): Promise<KeyValue | null> { return this.data.get(key) ?? null; }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.listCalls++;
    const at = opts.revision || this.rev;
    if (at < this.compacted) throw new StorageError('Compacted', `required revision ${at} has been compacted`, undefined, undefined, this.compacted);
    if (at > this.rev) throw new StorageError('Internal', `revision ${at} is in the future`);
    const state = new Map(this.data);
    // Undo the writes after `at`, newest first.
    for (let i = this.log.length - 1; i >= 0 && this.log[i].revision > at; i--) {
      const ev = this.log[i];
      if (ev.prevKv) state.set(ev.kv.key, ev.prevKv); else state.delete(ev.kv.key);
    }
    let keys = [...state.keys()].filter((k) => k.startsWith(prefix)).sort();
    if (opts.startAfter !== undefined) keys = keys.filter((k) => k > opts.startAfter!);
    const more = !!opts.limit && keys.length > opts.limit;
    const page = more ? keys.slice(0, opts.limit) : keys;
    return { items: page.map((k) => state.get(k)!), revision: at, more, remaining: more ? keys.length - page.length : undefined };
  }

  async count(prefix: string): Promise<number> { return [...this.data.keys()].filter((k) => k.startsWith(prefix)).length; }

  async create(key: string, value: string): Promise<KeyValue> {
    if (this.data.has(key)) throw new StorageError('KeyExists', `${key} exists`, key);
    const rev = ++this.rev;
    const kv: KeyValue = { key, value, createRevision: rev, modRevision: rev };
    this.data.set(key, kv);
    this.emit({ type: 'create', kv, revision: rev });
    return kv;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<KeyValue> {
    const cur = this.data.get(key);
    if (!cur) throw new StorageError('NotFound', `${key} not found`, key);
    if (cur.modRevision !== expectedModRevision) throw new StorageError('Conflict', `${key} changed`, key, cur);
    const rev = ++this.rev;
    const kv: KeyValue = { key, value, createRevision: cur.createRevision, modRevision: rev };
    this.data.set(key, kv);
    this.emit({ type: 'update', kv, prevKv: cur, revision: rev });
    return kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    const cur = this.data.get(key);
    if (!cur) throw new StorageError('NotFound', `${key} not found`, key);
    if (expectedModRevision !== undefined && cur.modRevision !== expectedModRevision) throw new StorageError('Conflict', `${key} changed`, key, cur);
    const rev = ++this.rev;
    this.data.delete(key);
    this.emit({ type: 'delete', kv: { ...cur, modRevision: rev }, prevKv: cur, revision: rev });
    return { prev: cur, revision: rev };
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watcher {
    this.watchesOpened++;
    const w: MemWatch = { prefix, handlers, queue: [], scheduled: false, stopped: false };
    if (afterRevision > 0 && afterRevision < this.compacted) {
      const c = this.compacted;
      setImmediate(() => { if (!w.stopped) { w.stopped = true; handlers.onError?.(new StorageError('Compacted', 'compacted', undefined, undefined, c)); } });
      return { stop() { w.stopped = true; } };
    }
    this.watches.add(w);
    if (afterRevision > 0) for (const ev of this.log) if (ev.revision > afterRevision) this.enqueue(w, ev);
    return { stop: () => { w.stopped = true; this.watches.delete(w); } };
  }

  async currentRevision(): Promise<number> { return this.rev; }
  async compactedRevision(): Promise<number> { return this.compacted; }

  async compact(revision: number): Promise<void> {
    this.compacted = Math.max(this.compacted, revision);
    this.log = this.log.filter((e) => e.revision > revision);
  }

  async snapshot(file: string): Promise<void> { writeFileSync(file, JSON.stringify([...this.data.values()])); }

  async close(): Promise<void> { for (const w of this.watches) w.stopped = true; this.watches.clear(); }

  // ---- fault injection and helpers for tests ----

  /** Fail every open watch with `err` (e.g. a lost connection, or 'Compacted'). */
  breakWatches(err: StorageError): void {
    for (const w of [...this.watches]) {
      this.watches.delete(w);
      w.stopped = true;
      setImmediate(() => w.handlers.onError?.(err));
    }
  }

  /** Send a progress notification at the current revision to every watch (after queued events). */
  notifyProgress(): void {
    const rev = this.rev;
    for (const w of this.watches) setImmediate(() => { if (!w.stopped && w.queue.length === 0) w.handlers.onProgress?.(rev); });
  }

  /** Advance the revision without touching any key (a write to some other resource). */
  bumpRevision(): number { return ++this.rev; }

  private emit(ev: WatchEvent): void {
    this.log.push(ev);
    for (const w of this.watches) if (ev.kv.key.startsWith(w.prefix)) this.enqueue(w, ev);
  }

  private enqueue(w: MemWatch, ev: WatchEvent): void {
    w.queue.push(ev);
    if (w.scheduled) return;
    w.scheduled = true;
    setImmediate(() => {
      w.scheduled = false;
      const batch = w.queue;
      w.queue = [];
      if (!w.stopped && batch.length) w.handlers.onEvents(batch);
    });
  }
}
