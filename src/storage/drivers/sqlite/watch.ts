/**
 * @module storage/drivers/sqlite/watch
 * In-process watch fan-out for the SQLite driver: committed writes are pushed (never polled) to the
 * watchers whose prefix matches, batched per event-loop turn, in revision order. A watch from an older
 * revision first replays the history table in chunks, then joins the live stream without a gap or a
 * duplicate: both paths drop every event at or below the watcher's last delivered revision.
 */
import { StorageError, type KeyValue, type WatchEvent, type WatchHandlers, type Watcher } from '../../interface.js';
import { CREATE, DELETE, prefixRange, type LogRow } from './schema.js';

/** What the hub needs from the store; every call is synchronous, so each read is one consistent view. */
export interface HistorySource {
  currentRevision(): number;
  compactedRevision(): number;
  /** History rows with afterRev < rev <= upTo in [lo, hi), in revision order, at most `limit`. */
  readLog(afterRev: number, upTo: number, lo: string, hi: string, limit: number): LogRow[];
}

export interface WatchHubOptions {
  /** History rows read per replay step (between steps the event loop runs). */
  replayBatch: number;
  /** Delay before progress notifications follow a batch, coalescing bursts of writes. */
  progressDelayMs: number;
}

interface Watch {
  prefix: string;
  lo: string;
  hi: string;
  handlers: WatchHandlers;
  /** Highest revision delivered (or skipped as before the watch's start). */
  sent: number;
  lastProgress: number;
  live: boolean;
  stopped: boolean;
}

/** The event a history row records. */
export function eventFromLog(r: LogRow): WatchEvent {
  const prevKv: KeyValue | undefined = r.type === CREATE ? undefined
    : { key: r.key, value: r.prev_value!, createRevision: r.create_rev, modRevision: r.prev_rev! };
  const kv: KeyValue = { key: r.key, value: r.type === DELETE ? r.prev_value! : r.value!, createRevision: r.create_rev, modRevision: r.rev };
  return { type: r.type === CREATE ? 'create' : r.type === DELETE ? 'delete' : 'update', kv, prevKv, revision: r.rev };
}

export class WatchHub {
  private readonly watches = new Set<Watch>();
  private pending: WatchEvent[] = [];
  private flushScheduled = false;
  private progressTimer: NodeJS.Timeout | undefined;
  /** A progress request is outstanding: answer every live watcher even if its revision did not move. */
  private progressRequested = false;
  /** Every committed event up to here has been handed to the live watchers. */
  private delivered: number;

  constructor(private readonly source: HistorySource, private readonly opts: WatchHubOptions) {
    this.delivered = source.currentRevision();
  }

  get size(): number { return this.watches.size; }

  /** Called right after a write commits, in revision order. */
  publish(ev: WatchEvent): void {
    this.pending.push(ev);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watcher {
    const [lo, hi] = prefixRange(prefix);
    const now = this.source.currentRevision();
    const start = afterRevision > 0 ? afterRevision : now;
    const w: Watch = { prefix, lo, hi, handlers, sent: start, lastProgress: start, live: false, stopped: false };
    const stop = () => { w.stopped = true; this.watches.delete(w); };
    const compacted = this.source.compactedRevision();
    if (afterRevision > 0 && afterRevision < compacted) {
      setImmediate(() => this.fail(w, compactedError(afterRevision, compacted)));
      return { stop };
    }
    this.watches.add(w);
    if (start >= now) this.goLive(w, start);
    else setImmediate(() => this.replay(w));
    return { stop };
  }

  /** Storage.requestProgress: every live watcher hears its revision soon, moved or not. */
  requestProgress(): void {
    this.progressRequested = true;
    this.scheduleProgress();
  }

  /** Stop every watch quietly (the store is closing). */
  close(): void {
    for (const w of this.watches) w.stopped = true;
    this.watches.clear();
    this.pending = [];
    clearTimeout(this.progressTimer);
  }

  private replay(w: Watch): void {
    if (w.stopped) return;
    try {
      const compacted = this.source.compactedRevision();
      if (w.sent < compacted) return this.fail(w, compactedError(w.sent, compacted));
      const upTo = this.source.currentRevision();
      const rows = this.source.readLog(w.sent, upTo, w.lo, w.hi, this.opts.replayBatch);
      if (rows.length) {
        w.sent = rows[rows.length - 1].rev;
        this.call(w, () => w.handlers.onEvents(rows.map(eventFromLog)));
      }
      if (w.stopped) return;
      // A short page means history is exhausted up to `upTo`: later writes are still pending publication
      // (they commit after this synchronous step), so joining the live stream here leaves no gap.
      if (rows.length < this.opts.replayBatch) this.goLive(w, upTo);
      else setImmediate(() => this.replay(w));
    } catch (err) {
      this.fail(w, asStorageError(err));
    }
  }

  private goLive(w: Watch, through: number): void {
    w.sent = Math.max(w.sent, through);
    w.live = true;
    this.scheduleProgress();
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (!batch.length) return;
    for (const w of this.watches) {
      if (!w.live || w.stopped) continue;
      let mine: WatchEvent[] | undefined;
      for (const ev of batch) {
        if (ev.revision <= w.sent || !ev.kv.key.startsWith(w.prefix)) continue;
        (mine ??= []).push(ev);
      }
      if (mine) {
        w.sent = mine[mine.length - 1].revision;
        const events = mine;
        this.call(w, () => w.handlers.onEvents(events));
      }
    }
    this.delivered = batch[batch.length - 1].revision;
    this.scheduleProgress();
  }

  /** Tell live watchers that nothing under their prefix is outstanding up to the delivered revision. */
  private scheduleProgress(): void {
    if (this.progressTimer) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      const forced = this.progressRequested;
      this.progressRequested = false;
      for (const w of this.watches) {
        if (!w.live || w.stopped || !w.handlers.onProgress) continue;
        const rev = Math.max(w.sent, this.delivered);
        if (rev <= w.lastProgress && !forced) continue;
        w.lastProgress = rev;
        this.call(w, () => w.handlers.onProgress!(rev));
      }
    }, this.opts.progressDelayMs);
    this.progressTimer.unref();
  }

  private fail(w: Watch, err: StorageError): void {
    if (w.stopped) return;
    w.stopped = true;
    this.watches.delete(w);
    this.call(w, () => w.handlers.onError?.(err));
  }

  /** A throwing handler must not break delivery to the other watchers. */
  private call(w: Watch, fn: () => void): void {
    try { fn(); } catch (err) {
      process.emitWarning(`storage watch handler for ${w.prefix} threw: ${(err as Error)?.stack ?? err}`);
    }
  }
}

export function compactedError(requested: number, compacted: number): StorageError {
  return new StorageError('Compacted', `required revision ${requested} has been compacted (compacted revision ${compacted})`,
    undefined, undefined, compacted);
}

/** SQLite failures become StorageErrors: busy/IO/full conditions are 'Unavailable', the rest 'Internal'. */
export function asStorageError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  const transient = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|PROTOCOL)/.test(code);
  return new StorageError(transient ? 'Unavailable' : 'Internal', `sqlite: ${(err as Error)?.message ?? err}`);
}
