/**
 * @module storage/drivers/etcd/storage
 * EtcdStorage: the Storage interface over an etcd v3 cluster, the way kube-apiserver's etcd3 store does
 * it — create/update/delete as single transactions comparing create/mod revisions, lists as ranges at
 * one revision, watches as etcd watch streams — with retries across leader elections.
 *
 * Retrying writes. A write whose reply was lost (leader killed, connection reset, deadline) may or may
 * not have been applied. Our writes are compare-and-swap transactions, so repeating one can never apply
 * it twice, but its *answer* on the retry can lie: a create whose first try landed reports KeyExists on
 * the second. So after any transient failure the retry is marked ambiguous, and a failed compare is
 * judged by reading the key back in the same transaction: if it now holds exactly our value (and, for an
 * update, a newer modRevision than the one we expected) we report success with that key-value. This is
 * exact for Kubernetes objects (every create carries a fresh uid and timestamp) and could only misjudge
 * two writers racing to store byte-identical values. An ambiguous delete that finds the key gone reports
 * NotFound (the object is gone either way; its deleted value is not recoverable without history).
 */
import type { Etcd3, IRangeResponse, ITxnResponse, KVClient, LeaseClient } from 'etcd3';
import { StorageError, type KeyValue, type ListOptions, type ListResult, type Storage, type WatchHandlers,
  type Watcher } from '../../interface.js';
import { COMPACT_REV_KEY, KeyCodec } from './keys.js';
import { DEFAULT_RETRY, isCompactedError, isFutureRevisionError, isTransient, toStorageError, withRetry,
  type RetryPolicy } from './errors.js';
import { EtcdWatch } from './watch.js';
import { saveSnapshot } from './snapshot.js';

export interface EtcdStorageOptions {
  /** Prepended to every key (kube-apiserver's --etcd-prefix is '/registry' *inside* our keys already). */
  prefix?: string;
  retry?: Partial<RetryPolicy>;
  /**
   * Deadline of one write attempt (default 2 s). Short on purpose: a proposal a follower forwarded to a
   * leader that just died is silently lost and would otherwise hang until the general call deadline; the
   * retry (which is safe, see above) gets it to the new leader.
   */
  writeTimeoutMs?: number;
}

export class EtcdStorage implements Storage {
  readonly driver = 'etcd';
  readonly keys: KeyCodec;
  readonly retry: RetryPolicy;
  private readonly kvc: KVClient;
  private readonly leases: LeaseClient;
  private readonly writeTimeoutMs: number;
  private knownCompacted = 0;
  /**
   * The newest revision any response has shown us. A watch "from now" starts after it: every write issued
   * after watch() returns commits after it, so none is missed (a few slightly older ones may be included).
   */
  private seenRevision = 0;
  private closed = false;
  private readonly watches = new Set<EtcdWatch>();
  /** Failover counters (for logs, metrics and tests): repeated calls, writes judged landed on a retry, watch re-creates. */
  readonly stats = { retries: 0, ambiguousWritesLanded: 0, watchReconnects: 0 };

  constructor(readonly client: Etcd3, readonly endpoints: string[], opts: EtcdStorageOptions = {}) {
    this.keys = new KeyCodec(opts.prefix ?? '');
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.writeTimeoutMs = opts.writeTimeoutMs ?? 2000;
    this.kvc = client.kv;
    this.leases = client.leaseClient;
  }

  /** Run one etcd call with the retry policy; map whatever escapes to a StorageError. */
  private async call<T>(what: string, fn: (attempt: number) => Promise<T>, key?: string): Promise<T> {
    if (this.closed) throw new StorageError('Unavailable', 'etcd storage is closed', key);
    try {
      const out = await withRetry(what, (n) => { if (n > 0) this.stats.retries++; return fn(n); }, this.retry, () => this.closed);
      this.noteSeen(out);
      return out;
    } catch (err) {
      if (isCompactedError(err)) throw toStorageError(err, key, await this.compactedRevision().catch(() => this.knownCompacted));
      if (isFutureRevisionError(err)) throw new StorageError('Internal', `etcd: ${(err as Error).message}`, key);
      throw toStorageError(err, key);
    }
  }

