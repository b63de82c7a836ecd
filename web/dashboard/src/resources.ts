/**
 * The kinds the dashboard lists and watches: one LIST per kind, then a watch from the list's
 * resourceVersion (no per-object requests), kept in a Map per kind. Each kind is a small store the
 * views subscribe to; watch events are applied in batches, one render per batch.
 */
import { ApiError, getJSON, watch, type WatchEvent } from './api';

export interface Kind { key: string; group: string; version: string; plural: string; namespaced: boolean }

export const KINDS = {
  pods: { key: 'pods', group: '', version: 'v1', plural: 'pods', namespaced: true },
  nodes: { key: 'nodes', group: '', version: 'v1', plural: 'nodes', namespaced: false },
  services: { key: 'services', group: '', version: 'v1', plural: 'services', namespaced: true },
  endpointslices: { key: 'endpointslices', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true },
  events: { key: 'events', group: 'events.k8s.io', version: 'v1', plural: 'events', namespaced: true },
} satisfies Record<string, Kind>;

export function collectionPath(k: Kind, namespace: string): string {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return k.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${k.plural}` : `${base}/${k.plural}`;
}

export function objectKey(o: any): string { return o?.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o?.metadata?.name; }

export interface StoreState {
  items: Map<string, any>;
  /** True once the first LIST arrived. */
  synced: boolean;
  error?: ApiError;
  /** Bumped on every change, so React sees a new snapshot. */
  version: number;
}

/** One kind in one namespace (or all): list, then watch, re-list when the watch is too old (410). */
export class ResourceStore {
  private state: StoreState = { items: new Map(), synced: false, version: 0 };
  private readonly listeners = new Set<() => void>();
  private readonly abort = new AbortController();
  private pending: WatchEvent[] = [];
  private flushScheduled = false;
  private rv = '';

  constructor(readonly kind: Kind, readonly namespace: string, private readonly maxItems = Infinity) {
    void this.run();
  }

  subscribe = (fn: () => void) => { this.listeners.add(fn); return () => this.listeners.delete(fn); };
  snapshot = () => this.state;
  stop(): void { this.abort.abort(); this.listeners.clear(); }

  private emit(next: Partial<StoreState>): void {
    this.state = { ...this.state, ...next, version: this.state.version + 1 };
    for (const l of this.listeners) l();
  }

  private async list(): Promise<void> {
    const l = await getJSON(collectionPath(this.kind, this.namespace), this.abort.signal);
    const items = new Map<string, any>();
    for (const o of l.items ?? []) items.set(objectKey(o), o);
    this.rv = l.metadata?.resourceVersion ?? '';
    this.emit({ items, synced: true, error: undefined });
  }

  private async run(): Promise<void> {
    let backoff = 500;
    let needList = true;
    while (!this.abort.signal.aborted) {
      try {
        if (needList) { await this.list(); needList = false; }
        const q = `?watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.rv)}`;
        await watch(collectionPath(this.kind, this.namespace) + q, (evs) => this.enqueue(evs), this.abort.signal);
        backoff = 500;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        const err = e instanceof ApiError ? e : new ApiError(0, 'NetworkError', (e as Error).message);
        if (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone') { needList = true; continue; }
        if (err.code === 401 || err.code === 403) { this.emit({ error: err, synced: true }); return; }
        this.emit({ error: err });
        needList = true;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private enqueue(evs: WatchEvent[]): void {
    for (const e of evs) {
      if (e.type === 'ERROR') {
        // A Status in the stream: 410 means the resourceVersion is too old; the loop lists again.
        if (e.object?.code === 410) throw new ApiError(410, 'Expired', e.object.message ?? 'too old resource version');
        continue;
      }
      const rv = e.object?.metadata?.resourceVersion;
      if (rv) this.rv = rv;
      if (e.type !== 'BOOKMARK') this.pending.push(e);
    }
    if (this.pending.length && !this.flushScheduled) {
      this.flushScheduled = true;
      // One render for a burst of events (a rollout sends hundreds at once).
      setTimeout(() => this.flush(), 16);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.pending.length) return;
    const items = new Map(this.state.items);
    for (const e of this.pending) {
      const k = objectKey(e.object);
      if (e.type === 'DELETED') items.delete(k); else items.set(k, e.object);
    }
    this.pending = [];
    // Events pile up: keep the newest when a cap is set.
    if (items.size > this.maxItems) {
      const sorted = [...items.entries()].sort((a, b) => eventTime(a[1]) - eventTime(b[1]));
      for (const [k] of sorted.slice(0, items.size - this.maxItems)) items.delete(k);
    }
    this.emit({ items });
  }
}

export function eventTime(e: any): number {
  const t = e?.eventTime ?? e?.deprecatedLastTimestamp ?? e?.lastTimestamp ?? e?.metadata?.creationTimestamp;
  return t ? Date.parse(t) : 0;
}
