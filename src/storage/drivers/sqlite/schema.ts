/**
 * @module storage/drivers/sqlite/schema
 * Opens the SQLite file, sets its pragmas, creates the tables and prepares every statement once.
 *
 * Two tables keep LIST proportional to live objects (kine keeps one table of every revision, so its
 * lists scan history): `kv` holds only the current row of each live key; `log` holds one row per
 * write (the history), read only by watches that replay and by lists at an older revision.
 */
import Database from 'better-sqlite3';

export type SynchronousMode = 'NORMAL' | 'FULL';

/** Log row types, stored as small integers. */
export const CREATE = 0, UPDATE = 1, DELETE = 2;

export interface KvRow { key: string; value: string; create_rev: number; mod_rev: number }
/**
 * One write. `value` is the new value (NULL for a delete); `prev_value`/`prev_rev` describe the key
 * before the write (NULL for a create). Storing the previous value inline means a row never depends on
 * an older row, so compaction is a plain range delete on the primary key.
 */
export interface LogRow { rev: number; key: string; type: number; value: string | null; create_rev: number; prev_value: string | null; prev_rev: number | null }

export function openDatabase(path: string, synchronous: SynchronousMode): Database.Database {
  const db = new Database(path);
  // No auto_vacuum: its pointer-map pages cost ~30% per commit. Pages freed by compaction go to the
  // freelist and are reused by later writes, which is what keeps the file bounded under churn.
  // 16 KiB pages (for a new file; an existing one keeps its own): a pod is 2-3 KiB in `kv` and
  // again in `log`, so 4 KiB pages hold one such row each and every commit writes mostly slack.
  // Measured: a pod create through the admission chain costs 9% less CPU, and 10,000 simulated
  // pods reach Running sooner (docs/benchmarks.md).
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a commit is written to the WAL before it returns, so it survives the process being
  // killed (-9); only a power loss / kernel crash may lose the last commits (never corrupts). FULL also
  // fsyncs the WAL on every commit (survives power loss); group commit makes that affordable.
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -32000');
  // After a checkpoint, shrink the WAL back to this size rather than keeping its high-water mark.
  db.pragma('journal_size_limit = 8388608');
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
    -- A rowid table (not WITHOUT ROWID): values are KiBs, and big cells in a clustered key b-tree make
    -- every insert shuffle them (measured ~2x slower); the key index stays small instead.
    CREATE TABLE IF NOT EXISTS kv (
      key TEXT NOT NULL UNIQUE, value TEXT NOT NULL, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL,
      expires_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE IF NOT EXISTS log (
      rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, value TEXT,
      create_rev INTEGER NOT NULL, prev_value TEXT, prev_rev INTEGER
    );
  `);
  return db;
}

/** Every statement the driver runs, prepared once at open. */
export function prepare(db: Database.Database) {
  return {
    get: db.prepare<[string], KvRow>('SELECT key, value, create_rev, mod_rev FROM kv WHERE key = ?'),
    insert: db.prepare<[string, string, number, number, number | null]>(
      'INSERT OR IGNORE INTO kv (key, value, create_rev, mod_rev, expires_at) VALUES (?, ?, ?, ?, ?)'),
    update: db.prepare<[string, number, number | null, string]>('UPDATE kv SET value = ?, mod_rev = ?, expires_at = ? WHERE key = ?'),
    remove: db.prepare<[string]>('DELETE FROM kv WHERE key = ?'),
    appendLog: db.prepare<[number, string, number, string | null, number, string | null, number | null]>(
      'INSERT INTO log (rev, key, type, value, create_rev, prev_value, prev_rev) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    // Compare-and-set on the stored revision: a second process writing the same file is detected
    // instead of silently forking the revision sequence.
    bumpRevision: db.prepare<[number, number]>("UPDATE meta SET value = ? WHERE name = 'revision' AND value = ?"),
    readMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE name = ?'),
    setCompacted: db.prepare<[number]>("UPDATE meta SET value = ? WHERE name = 'compacted'"),
    // Latest-revision reads touch only `kv`. `lo`/`hi` bound the prefix range; `after` is startAfter.
    listRange: db.prepare<[string, string, string, number], KvRow>(
      'SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ? AND key < ? AND key > ? ORDER BY key LIMIT ?'),
    iterateRange: db.prepare<[string, string, string], KvRow>(
      'SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ? AND key < ? AND key > ? ORDER BY key'),
    countRange: db.prepare<[string, string, string], { n: number }>('SELECT count(*) AS n FROM kv WHERE key >= ? AND key < ? AND key > ?'),
    // History reads, in revision order.
    logAfter: db.prepare<[number, number, string, string, number], LogRow>(
      'SELECT * FROM log WHERE rev > ? AND rev <= ? AND key >= ? AND key < ? ORDER BY rev LIMIT ?'),
    compactLog: db.prepare<[number, number]>('DELETE FROM log WHERE rev > ? AND rev <= ?'),
    expired: db.prepare<[number, number], { key: string }>(
      'SELECT key FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?'),
  };
}

export type Statements = ReturnType<typeof prepare>;

/** The half-open key range [lo, hi) holding every key that starts with `prefix`. */
export function prefixRange(prefix: string): [string, string] {
  if (prefix === '') return ['', '\u{10FFFF}'];
  const last = prefix.charCodeAt(prefix.length - 1);
  return [prefix, prefix.slice(0, -1) + String.fromCharCode(last + 1)];
}
