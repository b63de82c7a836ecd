/**
 * @module cli/flags
 * Flags shared by the commands that keep state.
 */
import { resolve } from 'node:path';

export function defaultDataDir(): string {
  return resolve(process.env.SKIFF_DATA_DIR ?? '.skiff');
}

/** `sqlite` (default: <data-dir>/db/state.db) or an etcd URL list. */
export function storageURL(flag: string | undefined, dataDir: string): string {
  if (!flag || flag === 'sqlite') return `sqlite://${resolve(dataDir, 'db', 'state.db')}`;
  return flag;
}
