/**
 * @module storage/cacher/reflector
 * Keeps one storage watch feeding the watch cache (Kubernetes' reflector ListAndWatch): list the prefix
 * at revision R, watch after R; on a lost watch re-watch after the last applied revision (no gap); when
 * storage no longer has that history, re-list. Retries back off exponentially.
 */
import type { KeyValue, Storage, StorageError, WatchEvent, Watcher } from '../interface.js';

export interface ReflectorSink {
  /** A complete list of the prefix at `revision`; events after it follow. */
  replace(items: KeyValue[], revision: number): void;
  events(evs: WatchEvent[]): void;
  progress(revision: number): void;
  /** Storage lost the history after our revision: the state is about to be re-listed. */
  reinitializing(): void;
  /** The last revision applied: a re-watch resumes after it. */
  revision(): number;
}

/** Page size of the (re)list, so a huge resource is not one giant read. */
const LIST_PAGE = 5000;

export class Reflector {
  private watch: Watcher | null = null;
  /** Bumped on every (re)start so late callbacks of an old watch or list are ignored. */
  private generation = 0;
  private retryMs: number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly storage: Storage, private readonly prefix: string, private readonly sink: ReflectorSink,
              private readonly retryMinMs = 100, private readonly retryMaxMs = 5000) {
    this.retryMs = retryMinMs;
  }

  start(): void { void this.listAndWatch(); }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.watch?.stop();
    this.watch = null;
    if (this.timer) clearTimeout(this.timer);
  }

  private async listAndWatch(): Promise<void> {
    const gen = ++this.generation;
    try {
      const items: KeyValue[] = [];
      let startAfter: string | undefined;
      let revision = 0;
      for (;;) {
        const page = await this.storage.list(this.prefix, { revision, limit: LIST_PAGE, startAfter });
        if (gen !== this.generation) return;
        revision = page.revision;
        for (const kv of page.items) items.push(kv);
        if (!page.more || page.items.length === 0) break;
        startAfter = page.items[page.items.length - 1].key;
      }
      this.sink.replace(items, revision);
      this.retryMs = this.retryMinMs;
      this.startWatch(gen);
    } catch {
      if (gen === this.generation) this.retry(() => void this.listAndWatch());
    }
  }

  private startWatch(gen: number): void {
    this.watch?.stop();
    this.watch = this.storage.watch(this.prefix, this.sink.revision(), {
      onEvents: (evs) => { if (gen === this.generation) { this.retryMs = this.retryMinMs; this.sink.events(evs); } },
      onProgress: (r) => { if (gen === this.generation) this.sink.progress(r); },
      onError: (err) => { if (gen === this.generation) this.failed(err); },
    });
  }

  /**
   * A failed watch whose history storage still holds resumes after our revision: watchers never notice.
   * Compacted history means a gap we cannot fill: re-list (the cache closes its watchers, as
   * Kubernetes' cacher does when its reflector restarts).
   */
  private failed(err: StorageError): void {
    const gen = ++this.generation;
    this.watch?.stop();
    this.watch = null;
    if (err.code === 'Compacted') {
      this.sink.reinitializing();
      this.retry(() => { if (gen === this.generation) void this.listAndWatch(); }, 0);
    } else {
      this.retry(() => { if (gen === this.generation) this.startWatch(gen); });
    }
  }

  private retry(fn: () => void, delay = this.retryMs): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = null; if (!this.stopped) fn(); }, delay);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMaxMs, this.retryMs * 2);
  }
}
