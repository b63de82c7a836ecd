/**
 * @module storage/drivers/sqlite/maintenance
 * Background upkeep so the file stays bounded with nobody calling compact (kine's weak spot):
 * periodic compaction with a retention window, WAL truncation, returning freed pages to the file
 * system, and the TTL sweeper that turns expired keys into real delete events.
 */
import type { SqliteStorage } from './storage.js';

export interface MaintenanceOptions {
  /** How often to compact and checkpoint (ms); 0 disables. kube-apiserver compacts every 5 minutes. */
  compactIntervalMs: number;
  /** Keep at least this many revisions of history ... */
  retainRevisions: number;
  /** ... and at least this much time of history (whichever keeps more). */
  retainMs: number;
  /** How often expired (TTL) keys are deleted (ms); 0 disables. */
  ttlSweepIntervalMs: number;
}

export function startMaintenance(s: SqliteStorage, o: MaintenanceOptions): () => void {
  const timers: NodeJS.Timeout[] = [];
  /** (time, revision) samples, to find the revision that was current `retainMs` ago. */
  const samples: Array<[number, number]> = [];
  let busy = false;

  const tick = async () => {
    if (busy || s.isClosed) return;
    busy = true;
    try {
      const now = Date.now();
      samples.push([now, s.revisionNow]);
      let byTime = 0;
      while (samples.length && samples[0][0] <= now - o.retainMs) byTime = samples.shift()![1];
      if (byTime) samples.unshift([now - o.retainMs, byTime]);
      const target = Math.min(byTime, s.revisionNow - o.retainRevisions);
      if (target > s.compactedNow) await s.compact(target);
      if (!s.isClosed) tidyFile(s);
    } catch (err) {
      process.emitWarning(`sqlite maintenance failed: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  };
  if (o.compactIntervalMs > 0) timers.push(setInterval(() => void tick(), o.compactIntervalMs));

  if (o.ttlSweepIntervalMs > 0) {
    timers.push(setInterval(() => {
      // Only the process that writes may expire keys: a short-lived reader of the same file (snapshot
      // save) deleting keys would move the revision under the server's feet.
      if (s.isClosed || !s.hasWritten) return;
      try { sweepExpired(s); } catch (err) { process.emitWarning(`sqlite TTL sweep failed: ${(err as Error).message}`); }
    }, o.ttlSweepIntervalMs));
  }
  for (const t of timers) t.unref();
  return () => { for (const t of timers) clearInterval(t); };
}

/**
 * Truncate the WAL (one connection, so no reader pins it). Auto-checkpoints already keep reusing the
 * WAL; truncating returns its high-water mark to the file system after a burst.
 */
export function tidyFile(s: SqliteStorage): void {
  s.flushWrites();
  s.db.pragma('wal_checkpoint(TRUNCATE)');
}

/** Delete every key whose TTL passed, in bounded batches, as ordinary deletes. */
export function sweepExpired(s: SqliteStorage, now = Date.now()): number {
  let n = 0;
  for (;;) {
    const keys = s.expiredKeys(now, 500);
    for (const key of keys) {
      s.expire(key).catch(() => undefined); // already gone, or the batch failed: the next sweep retries
      n++;
    }
    if (keys.length < 500) return n;
  }
}
