/**
 * @module images/rootfs
 * Where layer contents come from: a host directory walked into tar entries, and the built-in
 * "busybox" base (the host's static /bin/busybox plus its applet symlinks and the few files a
 * container userland expects). No image is downloaded: busybox-static from Debian is the base.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, posix } from 'node:path';
import type { TarEntry } from './tar.js';

/** The host's busybox; must be statically linked, since the image has no libc. */
export const HOST_BUSYBOX = '/bin/busybox';

export interface DirectoryOptions {
  /** Where the directory's contents land in the image (default "/"). */
  dest?: string;
  /** Keep the host's owners instead of root:root (images are usually root-owned). */
  preserveOwnership?: boolean;
}

/**
 * Tar entries for a directory tree, in the image under `dest`. Files that share an inode become
 * hardlinks to the first path seen, so a layer holds each file once.
 */
export async function entriesFromDirectory(dir: string, opts: DirectoryOptions = {}): Promise<TarEntry[]> {
  const dest = stripSlashes(opts.dest ?? '/');
  const out: TarEntry[] = dest ? parentDirs(dest + '/x') : [];
  const seen = new Map<string, string>();
  const walk = async (hostPath: string, imagePath: string): Promise<void> => {
    const names = (await readdir(hostPath)).sort();
    for (const n of names) {
      const hp = join(hostPath, n), ip = imagePath ? `${imagePath}/${n}` : n;
      const st = await lstat(hp);
      const owner = opts.preserveOwnership ? { uid: st.uid, gid: st.gid } : { uid: 0, gid: 0 };
      const mode = st.mode & 0o7777;
      if (st.isDirectory()) { out.push({ path: ip, type: 'dir', mode, ...owner }); await walk(hp, ip); }
      else if (st.isSymbolicLink()) out.push({ path: ip, type: 'symlink', mode: 0o777, linkname: await readlink(hp), ...owner });
      else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? seen.get(key) : undefined;
        if (first) out.push({ path: ip, type: 'hardlink', mode, linkname: first, ...owner });
        else { if (st.nlink > 1) seen.set(key, ip); out.push({ path: ip, type: 'file', mode, data: await readFile(hp), ...owner }); }
      }
      // Sockets, fifos and devices have no place in an image layer built from a directory.
    }
  };
  if (!(await lstat(dir)).isDirectory()) throw new Error(`${dir} is not a directory`);
  await walk(dir, dest);
  return out;
}

/** Directory entries (0755, root) for every parent of an image path. */
export function parentDirs(imagePath: string): TarEntry[] {
  const parts = stripSlashes(imagePath).split('/').slice(0, -1);
  return parts.map((_, i) => ({ path: parts.slice(0, i + 1).join('/'), type: 'dir' as const, mode: 0o755 }));
}

let appletCache: string[] | undefined;

/** Names of the applets the host busybox provides (`busybox --list`), without "busybox" itself. */
export function busyboxApplets(): string[] {
  appletCache ??= execFileSync(HOST_BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').map((s) => s.trim())
    .filter((s) => s && s !== 'busybox' && !s.includes('/'));
  return appletCache;
}

export interface BusyboxOptions {
  /** Only these applets get /bin symlinks (default: all of them). */
  applets?: string[];
}

/**
 * The "busybox" base rootfs: /bin/busybox and a symlink per applet in /bin, /etc/passwd and
 * /etc/group with root and nobody, /tmp (1777), /root (0700), and the usual empty directories.
 */
export function busyboxEntries(opts: BusyboxOptions = {}): TarEntry[] {
  const applets = opts.applets ?? busyboxApplets();
  const missing = applets.filter((a) => !busyboxApplets().includes(a));
  if (missing.length) throw new Error(`busybox on this host has no applet(s): ${missing.join(', ')}`);
  const dir = (path: string, mode = 0o755): TarEntry => ({ path, type: 'dir', mode });
  const file = (path: string, text: string, mode = 0o644): TarEntry => ({ path, type: 'file', mode, data: Buffer.from(text) });
  return [
    dir('bin'), dir('dev'), dir('etc'), dir('home'), dir('proc'), dir('root', 0o700), dir('sys'),
    dir('tmp', 0o1777), dir('usr'), dir('usr/bin'), dir('usr/sbin'), dir('sbin'), dir('var'), dir('var/tmp', 0o1777), dir('var/log'), dir('var/run'),
    { path: 'bin/busybox', type: 'file', mode: 0o755, data: readFileSync(HOST_BUSYBOX) },
    ...applets.map((a): TarEntry => ({ path: `bin/${a}`, type: 'symlink', mode: 0o777, linkname: 'busybox' })),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n'),
    file('etc/group', 'root:x:0:\nnogroup:x:65534:\n'),
    file('etc/nsswitch.conf', 'hosts: files dns\n'),
  ];
}

function stripSlashes(p: string): string {
  return posix.normalize('/' + p).replace(/^\/+|\/+$/g, '');
}
