/**
 * @module kubelet/containerd/cleanup
 * What a stopped containerd can leave behind, and how to take it away without touching anything
 * that belongs to another containerd on the machine: runc containers under *this* containerd's runc
 * root, shims serving *its* socket, and mounts (rootfs overlays, sandbox /dev/shm, pod netns) under
 * *its* directories. Everything is found by path, and processes are ended by PID.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount points at or under `dir`, deepest first (so children go before parents). */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, ' ').replace(/\\011/g, '\t').replace(/\\012/g, '\n').replace(/\\134/g, '\\'))
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Unmount everything under `dir`; a busy mount is detached lazily rather than left behind. */
export async function unmountUnder(dir: string): Promise<string[]> {
  const done: string[] = [];
  for (const p of mountsUnder(dir)) {
    try { await run('umount', [p]); } catch { try { await run('umount', ['-l', p]); } catch { continue; } }
    done.push(p);
  }
  return done;
}

/** PIDs of containerd shims started by the containerd serving `socket` (their argv names it after `-address`). */
export function shimPids(socket: string): number[] {
  const out: number[] = [];
  for (const ent of readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    let argv: string[];
    try { argv = readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0'); } catch { continue; }
    if (!argv[0]?.includes('containerd-shim')) continue;
    const i = argv.indexOf('-address');
    if (i >= 0 && argv[i + 1] === socket) out.push(Number(ent));
  }
  return out;
}

/** Force-delete every container runc knows under `runcRoot` (all containerd namespaces in it). */
export async function deleteRuncContainers(runcRoot: string): Promise<string[]> {
  if (!existsSync(runcRoot)) return [];
  const deleted: string[] = [];
  for (const ns of readdirSync(runcRoot)) {
    const root = `${runcRoot}/${ns}`;
    let ids: string[] = [];
    try {
      const { stdout } = await run('runc', ['--root', root, 'list', '--format', 'json']);
      ids = ((JSON.parse(stdout || 'null') ?? []) as { id: string }[]).map((c) => c.id);
    } catch { continue; }
    for (const id of ids) {
      try { await run('runc', ['--root', root, 'delete', '--force', id]); deleted.push(id); } catch { /* already gone */ }
    }
  }
  return deleted;
}

/** Signal a process if it still exists; false when it is gone. */
export function signalPid(pid: number, sig: NodeJS.Signals): boolean {
  try { process.kill(pid, sig); return true; } catch { return false; }
}

export const pidAlive = (pid: number): boolean => signalPid(pid, 0 as unknown as NodeJS.Signals);
