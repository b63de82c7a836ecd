/**
 * @module kubelet/volume/atomic-writer
 * How configMap, secret, downwardAPI and projected volumes change under a running container
 * without it ever seeing half an update (pkg/volume/util/atomic_writer.go's layout): the files live
 * in a timestamped directory `..2024_05_01_10_00_00.123456789`, a `..data` symlink points at it,
 * and each visible name is a symlink `key -> ..data/key`. An update writes a new timestamped
 * directory, swaps `..data` with one rename(2), fixes the visible links and removes the old directory.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** One file of a volume's payload: its bytes and mode (e.g. 0o644). */
export interface FileProjection { data: Buffer; mode: number }

const DATA_DIR = '..data';
const DATA_TMP = '..data_tmp';

/** Upstream's validatePath: relative, no `..` element, no element starting with `..`. */
export function validatePayloadPath(p: string): string | undefined {
  if (!p) return 'invalid path: must not be empty';
  if (p.length > 4096) return `invalid path: must be less than or equal to 4096 characters`;
  if (path.isAbsolute(p)) return 'invalid path: must be relative path';
  const parts = p.split('/');
  if (parts.includes('..')) return "invalid path: must not contain '..'";
  if (parts[0].startsWith('..')) return "invalid path: must not start with '..'";
  return undefined;
}

function tsDirName(): string {
  const d = new Date();
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${d.getUTCFullYear()}_${pad(d.getUTCMonth() + 1)}_${pad(d.getUTCDate())}_${pad(d.getUTCHours())}_${pad(d.getUTCMinutes())}_${pad(d.getUTCSeconds())}.${randomBytes(5).readUInt32BE(0)}`;
}

async function readTree(root: string, rel = ''): Promise<Map<string, { data: Buffer; mode: number }>> {
  const out = new Map<string, { data: Buffer; mode: number }>();
  for (const ent of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.isDirectory()) for (const [k, v] of await readTree(root, r)) out.set(k, v);
    else {
      const full = path.join(root, r);
      out.set(r, { data: await fs.readFile(full), mode: (await fs.stat(full)).mode & 0o7777 });
    }
  }
  return out;
}

async function sameAsOld(dir: string, oldTs: string | undefined, payload: Map<string, FileProjection>): Promise<boolean> {
  if (!oldTs) return false;
  let old: Map<string, { data: Buffer; mode: number }>;
  try { old = await readTree(path.join(dir, oldTs)); } catch { return false; }
  if (old.size !== payload.size) return false;
  for (const [p, f] of payload) {
    const o = old.get(p);
    if (!o || o.mode !== (f.mode & 0o7777) || !o.data.equals(f.data)) return false;
  }
  return true;
}

/** The timestamped directory `..data` points at, if any. */
async function currentTsDir(dir: string): Promise<string | undefined> {
  try { return await fs.readlink(path.join(dir, DATA_DIR)); } catch { return undefined; }
}

/**
 * Make `dir` show exactly `payload` (relative path -> file), atomically. Returns false when the
 * content was already there (nothing written), true when it changed.
 */
export async function writeAtomic(dir: string, payload: Map<string, FileProjection>): Promise<boolean> {
  for (const p of payload.keys()) {
    const bad = validatePayloadPath(p);
    if (bad) throw new Error(bad);
  }
  await fs.mkdir(dir, { recursive: true });
  const oldTs = await currentTsDir(dir);
  if (await sameAsOld(dir, oldTs, payload)) return false;

  const ts = tsDirName();
  const tsPath = path.join(dir, ts);
  await fs.mkdir(tsPath, { mode: 0o755 });
  await fs.chmod(tsPath, 0o755);
  for (const [p, f] of payload) {
    const full = path.join(tsPath, p);
    await fs.mkdir(path.dirname(full), { recursive: true, mode: 0o755 });
    await fs.writeFile(full, f.data);
    await fs.chmod(full, f.mode & 0o7777);
  }

  // The swap: a new symlink renamed over the old one, which rename(2) does atomically.
  const tmp = path.join(dir, DATA_TMP);
  await fs.rm(tmp, { force: true });
  await fs.symlink(ts, tmp);
  await fs.rename(tmp, path.join(dir, DATA_DIR));

  const wanted = new Set([...payload.keys()].map((p) => p.split('/')[0]));
  for (const name of wanted) {
    const link = path.join(dir, name);
    const target = path.posix.join(DATA_DIR, name);
    let have: string | undefined;
    try { have = await fs.readlink(link); } catch { /* missing */ }
    if (have !== target) {
      await fs.rm(link, { force: true, recursive: true });
      await fs.symlink(target, link);
    }
  }
  for (const ent of await fs.readdir(dir)) {
    if (ent.startsWith('..') || wanted.has(ent)) continue;
    await fs.rm(path.join(dir, ent), { force: true, recursive: true });
  }
  if (oldTs && oldTs !== ts && oldTs.startsWith('..')) await fs.rm(path.join(dir, oldTs), { recursive: true, force: true });
  return true;
}
