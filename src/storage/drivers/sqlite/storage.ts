/**
 * @module storage/drivers/sqlite/storage
 * SqliteStorage: the embedded default store, with etcd's semantics over one SQLite file.
 * Writes run synchronously (better-sqlite3) against one connection and take the next global revision
 * (kept in memory and in `meta`), so they cannot race; writes of one event-loop turn share one commit.
 * Reads at the latest revision touch only the table of live keys, so LIST costs what the live objects
 * cost, not what their history costs.
 */
import type Database from 'better-sqlite3';
import { openSync, closeSync, fsync } from 'node:fs';
import {
  StorageError, type KeyValue, type ListOptions, type ListResult, type Storage, type WatchEvent, type WatchHandlers, type Watcher,
} from '../../interface.js';
import { CREATE, DELETE, UPDATE, prefixRange, prepare, type KvRow, type Statements } from './schema.js';
import { WatchHub, asStorageError, compactedError } from './watch.js';
import { listAtRevision } from './list-at.js';
import { takeSnapshot } from './snapshot.js';

export interface SqliteTuning {
  /** History rows replayed per step for watches from an old revision. */
  replayBatch: number;
  progressDelayMs: number;
}

const toKv = (r: KvRow): KeyValue => ({ key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.mod_rev });

/** One write waiting for its batch to commit. */
interface PendingWrite { event: WatchEvent; resolve: () => void; reject: (err: StorageError) => void }

/** Op-level refusals: checked before anything is written, so the rest of the batch is unaffected. */
const clean = (err: unknown) => err instanceof StorageError && (err.code === 'KeyExists' || err.code === 'NotFound' || err.code === 'Conflict');

export class SqliteStorage implements Storage {
  readonly driver = 'sqlite';
  /** The revision of the last write, committed or in the open batch. */
  private rev: number;
  /** The revision of the last committed write: what watches and currentRevision() see. */
  private committed: number;
  private compacted: number;
  private readonly st: Statements;
  private readonly hub: WatchHub;
  private closed = false;
  /**
   * Group commit. A commit costs ~100 µs of WAL writes while the statements cost ~15 µs, so every write
   * issued in one event-loop turn joins one transaction, committed at setImmediate; each caller is
   * acknowledged (and watchers notified) only after that COMMIT. Reads in the same turn see the open
   * batch; that is linearizable unless the COMMIT itself fails (disk error), which rejects the whole batch.
   */
  private batch: { startRev: number; writes: PendingWrite[] } | undefined;
  /** Runs once the store has closed (stops the maintenance timers). */
  onClose: (() => void) | undefined;
  /** This process has written: it owns the file (a `snapshot save` process only reads, so must not sweep). */
  hasWritten = false;
  /**
   * Durable commits without blocking the event loop: the connection runs synchronous=NORMAL (COMMIT
   * writes the WAL without fsync) and each committed batch is acknowledged only after an fsync of the
   * WAL on libuv's thread pool. One fsync is in flight at a time and covers every batch committed
   * before it started, so batches are acknowledged (and published to watchers) in revision order.
   * Meanwhile the event loop keeps serving requests and filling the next batch.
   */
  private readonly asyncFsync: boolean;
  private walFd: number | undefined;
  private syncing: Promise<void> | undefined;
  private awaitingSync: { writes: PendingWrite[]; rev: number }[] = [];

  constructor(readonly db: Database.Database, tuning: SqliteTuning & { asyncFsync?: boolean }) {
    this.asyncFsync = !!tuning.asyncFsync;
    this.st = prepare(db);
    this.rev = this.committed = this.st.readMeta.get('revision')!.value;
    this.compacted = this.st.readMeta.get('compacted')!.value;
    this.hub = new WatchHub({
      currentRevision: () => this.committed,
      compactedRevision: () => this.compacted,
      readLog: (after, upTo, lo, hi, limit) => this.st.logAfter.all(after, upTo, lo, hi, limit),
    }, tuning);
  }

  private opCreate(key: string, value: string, expiresAt: number | null): WatchEvent {
    const rev = this.rev + 1;
    if (this.st.insert.run(key, value, rev, rev, expiresAt).changes === 0) {
      throw new StorageError('KeyExists', `key ${key} already exists`, key, this.getRow(key) ?? undefined);
    }
    this.st.appendLog.run(rev, key, CREATE, value, rev, null, null);
    return { type: 'create', kv: { key, value, createRevision: rev, modRevision: rev }, revision: rev };
  }

