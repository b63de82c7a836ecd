/**
 * @module storage/drivers/etcd/watch
 * One storage watch = one etcd watch stream of its own, reconnected (to any member) after a lost
 * connection or leader, and resumed from the last revision it delivered, so callers see every event once
 * and in order. We drive the raw gRPC stream instead of the etcd3 client's Watcher because that one resumes
 * from the response header revision (which, for a catching-up watcher, is ahead of the events delivered:
 * a gap) and drops the compact revision of a compacted watch.
 */
import type { IEvent, IWatchResponse } from 'etcd3';
import { StorageError, type WatchEvent, type WatchHandlers, type Watcher } from '../../interface.js';
import type { EtcdStorage } from './storage.js';

/** The bits of the etcd3 connection pool we need (internal to etcd3, stable across 1.x). */
/** gRPC metadata, as far as we touch it. */
interface Metadata { clone(): Metadata; set(key: string, value: string): void }
interface Pool {
  withConnection<T>(service: string, fn: (c: { resource: unknown; client: any; metadata: Metadata }) => T | Promise<T>): Promise<T>;
  markFailed(resource: unknown, err: Error): void;
}
interface DuplexStream {
  write(msg: unknown): boolean;
  cancel(): void;
  end(): void;
  on(ev: string, fn: (arg: any) => void): this;
  removeAllListeners(): this;
}

/** Give up (onError 'Unavailable') when no member accepted the watch for this long. */
const GIVE_UP_MS = 60_000;

export class EtcdWatch implements Watcher {
  /** Every event up to this revision has been delivered (or was before the watch began). 0: not known yet. */
  private delivered: number;
  private stream: DuplexStream | null = null;
  private stopped = false;
  private backoffMs = 50;
  /** When the stream was last lost with no successful re-create since (0: healthy). */
  private downSince = 0;
  private everConnected = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly store: EtcdStorage, private readonly prefix: string, afterRevision: number,
              private readonly handlers: WatchHandlers, private readonly onStopped: () => void) {
    this.delivered = afterRevision > 0 ? afterRevision : 0;
  }

  start(): void {
    void this.connect();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.dropStream();
    this.onStopped();
  }

  /** Ask the member for a progress notification on this stream (answered once the watch has caught up). */
  requestProgress(): void {
    try { this.stream?.write({ progress_request: {} }); } catch { /* reconnecting: the next create answers anyway */ }
  }

  private fail(err: StorageError): void {
    if (this.stopped) return;
    this.stop();
    this.handlers.onError?.(err);
  }

  private dropStream(): void {
    const s = this.stream;
    this.stream = null;
    if (!s) return;
    s.removeAllListeners();
    s.on('error', () => undefined); // cancel() surfaces as a CANCELLED error we do not care about
    s.cancel();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const pool = (this.store.client as unknown as { pool: Pool }).pool;
    let stream: DuplexStream;
    try {
      stream = await pool.withConnection('Watch', ({ resource, client, metadata }) => {
        // Ask the member to end the stream when it loses its leader (clientv3.WithRequireLeader), so we move
        // to a member that still hears the cluster instead of waiting forever on a partitioned one.
        const md = metadata.clone();
        md.set('hasleader', 'true');
        const s: DuplexStream = client.watch(md, {});
        s.on('error', (err: Error) => pool.markFailed(resource, err));
        return s;
      });
    } catch (err) {
      this.scheduleReconnect(err as Error);
      return;
    }
    if (this.stopped) { stream.cancel(); return; }
    if (this.everConnected) this.store.stats.watchReconnects++;
    this.everConnected = true;
    this.stream = stream;
    stream.on('data', (res: IWatchResponse) => { if (this.stream === stream) this.onResponse(res); });
    stream.on('error', (err: Error) => { if (this.stream === stream) this.scheduleReconnect(err); });
    stream.on('end', () => { if (this.stream === stream) this.scheduleReconnect(new Error('watch stream ended')); });
    const { key, range_end } = this.store.keys.range(this.prefix);
    stream.write({ create_request: {
      key, range_end, prev_kv: true, progress_notify: true,
      start_revision: this.delivered > 0 ? this.delivered + 1 : 0,
    } });
  }

  private scheduleReconnect(err: Error): void {
    this.dropStream();
    if (this.stopped) return;
    if (this.store.isClosed()) { this.fail(new StorageError('Unavailable', 'etcd storage closed')); return; }
    if (this.downSince === 0) this.downSince = Date.now();
    if (Date.now() - this.downSince > GIVE_UP_MS) {
      this.fail(new StorageError('Unavailable', `etcd watch on ${this.prefix} could not reconnect: ${err.message}`));
      return;
    }
    const delay = this.backoffMs * (0.5 + Math.random() / 2);
    this.backoffMs = Math.min(this.backoffMs * 2, 1000);
    this.timer = setTimeout(() => { this.timer = null; void this.connect(); }, delay);
  }

  private onResponse(res: IWatchResponse): void {
    if (this.stopped) return;
    const compactRev = Number(res.compact_revision ?? 0);
    if (compactRev > 0) {
      // etcd cancels a watch whose start revision was compacted away and tells us where history now begins.
      this.store.noteCompacted(compactRev);
      this.fail(new StorageError('Compacted', `etcd: watch from revision ${this.delivered + 1} is below the compacted revision ${compactRev}`,
        undefined, undefined, compactRev));
      return;
    }
    if (res.canceled) {
      const reason = res.cancel_reason || 'watch canceled by etcd';
      if (/leader|unavailable|stopped/i.test(reason)) this.scheduleReconnect(new Error(reason));
      else this.fail(new StorageError('Internal', `etcd: ${reason}`));
      return;
    }
    if (res.created) {
      this.downSince = 0;
      this.backoffMs = 50;
      // A watch "from now" starts after the revision current when etcd registered it.
      if (this.delivered === 0) this.delivered = Number(res.header.revision);
      return;
    }
    if (res.events.length === 0) {
      // Progress notification: etcd sends these only for watchers that have caught up with the store.
      const rev = Number(res.header.revision);
      if (rev >= this.delivered) {
        this.delivered = rev;
        this.handlers.onProgress?.(rev);
      }
      return;
    }
    const events: WatchEvent[] = [];
    for (const ev of res.events) {
      const e = this.toEvent(ev);
      // After a reconnect etcd replays from delivered+1; anything older would be a duplicate.
      if (e.revision > this.delivered || (events.length && e.revision === events[events.length - 1].revision)) events.push(e);
    }
    if (!events.length) return;
    this.delivered = events[events.length - 1].revision;
    this.handlers.onEvents(events);
  }

  private toEvent(ev: IEvent): WatchEvent {
    const keys = this.store.keys;
    const prev = ev.prev_kv ? keys.kv(ev.prev_kv) : undefined;
    const revision = Number(ev.kv.mod_revision);
    if (ev.type === 'Delete') {
      const key = keys.decode(ev.kv.key);
      return { type: 'delete', kv: { key, value: prev?.value ?? '', createRevision: prev?.createRevision ?? 0, modRevision: revision },
        prevKv: prev, revision };
    }
    const kv = keys.kv(ev.kv);
    const created = kv.createRevision === kv.modRevision;
    return created ? { type: 'create', kv, revision } : { type: 'update', kv, prevKv: prev, revision };
  }
}
