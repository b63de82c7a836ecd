/**
 * @module cluster/node-cleanup
 * What a node of `skiff up` leaves behind once its agent has stopped: the agent stops its containerd
 * but, like a real node, leaves the pods running (shims and runc containers), with their rootfs
 * overlays, /dev/shm and netns mounts under the node's data dir, and their cgroups under the node's
 * cgroup root. All of it is found by path (this node's dirs and sockets only) and ended by PID.
 */
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { containerdLayout } from '../kubelet/containerd/config.js';
import { deleteRuncContainers, shimPids, signalPid, unmountUnder } from '../kubelet/containerd/cleanup.js';
import { isOurs, stopProcess } from './processes.js';

/** The containerd an agent runs lives here under the agent's data dir (see cli/agent-runtime). */
export const nodeContainerdDir = (nodeDir: string): string => join(nodeDir, 'agent', 'containerd');

/** Stop the node's containerd if it outlived its agent, kill its containers and shims, unmount everything under the node's dir. */
export async function cleanupNodeRuntime(nodeDir: string): Promise<{ containers: string[]; unmounted: string[] }> {
  const layout = containerdLayout(nodeContainerdDir(nodeDir));
  let pid: number | undefined;
  try { pid = Number(readFileSync(join(layout.dir, 'containerd.pid'), 'utf8').trim()) || undefined; } catch { /* never started or stopped cleanly */ }
  if (pid && isOurs(pid, layout.configFile)) await stopProcess({ role: 'agent', name: 'containerd', pid, match: layout.configFile, log: layout.logFile }, 10_000);
  const containers = await deleteRuncContainers(layout.runcRoot);
  for (const p of shimPids(layout.socket)) signalPid(p, 'SIGKILL');
  // Only now: while containers ran, their rootfs, /dev/shm and netns mounts were in use.
  const unmounted = existsSync(nodeDir) ? await unmountUnder(nodeDir) : [];
  return { containers, unmounted };
}

/** Remove the node's (empty, once its containers are gone) cgroup tree under every hierarchy, deepest first. */
export function removeNodeCgroups(cgroupRoot: string): void {
  const rmTree = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) rmTree(join(d, e.name));
    try { rmdirSync(d); } catch { /* still in use or already gone */ }
  };
  let hierarchies: string[] = [];
  try { hierarchies = readdirSync('/sys/fs/cgroup'); } catch { return; }
  for (const h of hierarchies) {
    const d = join('/sys/fs/cgroup', h, cgroupRoot);
    try { if (existsSync(d)) rmTree(d); } catch { /* not a directory hierarchy */ }
  }
}
