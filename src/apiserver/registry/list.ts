/**
 * @module apiserver/registry/list
 * LIST with Kubernetes' resourceVersion semantics. Served from the watch cache when it can be
 * (unset RV: after the cache catches up with storage's current revision, i.e. a consistent read;
 * "0": whatever the cache has; N with NotOlderThan: once the cache reaches N). Exact reads and
 * continuations of an older snapshot go to storage at that revision.
 */
import { StorageError } from '../../storage/interface.js';
import { StatusError, tooOldResourceVersion } from '../../machinery/status.js';
import type { Store } from './store.js';
import type { ResourceCache, CachedObject } from './cache.js';
import { cachedObject } from './cache.js';
import type { ListQuery } from '../endpoints/list-options.js';
import { encodeContinue, continueTooOld } from '../endpoints/list-options.js';

export interface ListResult { items: CachedObject[]; rv: number; continueToken?: string; remaining?: number }

export function matcherFor(store: Store, q: ListQuery): ((obj: any) => boolean) | null {
  const ls = q.labelSelector, fs = q.fieldSelector;
  if (!ls && !fs) return null;
  return (obj: any) => {
    if (ls && !ls.matches(obj.metadata?.labels ?? {})) return false;
    if (fs && !fs.matches(store.fieldAttrs(obj))) return false;
    return true;
  };
}

export async function listObjects(store: Store, cache: ResourceCache, ns: string, q: ListQuery): Promise<ListResult> {
  const prefix = store.listPrefix(ns);
  const match = matcherFor(store, q);
  let rv: number;
  if (q.continueRv !== undefined) {
    rv = q.continueRv;
    if (cache.revision() !== rv) return listFromStorage(store, prefix, rv, q, match, true);
  } else if (q.resourceVersionMatch === 'Exact') {
    rv = Number(q.resourceVersion);
    await cache.ready();
    if (cache.revision() !== rv) return listFromStorage(store, prefix, rv, q, match, false);
  } else if (q.resourceVersion === '0') {
    await cache.ready();
    rv = cache.revision();
  } else if (q.resourceVersion) {
    await cache.waitFor(Number(q.resourceVersion));
    rv = cache.revision();
  } else {
    // Consistent read: everything acknowledged before this request is visible. The cache serves it
    // once it has caught up with storage's current revision; if it has not within a moment (no
    // progress notification for this prefix), storage answers at that revision instead.
    let cur: number;
    try { cur = await store.storage.currentRevision(); } catch (e) {
      // Storage that cannot answer (etcd without quorum) is a 503 the client may retry, as for any other read.
      if (e instanceof StorageError && e.code === 'Unavailable') throw new StatusError(503, 'ServiceUnavailable', `storage is unavailable: ${e.message}`);
      throw e;
    }
    await cache.ready();
    if (cache.revision() < cur && !(await cache.tryWaitFor(cur, 100))) return listFromStorage(store, prefix, cur, q, match, false);
    rv = cache.revision();
  }
  const got = await cache.list(prefix, q.continueKey !== undefined ? prefix + q.continueKey : undefined);
  const all = got.items;
  rv = got.revision;
  const start = 0;
  const items: CachedObject[] = [];
  let i = start;
  for (; i < all.length; i++) {
    if (q.limit && items.length >= q.limit) break;
    const it = all[i];
    if (match && !match(it.obj)) continue;
    items.push(it);
  }
  const res: ListResult = { items, rv };
  if (q.limit && i < all.length && items.length >= q.limit) {
    res.continueToken = encodeContinue(rv, items[items.length - 1].key.slice(prefix.length));
    if (!match) res.remaining = all.length - i;
  }
  return res;
}

async function listFromStorage(store: Store, prefix: string, rv: number, q: ListQuery, match: ((o: any) => boolean) | null, isContinue: boolean): Promise<ListResult> {
  const items: CachedObject[] = [];
  let startAfter = q.continueKey !== undefined ? prefix + q.continueKey : undefined;
  let more = false;
  let remaining: number | undefined;
  try {
    for (;;) {
      const want = q.limit ? Math.max(q.limit - items.length, 1) : 0;
      const page = await store.storage.list(prefix, { revision: rv, limit: want ? Math.max(want, match ? 500 : want) : 0, startAfter });
      let consumed = 0;
      for (const kv of page.items) {
        consumed++;
        const obj = store.codec.decode(kv);
        if (match && !match(obj)) { startAfter = kv.key; continue; }
        items.push(cachedObject(kv.key, kv.modRevision, obj));
        startAfter = kv.key;
        if (q.limit && items.length >= q.limit) break;
      }
      const leftInPage = page.items.length - consumed;
      if (q.limit && items.length >= q.limit) { more = leftInPage > 0 || page.more; if (!match && page.remaining !== undefined) remaining = page.remaining + leftInPage; break; }
      if (!page.more) break;
    }
  } catch (e) {
    if (e instanceof StorageError && e.code === 'Compacted') {
      if (isContinue) throw continueTooOld();
      throw tooOldResourceVersion(rv, e.compactedRevision ?? 0);
    }
    if (e instanceof StatusError) throw e;
    throw e;
  }
  const res: ListResult = { items, rv };
  if (more && items.length) {
    res.continueToken = encodeContinue(rv, items[items.length - 1].key.slice(prefix.length));
    if (remaining !== undefined) res.remaining = remaining;
  }
  return res;
}