  private opUpdate(key: string, value: string, expected: number, expiresAt: number | null): WatchEvent {
    const prev = this.current(key, expected);
    const rev = this.rev + 1;
    this.st.update.run(value, rev, expiresAt, key);
    this.st.appendLog.run(rev, key, UPDATE, value, prev.create_rev, prev.value, prev.mod_rev);
    return { type: 'update', kv: { key, value, createRevision: prev.create_rev, modRevision: rev }, prevKv: toKv(prev), revision: rev };
  }

  private opDelete(key: string, expected: number | undefined): WatchEvent {
    const prev = this.current(key, expected);
    const rev = this.rev + 1;
    this.st.remove.run(key);
    this.st.appendLog.run(rev, key, DELETE, null, prev.create_rev, prev.value, prev.mod_rev);
    const prevKv = toKv(prev);
    return { type: 'delete', kv: { ...prevKv, modRevision: rev }, prevKv, revision: rev };
  }

  /** The live row, checked against the caller's precondition. */
  private current(key: string, expected: number | undefined): KvRow {
    const row = this.st.get.get(key);
    if (!row) throw new StorageError('NotFound', `key ${key} not found`, key);
    if (expected !== undefined && row.mod_rev !== expected) {
      throw new StorageError('Conflict', `key ${key} has modRevision ${row.mod_rev}, not ${expected}`, key, toKv(row));
    }
    return row;
  }

  /** Runs one write inside the open batch (opening it if needed); settles after the batch commits. */
  private write(op: () => WatchEvent): Promise<WatchEvent> {
    this.ensureOpen();
    try {
      if (!this.batch) {
        this.st.begin.run();
        this.batch = { startRev: this.rev, writes: [] };
        setImmediate(() => this.flushWrites());
      }
      const event = op();
      this.rev = event.revision;
      this.hasWritten = true;
      return new Promise((resolve, reject) => this.batch!.writes.push({ event, reject, resolve: () => resolve(event) }));
    } catch (err) {
      if (!clean(err)) this.abortBatch(asStorageError(err));
      return Promise.reject(asStorageError(err));
    }
  }

  /** Commit the open batch now, then acknowledge its writes and publish their events in order. */
  flushWrites(): void {
    const b = this.batch;
    if (!b) return;
    try {
      if (b.writes.length && this.st.bumpRevision.run(this.rev, b.startRev).changes !== 1) {
        throw new StorageError('Internal', 'the stored revision moved: another process is writing this database');
      }
      this.st.commit.run();
    } catch (err) {
      return this.abortBatch(asStorageError(err));
    }
    this.batch = undefined;
    if (this.asyncFsync && b.writes.length) {
      this.awaitingSync.push({ writes: b.writes, rev: this.rev });
      this.startSync();
      return;
    }
    this.committed = this.rev;
    for (const w of b.writes) this.hub.publish(w.event);
    for (const w of b.writes) w.resolve();
  }

  /** fsync the WAL for every batch committed so far, then acknowledge and publish them in order. */
  private startSync(): void {
    if (this.syncing || !this.awaitingSync.length) return;
    const batches = this.awaitingSync;
    this.awaitingSync = [];
    this.syncing = new Promise<void>((done) => {
      const finish = (err: Error | null) => {
        this.syncing = undefined;
        if (err) {
          // The data is committed but may not be on disk: the write's fate is unknown, as etcd's
          // would be after a failed fsync. Say so rather than acknowledge it.
          const e = new StorageError('Internal', `fsync of the write-ahead log failed: ${err.message}`);
          for (const b of batches) for (const w of b.writes) w.reject(e);
        } else {
          this.committed = batches[batches.length - 1].rev;
          for (const b of batches) for (const w of b.writes) this.hub.publish(w.event);
          for (const b of batches) for (const w of b.writes) w.resolve();
        }
        done();
        this.startSync();
      };
      try {
        this.walFd ??= openSync(`${this.db.name}-wal`, 'r');
      } catch (err) {
        return finish(err as Error);
      }
      fsync(this.walFd, finish);
    });
  }

  /** Wait until every committed write is durable (and acknowledged). */
  private async drainSync(): Promise<void> {
    while (this.syncing || this.awaitingSync.length) {
      if (!this.syncing) this.startSync();
      await this.syncing;
    }
  }

  private abortBatch(err: StorageError): void {
    const b = this.batch;
    if (!b) return;
    this.batch = undefined;
    try { if (this.db.inTransaction) this.st.rollback.run(); } catch { /* the connection already rolled back */ }
    this.rev = b.startRev;
    for (const w of b.writes) w.reject(err);
  }

  get inBatch(): boolean { return this.batch !== undefined; }

