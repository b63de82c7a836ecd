/**
 * @module storage/drivers/sqlite
 * The embedded SQLite driver, skiff's default storage: `openSqlite(path)` and `restoreSqliteSnapshot`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openDatabase, type SynchronousMode } from './schema.js';
import { SqliteStorage } from './storage.js';
import { startMaintenance, type MaintenanceOptions } from './maintenance.js';
import { asStorageError } from './watch.js';

export { SqliteStorage } from './storage.js';
export { restoreSqliteSnapshot } from './snapshot.js';
export type { SynchronousMode } from './schema.js';

export interface SqliteOptions extends Partial<MaintenanceOptions> {
  /**
   * 'FULL' (default): every acknowledged write has been fsynced, so it survives power loss, as etcd's do.
   * The fsync runs on libuv's thread pool once per group of commits, so it never blocks the event loop
   * (it took ~10% of the main thread under a create storm when SQLite did it inside COMMIT); a lone
   * sequential writer still waits for its fsync.
   * 'NORMAL': commits survive a killed process (kill -9), but a power loss may drop the last commits.
   */
  synchronous?: SynchronousMode;
  /** History rows per replay step for watches from an old revision (default 1000). */
  replayBatch?: number;
  /** Coalescing delay for watch progress notifications (default 10 ms). */
  progressDelayMs?: number;
}

export const defaultSqliteOptions = {
  synchronous: 'FULL' as SynchronousMode,
  compactIntervalMs: 60_000,
  retainRevisions: 10_000,
  retainMs: 5 * 60_000,
  ttlSweepIntervalMs: 1_000,
  replayBatch: 1_000,
  progressDelayMs: 10,
};

/** Open (creating if needed) the store at `path`, with compaction and TTL sweeping running on their own. */
export async function openSqlite(path: string, opts: SqliteOptions = {}): Promise<SqliteStorage> {
  const o = { ...defaultSqliteOptions, ...opts };
  try {
    mkdirSync(dirname(path), { recursive: true });
    // FULL is kept with the fsync off the event loop: the connection itself runs NORMAL and the
    // store fsyncs the WAL before acknowledging each group of commits (see SqliteStorage.asyncFsync).
    const db = openDatabase(path, o.synchronous === 'FULL' ? 'NORMAL' : o.synchronous);
    const s = new SqliteStorage(db, { ...o, asyncFsync: o.synchronous === 'FULL' });
    // A compaction cut short by a crash leaves rows below the compacted revision; finish it now.
    db.prepare('DELETE FROM log WHERE rev <= ?').run(s.compactedNow);
    s.onClose = startMaintenance(s, o);
    return s;
  } catch (err) {
    throw asStorageError(err);
  }
}
