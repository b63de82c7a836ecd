/**
 * @module apiserver/endpoints/watch
 * The watch stream: newline-delimited `{"type":...,"object":...}` events over one chunked response,
 * from the resource's watch cache. Selector transitions become ADDED/DELETED as Kubernetes sends
 * them; bookmarks, timeoutSeconds and sendInitialEvents are honoured.
 */
import type { ServerResponse } from 'node:http';
import { StatusError } from '../../machinery/status.js';
import type { Store } from '../registry/store.js';
import type { ResourceCache, CacheEvent, CachedObject } from '../registry/cache.js';
import { matcherFor } from '../registry/list.js';
import type { ListQuery } from './list-options.js';
import type { Req, Res } from './response.js';
import { toStatusError } from './response.js';

export interface WatchRender {
  /** JSON text of one object as the client asked for it (plain, or as a Table row). */
  object(o: CachedObject, first: boolean): string;
  bookmark(rv: number, initialEventsEnd?: boolean): string;
}

export async function serveWatch(store: Store, cache: ResourceCache, ns: string, q: ListQuery, req: Req, res: Res, render: WatchRender,
                                 onClose?: () => void): Promise<void> {
  const prefix = store.listPrefix(ns);
  const match = matcherFor(store, q);
  await cache.ready();
  let afterRv = 0;
  let initial = false;
  if (q.sendInitialEvents) {
    initial = true;
    if (!q.resourceVersion || q.resourceVersion === '0') {
      if (!q.resourceVersion) await cache.tryWaitFor(await store.storage.currentRevision(), 500);
    } else await cache.waitFor(Number(q.resourceVersion));
  } else if (!q.resourceVersion || q.resourceVersion === '0') {
    initial = true; // "start at most recent": the current state as ADDED, then changes
    if (!q.resourceVersion) await cache.tryWaitFor(await store.storage.currentRevision(), 500);
  } else {
    afterRv = Number(q.resourceVersion);
  }
  const w = res as ServerResponse;
  w.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  if (typeof (w as any).flushHeaders === 'function') (w as any).flushHeaders();
  let first = true;
  let closed = false;
  let lastRv = afterRv;
  const line = (type: string, objJson: string) => `{"type":"${type}","object":${objJson}}\n`;

  const finish = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    handle.stop();
    try { w.end(); } catch { /* gone */ }
    onClose?.();
  };
  const send = (chunk: string) => {
    if (closed) return;
    const ok = w.write(chunk);
    if (!ok && (w as any).writableLength > 64 * 1024 * 1024) finish(); // a consumer this slow is cut off, not waited on
  };

  let initialDone = !initial;
  const handle = cache.watch(afterRv, prefix, initial, {
    onEvents(events: CacheEvent[]) {
      let out = '';
      for (const ev of events) {
        lastRv = ev.rv;
        let type: string = ev.type;
        if (match) {
          const now = ev.type !== 'DELETED' && match(ev.cur.obj);
          const before = ev.prev ? match(ev.prev.obj) : false;
          if (ev.type === 'ADDED') { if (!now) continue; }
          else if (ev.type === 'MODIFIED') {
            if (now && !before) type = 'ADDED';
            else if (!now && before) type = 'DELETED';
            else if (!now && !before) continue;
          } else if (!match(ev.cur.obj)) continue;
        }
        out += line(type, render.object(ev.cur, first));
        first = false;
      }
      if (out) send(out);
    },
    onError(err: Error) {
      // A watch the cache closed (too slow, re-initialising) just ends; the client re-watches from its last RV.
      if ((err as any).terminated) { finish(); return; }
      const se = err instanceof StatusError ? err : toStatusError(err);
      send(line('ERROR', JSON.stringify(se.toStatus())));
      finish();
    },
    onBookmark(rv: number) {
      if (!initialDone) {
        initialDone = true;
        // The initial-events-end bookmark counts as one: a progress bookmark at the same revision would repeat it.
        if (q.sendInitialEvents) { lastRv = Math.max(lastRv, rv); send(line('BOOKMARK', render.bookmark(rv, true))); return; }
      }
      if (q.allowWatchBookmarks && rv > lastRv) { lastRv = rv; send(line('BOOKMARK', render.bookmark(rv))); }
    },
  });
  // Kubernetes spreads watch lifetimes over [minRequestTimeout, 2*minRequestTimeout) so clients don't re-list in step.
  const timeoutMs = (q.timeoutSeconds ?? (1800 + Math.floor(Math.random() * 1800))) * 1000;
  const timer = setTimeout(finish, timeoutMs);
  req.on('close', finish);
  (res as any).on?.('close', finish);
}
