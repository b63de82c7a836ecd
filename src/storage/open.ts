/**
 * @module storage/open
 * Turns a storage URL into a Storage: `sqlite:///abs/path/state.db` (or a bare path) opens the embedded
 * SQLite driver; `etcd://host:port,host:port` connects to an etcd cluster.
 */
import type { Storage } from './interface.js';
import { StorageError } from './interface.js';

export async function openStorage(url: string): Promise<Storage> {
  if (url.startsWith('etcd://')) {
    const endpoints = url.slice('etcd://'.length).split(',').map((e) => e.trim()).filter(Boolean);
    if (!endpoints.length) throw new StorageError('Internal', `no etcd endpoints in ${url}`);
    // Loaded on demand so the default (SQLite) path never pulls in the gRPC client.
    const mod = (await import('./drivers/etcd/index.js' as string)) as { openEtcd(endpoints: string[]): Promise<Storage> };
    return mod.openEtcd(endpoints);
  }
  let path = url;
  let synchronous: 'NORMAL' | 'FULL' | undefined;
  if (url.startsWith('sqlite://')) {
    const q = url.indexOf('?');
    path = url.slice('sqlite://'.length, q < 0 ? undefined : q);
    const mode = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('synchronous');
    if (mode) {
      if (mode.toUpperCase() !== 'NORMAL' && mode.toUpperCase() !== 'FULL') throw new StorageError('Internal', `unknown synchronous=${mode} in ${url}`);
      synchronous = mode.toUpperCase() as 'NORMAL' | 'FULL';
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new StorageError('Internal', `unsupported storage URL ${url} (want sqlite:///path or etcd://host:port,...)`);
  }
  const { openSqlite } = await import('./drivers/sqlite/index.js');
  return openSqlite(path, synchronous ? { synchronous } : {});
}
