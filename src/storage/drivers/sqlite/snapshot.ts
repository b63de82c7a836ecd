/**
 * @module storage/drivers/sqlite/snapshot
 * Snapshot and restore of the SQLite store. A snapshot is a consistent, self-contained, compacted SQLite
 * file (VACUUM INTO, switched out of WAL so it is one file); restore validates it and moves it into
 * place with the server stopped, discarding any stale WAL of the old database.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageError } from '../../interface.js';

/** The caller must have committed any open write batch (VACUUM cannot run inside a transaction). */
export function takeSnapshot(db: Database.Database, file: string): void {
  const tmp = `${file}.partial`;
  rmSync(tmp, { force: true });
  try {
    // One synchronous statement: no write can interleave, so the copy is exactly one revision. (The
    // online backup API would copy across event-loop turns while this same connection keeps writing.)
    db.prepare('VACUUM INTO ?').run(tmp);
    const copy = new Database(tmp);
    try { copy.pragma('journal_mode = DELETE'); } finally { copy.close(); }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new StorageError('Internal', `snapshot to ${file} failed: ${(err as Error).message}`);
  }
}

/** Replace the database at `dataPath` with the snapshot (the server using `dataPath` must be stopped). */
export async function restoreSqliteSnapshot(snapshotFile: string, dataPath: string): Promise<void> {
  checkSnapshot(snapshotFile);
  mkdirSync(dirname(dataPath), { recursive: true });
  const tmp = `${dataPath}.restoring`;
  copyFileSync(snapshotFile, tmp);
  // A leftover WAL belongs to the old database; replaying it over the snapshot would corrupt it.
  for (const suffix of ['-wal', '-shm']) rmSync(dataPath + suffix, { force: true });
  renameSync(tmp, dataPath);
}

function checkSnapshot(file: string): void {
  let db: Database.Database;
  try { db = new Database(file, { readonly: true, fileMustExist: true }); } catch (err) {
    throw new StorageError('Internal', `${file} is not a readable SQLite snapshot: ${(err as Error).message}`);
  }
  try {
    const ok = db.pragma('quick_check', { simple: true });
    if (ok !== 'ok') throw new Error(`integrity check: ${ok}`);
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    for (const t of ['meta', 'kv', 'log']) if (!tables.has(t)) throw new Error(`table ${t} missing`);
  } catch (err) {
    throw new StorageError('Internal', `${file} is not a skiff SQLite snapshot: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}
