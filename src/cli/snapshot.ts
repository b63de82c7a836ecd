/**
 * @module cli/snapshot
 * `skiff snapshot save FILE` / `skiff snapshot restore FILE`: the seed's etcd backup, for both
 * drivers. A restored cluster serves exactly the saved objects. Restore runs with the server stopped.
 */
import { parseArgs } from 'node:util';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { defaultDataDir, storageURL } from './flags.js';
import { openStorage } from '../storage/open.js';

export async function snapshotCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'data-dir': { type: 'string' }, storage: { type: 'string' } } });
  const [verb, file] = positionals;
  if ((verb !== 'save' && verb !== 'restore') || !file) {
    process.stderr.write('usage: skiff snapshot save|restore FILE [--data-dir DIR] [--storage ...]\n');
    return 2;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const url = storageURL(values.storage, dataDir);
  if (verb === 'save') {
    const storage = await openStorage(url);
    try { await storage.snapshot(resolve(file)); } finally { await storage.close(); }
    process.stdout.write(`Snapshot saved at ${resolve(file)}\n`);
    return 0;
  }
  if (url.startsWith('sqlite://')) {
    const { restoreSqliteSnapshot } = await import('../storage/drivers/sqlite/index.js');
    await mkdir(join(dataDir, 'db'), { recursive: true });
    await restoreSqliteSnapshot(resolve(file), url.slice('sqlite://'.length));
    process.stdout.write(`Snapshot restored into ${url.slice('sqlite://'.length)}\n`);
    return 0;
  }
  process.stderr.write('skiff: for etcd, restore with `etcdctl snapshot restore` into new member data dirs, then start the members (see docs/storage.md)\n');
  return 2;
}