  async get(key: string): Promise<KeyValue | null> {
    const res = await this.call(`get ${key}`, () => this.kvc.range({ key: this.keys.encode(key) }), key);
    return res.kvs.length ? this.keys.kv(res.kvs[0]) : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const revision = opts.revision ?? 0;
    if (revision > 0 && revision < this.knownCompacted) {
      throw new StorageError('Compacted', `required revision ${revision} has been compacted`, undefined, undefined, this.knownCompacted);
    }
    const res: IRangeResponse = await this.call(`list ${prefix}`, () => this.kvc.range({
      ...this.keys.range(prefix, opts.startAfter), revision, limit: opts.limit ?? 0,
    }));
    const items = res.kvs.map((kv) => this.keys.kv(kv));
    const out: ListResult = { items, revision: revision || Number(res.header.revision), more: !!res.more };
    // `count` is every key in the requested range, so what is left is count minus this page.
    if (out.more) out.remaining = Math.max(0, Number(res.count) - items.length);
    return out;
  }

  async count(prefix: string): Promise<number> {
    const res = await this.call(`count ${prefix}`, () => this.kvc.range({ ...this.keys.range(prefix), count_only: true }));
    return Number(res.count);
  }

  async create(key: string, value: string, opts: { ttlSeconds?: number } = {}): Promise<KeyValue> {
    const k = this.keys.encode(key);
    const lease = await this.grantLease(opts.ttlSeconds);
    let ambiguous = false;
    try {
      return await this.call(`create ${key}`, async () => {
        const res = await this.txnNoting(() => this.kvc.txn({
          compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
          success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8'), lease } }],
          failure: [{ request_range: { key: k } }],
        }, this.writeOpts()), () => { ambiguous = true; });
        if (res.succeeded) {
          const rev = Number(res.header.revision);
          return { key, value, createRevision: rev, modRevision: rev };
        }
        const cur = res.responses[0].response_range.kvs[0];
        if (ambiguous && cur && cur.value.toString('utf8') === value) { // our earlier try landed
          this.stats.ambiguousWritesLanded++;
          return this.keys.kv(cur);
        }
        throw new StorageError('KeyExists', `key ${key} already exists`, key, cur ? this.keys.kv(cur) : undefined);
      }, key);
    } catch (err) {
      if (lease !== '0') void this.leases.leaseRevoke({ ID: lease }).catch(() => undefined);
      throw err;
    }
  }

