/**
 * @module cluster/lab
 * The failure lab: `skiff stop NAME`, `skiff start NAME` and `skiff status` against a cluster made
 * by `skiff up`, so each of the seed's "what happens if it fails" paragraphs can be reproduced on
 * real processes. Stop sends SIGTERM by the recorded PID (only while that PID still runs the
 * recorded command; SIGKILL after a grace period), or SIGKILL at once with `kill` — a crash, or a
 * machine gone, with no goodbye (no lease released, no etcd leadership handed over). Start runs the
 * recorded command line again and waits until it is ready. Every change goes to cluster.json, so
 * `skiff down` still removes everything, stopped or not.
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readState, writeState, statePath, type ClusterState, type StartedProcess } from './state.js';
import { alive, stopProcess } from './processes.js';
import { componentName, findComponent, isRunning, launchComponent, type ComponentSpec } from './components.js';

/** How long a start may take before it is reported as failed (an agent starts containerd and re-adopts its pods). */
const START_TIMEOUT_MS = 90_000;

export interface StopOptions {
  /** SIGKILL at once instead of SIGTERM (a crash: nothing is handed over). */
  kill?: boolean;
  /** SIGTERM's grace before SIGKILL (default 15 s). */
  graceMs?: number;
}

export interface ComponentStatus {
  name: string;
  /** running; stopped (by `skiff stop`); exited (not stopped by the lab, yet not running: it crashed or was killed by hand). */
  status: 'running' | 'stopped' | 'exited';
  pid: number;
  /** For etcd members: `leader` when this member leads. */
  note?: string;
}

function load(dataDir: string): ClusterState {
  const s = readState(resolve(dataDir));
  if (!s) throw new Error(`no cluster is up in ${resolve(dataDir)} (no ${statePath(resolve(dataDir))}): run skiff up first`);
  return s;
}

/** Change one component's record in the state file as it is now (another lab command may have written it meanwhile). */
function update(dataDir: string, name: string, f: (p: StartedProcess) => void): void {
  const s = load(dataDir);
  f(findComponent(s, name));
  writeState(s);
}

/** Stop a component; returns what was done, for the user. Stopping one that is not running says so and changes nothing else. */
export async function stopComponent(dataDir: string, name: string, o: StopOptions = {}): Promise<string> {
  const p = findComponent(load(dataDir), name);
  const what = componentName(p);
  if (!isRunning(p)) {
    update(dataDir, what, (r) => { r.stopped = true; });
    return `${what} is already stopped`;
  }
  let how: string;
  if (o.kill) {
    try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone meanwhile */ }
    const until = Date.now() + 10_000;
    while (alive(p.pid) && Date.now() < until) await sleep(20);
    how = 'SIGKILL';
  } else {
    how = (await stopProcess(p, o.graceMs)) === 'killed' ? 'SIGTERM, then SIGKILL after the grace period' : 'SIGTERM';
  }
  update(dataDir, what, (r) => { r.stopped = true; });
  return `${what} stopped (pid ${p.pid}, ${how})`;
}

/** Start a stopped component again with its recorded command line; resolves once it is ready. */
export async function startComponent(dataDir: string, name: string, timeoutMs = START_TIMEOUT_MS): Promise<string> {
  const s = load(dataDir);
  const p = findComponent(s, name);
  const what = componentName(p);
  if (isRunning(p)) return `${what} is already running (pid ${p.pid})`;
  if (!p.cmd || !p.args || !p.ready) throw new Error(`${what} was started by an older skiff up that did not record its command line: it cannot be started again`);
  const { pid: _pid, stopped: _stopped, ...rest } = p;
  const started = await launchComponent(s, { ...rest, component: what } as ComponentSpec, timeoutMs);
  return `${what} started (pid ${started.pid})`;
}

/** Every component with whether it runs; etcd members say which one leads. */
export async function clusterStatus(dataDir: string): Promise<ComponentStatus[]> {
  const s = load(dataDir);
  const rows: ComponentStatus[] = s.processes.map((p) => ({
    name: componentName(p), pid: p.pid, status: isRunning(p) ? 'running' : p.stopped ? 'stopped' : 'exited',
  }));
  const etcd = s.processes.filter((p) => p.role === 'etcd' && isRunning(p));
  if (etcd.length) {
    const { etcdLeader } = await import('./etcd.js');
    const leader = await etcdLeader(etcd);
    for (const r of rows) {
      if (!r.name.startsWith('etcd/') || r.status !== 'running') continue;
      r.note = leader && componentName(leader) === r.name ? 'leader' : leader ? 'follower' : 'no leader';
    }
  }
  return rows;
}

/** `skiff status` as a table, kubectl's way. */
export function formatStatus(rows: ComponentStatus[]): string {
  const w = Math.max(4, ...rows.map((r) => r.name.length)) + 3;
  const lines = [`${'NAME'.padEnd(w)}${'STATUS'.padEnd(10)}${'PID'.padEnd(9)}NOTE`];
  for (const r of rows) lines.push(`${r.name.padEnd(w)}${r.status.padEnd(10)}${String(r.pid).padEnd(9)}${r.note ?? ''}`.trimEnd());
  return lines.join('\n') + '\n';
}