  async get(key: string): Promise<KeyValue | null> {
    this.ensureOpen();
    return this.guard(() => this.getRow(key));
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    const at = opts.revision && opts.revision > 0 ? opts.revision : this.rev;
    if (at < this.compacted) throw compactedError(at, this.compacted);
    if (at > this.rev) throw new StorageError('Internal', `required revision ${at} is a future revision (current ${this.rev})`);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const after = opts.startAfter ?? '';
    return this.guard(() => {
      if (at !== this.rev) return listAtRevision(this.st, prefix, at, this.rev, limit, after);
      const [lo, hi] = prefixRange(prefix);
      const rows = this.st.listRange.all(lo, hi, after, limit ? limit + 1 : -1);
      const more = limit > 0 && rows.length > limit;
      if (more) rows.length = limit;
      const result: ListResult = { items: rows.map(toKv), revision: at, more };
      if (more) result.remaining = this.st.countRange.get(lo, hi, rows[rows.length - 1].key)!.n;
      return result;
    });
  }

  async count(prefix: string): Promise<number> {
    this.ensureOpen();
    const [lo, hi] = prefixRange(prefix);
    return this.guard(() => this.st.countRange.get(lo, hi, '')!.n);
  }

  async create(key: string, value: string, opts?: { ttlSeconds?: number }): Promise<KeyValue> {
    return (await this.write(() => this.opCreate(key, value, expiry(opts?.ttlSeconds)))).kv;
  }

  async update(key: string, value: string, expectedModRevision: number, opts?: { ttlSeconds?: number }): Promise<KeyValue> {
    return (await this.write(() => this.opUpdate(key, value, expectedModRevision, expiry(opts?.ttlSeconds)))).kv;
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    const ev = await this.write(() => this.opDelete(key, expectedModRevision));
    return { prev: ev.prevKv!, revision: ev.revision };
  }

  /** Delete for the TTL sweeper (expiry is a real delete, seen by watches). */
  expire(key: string): Promise<unknown> {
    return this.write(() => this.opDelete(key, undefined));
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watcher {
    if (this.closed) {
      setImmediate(() => handlers.onError?.(new StorageError('Unavailable', 'storage is closed')));
      return { stop() { /* nothing to stop */ } };
    }
    return this.hub.watch(prefix, afterRevision, handlers);
  }

  requestProgress(): void {
    if (!this.closed) this.hub.requestProgress();
  }

  async currentRevision(): Promise<number> { return this.committed; }
  async compactedRevision(): Promise<number> { return this.compacted; }
  /** Synchronous views for the maintenance loop. */
  get revisionNow(): number { return this.rev; }
  get compactedNow(): number { return this.compacted; }

  /**
   * Marks `revision` compacted first (reads below it fail from this instant), then deletes the history
   * rows in bounded chunks so a large backlog never blocks the event loop for long.
   */
  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    if (revision <= this.compacted) return;
    if (revision > this.rev) throw new StorageError('Internal', `cannot compact future revision ${revision} (current ${this.rev})`);
    const from = this.compacted;
    this.flushWrites();
    this.guard(() => this.st.setCompacted.run(revision));
    this.compacted = revision;
    for (let lo = from; lo < revision && !this.closed; lo += 5000) {
      const hi = Math.min(lo + 5000, revision);
      this.flushWrites();
      this.guard(() => this.st.compactLog.run(lo, hi));
      if (hi < revision) await new Promise((r) => setImmediate(r));
    }
  }

  async snapshot(file: string): Promise<void> {
    this.ensureOpen();
    this.flushWrites();
    this.guard(() => takeSnapshot(this.db, file));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flushWrites();
    await this.drainSync();
    if (this.closed) return;
    this.closed = true;
    if (this.walFd !== undefined) { try { closeSync(this.walFd); } catch { /* already gone */ } this.walFd = undefined; }
    this.onClose?.();
    this.hub.close();
    this.db.close();
  }

  get isClosed(): boolean { return this.closed; }

  /** Keys whose TTL ended at or before `now` (for the sweeper). */
  expiredKeys(now: number, limit: number): string[] {
    return this.st.expired.all(now, limit).map((r) => r.key);
  }

  private getRow(key: string): KeyValue | null {
    const r = this.st.get.get(key);
    return r ? toKv(r) : null;
  }

  private ensureOpen(): void {
    if (this.closed) throw new StorageError('Unavailable', 'storage is closed');
  }

  private guard<T>(fn: () => T): T {
    try { return fn(); } catch (err) { throw asStorageError(err); }
  }
}

function expiry(ttlSeconds: number | undefined): number | null {
  return ttlSeconds && ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : null;
}