  async update(key: string, value: string, expectedModRevision: number, opts: { ttlSeconds?: number } = {}): Promise<KeyValue> {
    const k = this.keys.encode(key);
    const lease = await this.grantLease(opts.ttlSeconds);
    let ambiguous = false;
    return this.call(`update ${key}`, async () => {
      const res = await this.txnNoting(() => this.kvc.txn({
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
        success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8'), lease, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }, this.writeOpts()), () => { ambiguous = true; });
      if (res.succeeded) {
        const prev = res.responses[0].response_put.prev_kv;
        const rev = Number(res.header.revision);
        return { key, value, createRevision: prev ? Number(prev.create_revision) : rev, modRevision: rev };
      }
      const raw = res.responses[0].response_range.kvs[0];
      if (!raw) throw new StorageError('NotFound', `key ${key} not found`, key);
      const cur = this.keys.kv(raw);
      if (ambiguous && cur.value === value && cur.modRevision > expectedModRevision) { // our earlier try landed
        this.stats.ambiguousWritesLanded++;
        return cur;
      }
      throw new StorageError('Conflict', `key ${key} has modRevision ${cur.modRevision}, not ${expectedModRevision}`, key, cur);
    }, key);
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ prev: KeyValue; revision: number }> {
    const k = this.keys.encode(key);
    return this.call(`delete ${key}`, async () => {
      const guarded = expectedModRevision !== undefined;
      const res = await this.kvc.txn({
        compare: guarded ? [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }] : [],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }, this.writeOpts());
      this.noteSeen(res);
      if (res.succeeded) {
        const prev = res.responses[0].response_delete_range.prev_kvs[0];
        if (!prev) throw new StorageError('NotFound', `key ${key} not found`, key);
        return { prev: this.keys.kv(prev), revision: Number(res.header.revision) };
      }
      const raw = res.responses[0].response_range.kvs[0];
      if (!raw) throw new StorageError('NotFound', `key ${key} not found`, key);
      throw new StorageError('Conflict', `key ${key} has modRevision ${raw.mod_revision}, not ${expectedModRevision}`, key, this.keys.kv(raw));
    }, key);
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watcher {
    const w = new EtcdWatch(this, prefix, afterRevision > 0 ? afterRevision : this.seenRevision, handlers, () => this.watches.delete(w));
    this.watches.add(w);
    w.start();
    return w;
  }

  /** Ask every open watch for a progress notification (etcd's WatchProgressRequest), so caches of
   * quiet prefixes learn that the store has moved on without waiting for etcd's 10-minute timer. */
  requestProgress(): void {
    for (const w of this.watches) w.requestProgress();
  }

  async currentRevision(): Promise<number> {
    const res = await this.call('current revision', () => this.kvc.range({ key: this.keys.encode(COMPACT_REV_KEY), count_only: true }));
    return Number(res.header.revision);
  }

  /** The newest compaction we know of: our own, the compactor key any apiserver writes, or a watch's report. */
  async compactedRevision(): Promise<number> {
    const res = await this.call('compacted revision', () => this.kvc.range({ key: this.keys.encode(COMPACT_REV_KEY) }));
    const recorded = res.kvs.length ? Number(res.kvs[0].value.toString('utf8')) || 0 : 0;
    this.noteCompacted(recorded);
    return this.knownCompacted;
  }

  /** Called by watches (etcd reports the compact revision when it cancels one) and by compact(). */
  noteCompacted(revision: number): void {
    if (revision > this.knownCompacted) this.knownCompacted = revision;
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.call(`compact ${revision}`, () => this.kvc.compact({ revision, physical: true }));
    } catch (err) {
      // Compacting at or below an existing compaction is a no-op, as in etcd.
      if (!(err instanceof StorageError && err.code === 'Compacted')) throw err;
    }
    this.noteCompacted(revision);
    await this.recordCompaction(revision);
  }

  /** Publish the compaction in compact_rev_key (as Kubernetes' compactor does), never moving it backwards. */
  private async recordCompaction(revision: number): Promise<void> {
    const k = this.keys.encode(COMPACT_REV_KEY);
    for (let i = 0; i < 10; i++) {
      const cur = await this.call('read compact key', () => this.kvc.range({ key: k }));
      const raw = cur.kvs[0];
      if (raw && Number(raw.value.toString('utf8')) >= revision) return;
      const res = await this.call('record compaction', () => this.kvc.txn({
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: raw ? raw.mod_revision : 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(String(revision)) } }],
      }));
      if (res.succeeded) return;
    }
  }

  async snapshot(file: string): Promise<void> {
    try {
      await saveSnapshot(this.client, this.endpoints, file);
    } catch (err) {
      throw toStorageError(err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const w of [...this.watches]) w.stop();
    this.closed = true;
    this.client.close();
  }

  /** True once close() ran (watches stop reconnecting). */
  isClosed(): boolean { return this.closed; }

  private async grantLease(ttlSeconds?: number): Promise<string> {
    if (!ttlSeconds || ttlSeconds <= 0) return '0';
    const res = await this.call('lease grant', () => this.leases.leaseGrant({ TTL: Math.ceil(ttlSeconds) }));
    return res.ID;
  }

  private noteSeen(res: unknown): void {
    const rev = Number((res as { header?: { revision?: string } } | undefined)?.header?.revision ?? 0);
    if (rev > this.seenRevision) this.seenRevision = rev;
  }

  private writeOpts() { return { deadline: Date.now() + this.writeTimeoutMs }; }

  /** Run a write transaction, calling `onMaybeApplied` when it fails in a way that may hide a success. */
  private async txnNoting(run: () => Promise<ITxnResponse>, onMaybeApplied: () => void): Promise<ITxnResponse> {
    try {
      const res = await run();
      this.noteSeen(res);
      return res;
    } catch (err) {
      if (isTransient(err)) onMaybeApplied();
      throw err;
    }
  }
}
