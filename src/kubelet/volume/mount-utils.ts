/**
 * @module kubelet/volume/mount-utils
 * The little of k8s.io/mount-utils the kubelet's volumes need: which paths are mount points
 * (from /proc/self/mountinfo), mounting a tmpfs with a size (memory-backed emptyDir), and
 * unmounting everything below a pod's directory before it is removed, so a teardown never
 * deletes through a mount into something else.
 */
import { promises as fs } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as path from 'node:path';

const run = promisify(execFile);

/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o) => String.fromCharCode(parseInt(o, 8)));

/** Every mount point on this machine, as the kernel lists them for this process. */
export async function listMountPoints(): Promise<string[]> {
  const text = await fs.readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').filter(Boolean).map((l) => unescape(l.split(' ')[4]));
}

export async function isMountPoint(p: string): Promise<boolean> {
  const want = path.resolve(p);
  return (await listMountPoints()).includes(want);
}

/** Mount a tmpfs on `dir` (once); `sizeBytes` caps it as an emptyDir's sizeLimit does. */
export async function mountTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  if (await isMountPoint(dir)) return;
  const opts = sizeBytes && sizeBytes > 0 ? ['-o', `size=${sizeBytes}`] : [];
  try {
    await run('mount', ['-t', 'tmpfs', ...opts, 'tmpfs', dir]);
  } catch (e: any) {
    throw new Error(`mount failed: ${String(e.stderr || e.message).trim()}\nMounting command: mount\nMounting arguments: -t tmpfs ${opts.join(' ')} tmpfs ${dir}`.replace(/  +/g, ' '));
  }
}

/** Unmount every mount at or below `root`, deepest first. */
export async function unmountAllUnder(root: string): Promise<void> {
  const base = path.resolve(root);
  const mps = (await listMountPoints()).filter((m) => m === base || m.startsWith(base + '/')).sort((a, b) => b.length - a.length);
  for (const mp of mps) {
    try { await run('umount', [mp]); } catch { await run('umount', ['-l', mp]); }
  }
}
