/**
 * @module cluster/components
 * The processes of a `skiff up` cluster as named components, the unit the failure lab stops and
 * starts: `apiserver`, `scheduler`, `controller-manager`, `kubelet/NODE`, `kube-proxy/NODE`,
 * `etcd/N`, and the add-ons (`dns`, `servicelb`, `registry-mirror`). Each is recorded in cluster.json
 * with the command line it was started with and how to tell it is ready, so it can be started again
 * exactly as `up` started it, by a later `skiff start` in another process.
 */
import { existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive, isOurs, spawnDetached, waitForLog } from './processes.js';
import { writeState, type ClusterState, type StartedProcess } from './state.js';

/** What `launchComponent` needs: a record without a PID, with its command line and readiness check. */
export type ComponentSpec = Omit<StartedProcess, 'pid' | 'stopped'> & Required<Pick<StartedProcess, 'component' | 'cmd' | 'args' | 'ready'>>;

/** Upstream's binary names, accepted for the lab's names. */
const ALIASES: Record<string, string> = {
  'kube-apiserver': 'apiserver', 'kube-scheduler': 'scheduler', 'kube-controller-manager': 'controller-manager', coredns: 'dns',
};

/** The lab name of a recorded process; a state file from before the lab has none, so it is derived. */
export function componentName(p: StartedProcess): string {
  if (p.component) return p.component;
  switch (p.role) {
    case 'server': return 'apiserver';
    case 'agent': return `kubelet/${p.name}`;
    case 'proxy': return `kube-proxy/${p.name.replace(/^kube-proxy /, '')}`;
    case 'dns': return 'dns';
    case 'servicelb': return 'servicelb';
    case 'registry-mirror': return 'registry-mirror';
    default: return p.name;
  }
}

/** A name `skiff stop/start` does not know; its message lists the names it does. */
export class UnknownComponentError extends Error {
  constructor(readonly given: string, readonly valid: string[]) {
    super(`no component "${given}" in this cluster; components: ${valid.join(', ')}`);
  }
}

/** The process record for `name` (or an alias of it); throws UnknownComponentError. */
export function findComponent(state: ClusterState, name: string): StartedProcess {
  const want = ALIASES[name] ?? name;
  const p = state.processes.find((x) => componentName(x) === want);
  if (!p) throw new UnknownComponentError(name, state.processes.map(componentName));
  return p;
}

/** Is the component's recorded process running (alive, and still the command it was given)? */
export function isRunning(p: StartedProcess): boolean {
  return alive(p.pid) && isOurs(p.pid, p.match);
}

/**
 * Start `spec` detached, record it in `state` (replacing an earlier record of the same component),
 * save, and wait until it is ready: its log, from where this start began, shows `ready.log`, or its
 * `ready.tcp` port accepts a connection.
 */
export async function launchComponent(state: ClusterState, spec: ComponentSpec, timeoutMs: number): Promise<StartedProcess> {
  const offset = existsSync(spec.log) ? statSync(spec.log).size : 0;
  const pid = spawnDetached(spec.cmd, spec.args, spec.log);
  const p: StartedProcess = { ...spec, pid };
  const i = state.processes.findIndex((x) => componentName(x) === spec.component);
  if (i >= 0) state.processes[i] = p; else state.processes.push(p);
  writeState(state);
  await waitReady(p, timeoutMs, offset);
  return p;
}

/** Wait until a just-started component is ready (see launchComponent); fails early if it exits. */
export async function waitReady(p: StartedProcess, timeoutMs: number, logOffset = 0): Promise<void> {
  const what = componentName(p);
  if (!p.ready) return;
  if ('log' in p.ready) { await waitForLog(p.log, new RegExp(p.ready.log), p.pid, timeoutMs, what, logOffset); return; }
  const [host, port] = splitHostPort(p.ready.tcp);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await canConnect(host, port)) return;
    if (!alive(p.pid)) throw new Error(`${what} exited before it was ready (log: ${p.log})`);
    if (Date.now() > deadline) throw new Error(`${what} did not accept connections on ${p.ready.tcp} within ${timeoutMs} ms (log: ${p.log})`);
    await sleep(100);
  }
}

function splitHostPort(hp: string): [string, number] {
  const i = hp.lastIndexOf(':');
  return [hp.slice(0, i), Number(hp.slice(i + 1))];
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
