/**
 * @module apiserver/registry/watch-cache
 * A resource's ResourceCache over storage/cacher's WatchCache: objects are decoded and wrapped
 * once per change, and the cacher's errors become the Status codes Kubernetes answers with.
 */
import type { Storage } from '../../storage/interface.js';
import { WatchCache, isTooOld, TooLargeResourceVersionError, WatcherTerminated, type CacheEvent as RawEvent } from '../../storage/cacher/index.js';
import { StatusError, tooOldResourceVersion } from '../../machinery/status.js';
import type { ObjectCodec } from './codec.js';
import { fanoutTracker } from '../tracing.js';
import { cachedObject, type CachedObject, type ResourceCache, type CacheEvent, type CacheWatchHandlers } from './cache.js';
import { deepCopy } from '../../machinery/deep-copy.js';

function toStatus(e: Error, requested = 0): Error {
  if (e instanceof TooLargeResourceVersionError) {
    return new StatusError(504, 'Timeout', `Too large resource version: ${e.requestedRevision}, current: ${e.currentRevision}`,
      { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 });
  }
  if (isTooOld(e)) return tooOldResourceVersion(requested, (e as any).compactedRevision ?? 0);
  return e;
}

export function openResourceCache(storage: Storage, prefix: string, codec: ObjectCodec): ResourceCache {
  const wc = new WatchCache<CachedObject>(storage, prefix, {
    decode: (kv) => cachedObject(kv.key, kv.modRevision, codec.decode(kv)),
    afterDispatch: (evs) => fanoutTracker.dispatched(evs),
  });
  const convert = (ev: RawEvent<CachedObject>): CacheEvent => {
    let cur = ev.object!;
    if (ev.type === 'DELETED' && cur && cur.rv !== ev.revision) {
      // A DELETED event carries the last state with the delete's resourceVersion, as Kubernetes sends it.
      const obj = deepCopy(cur.obj);
      obj.metadata.resourceVersion = String(ev.revision);
      cur = cachedObject(ev.key, ev.revision, obj);
    }
    return { type: ev.type, cur, prev: ev.prevObject, rv: ev.revision };
  };
  return {
    ready: () => wc.ready(),
    revision: () => wc.currentRevision,
    async waitFor(rv) {
      if (wc.currentRevision < rv) storage.requestProgress?.();
      try { await wc.waitUntilFresh(rv); } catch (e) { throw toStatus(e as Error); }
    },
    async tryWaitFor(rv, ms) {
      if (wc.currentRevision >= rv) return true;
      storage.requestProgress?.();
      try { await wc.waitUntilFresh(rv, ms); return true; } catch { return false; }
    },
    async list(p, startAfter) {
      try {
        const r = await wc.list({ prefix: p, startAfter });
        return { items: r.objects ?? [], revision: r.revision };
      } catch (e) { throw toStatus(e as Error); }
    },
    snapshot(p) {
      // Synchronous view for allocators: whatever the cache holds now (empty until the first list).
      try { return wc.listNow({ prefix: p }).objects ?? []; } catch { return []; }
    },
    size: () => wc.size,
    get: (key) => wc.get(key)?.object,
    watch(afterRv, p, initial, h: CacheWatchHandlers) {
      if (afterRv > wc.currentRevision) storage.requestProgress?.();
      const w = wc.watch(afterRv, {
        prefix: p, sendInitialState: initial,
        onEvents: (evs) => { h.onEvents(evs.map(convert)); },
        onError: (e) => {
          if (e instanceof WatcherTerminated) { h.onError(Object.assign(new Error(e.message), { terminated: true })); return; }
          h.onError(toStatus(e, afterRv));
        },
        onBookmark: (rv) => h.onBookmark?.(rv),
        onInitialEventsEnd: (rv) => h.onBookmark?.(rv),
      });
      return { stop: () => w.stop() };
    },
    stop: () => wc.stop(),
  };
}
