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

/** A Go-style duration ("40s", "5m", "1h30m", "250ms") in milliseconds; a bare number is seconds. */
export function parseDuration(s: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(s))) { total += Number(m[1]) * units[m[2]]; consumed += m[0].length; }
  if (consumed !== s.length || !s) throw new Error(`invalid duration for --${flag}: "${s}"`);
  return total;
}
