/**
 * @module cluster/state
 * The state file `skiff up` keeps in its data dir (`cluster.json`): the plan and everything it has
 * made so far — namespaces, the bridge, host routes it owns, the PIDs of the processes it started
 * (with a piece of their command line, so a reused PID is never signalled). It is written after
 * every step, so `skiff down` can tear down a half-finished `up` as well as a whole one.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from '../kubelet/network/routes.js';
import type { TopologyPlan } from './topology.js';

export const STATE_FILE = 'cluster.json';

/** A process `up` started: stopped by `down` by PID, only while its command line still contains `match`. */
export interface StartedProcess {
  role: 'server' | 'agent' | 'registry-mirror' | 'dns' | 'proxy' | 'servicelb' | 'scheduler' | 'controller-manager' | 'etcd';
  name: string;
  pid: number;
  match: string;
  log: string;
  /** Its name for `skiff stop/start` (`apiserver`, `kubelet/NODE`, `etcd/1`, ...; see cluster/components.ts). */
  component?: string;
  /** The command line it was started with, so `skiff start` can start it again exactly so. */
  cmd?: string;
  args?: string[];
  /** How to tell a (re)start is ready: a line of its log (a RegExp source) or a TCP port that accepts connections. */
  ready?: { log: string } | { tcp: string };
  /** Stopped on purpose by `skiff stop` (the failure lab); `skiff start` clears it. */
  stopped?: boolean;
}

export interface ClusterState {
  version: 1;
  dataDir: string;
  plan: TopologyPlan;
  /** The underlay bridge, once made by us (absent: not made, or it already existed and is not ours). */
  bridge?: string;
  /** Network namespaces made (by name). */
  netns: string[];
  /** Host veth ends made (deleting a namespace deletes the pair too; these are for a half-made node). */
  links: string[];
  /** Routes in the host's table made by us (blackholes that already existed are not listed). */
  routes: Route[];
  processes: StartedProcess[];
  /** Each node's agent data dir (its containerd's mounts and runc state live under it). */
  nodeDirs: string[];
  server?: { url: string; kubeconfig: string };
  /** The registry mirror on the underlay, as `ORIGIN=http://HOSTIP:PORT`. */
  registryMirror?: string;
  /** kube-proxy's mode and kubeconfig (system:kube-proxy), when the nodes run one. */
  proxy?: { mode: 'iptables' | 'nftables'; kubeconfig: string };
  /** The service load balancer's pool and the device its routes (proto 242, /32s in the pool) go on. */
  serviceLB?: { pool: string; dev: string };
  /** The etcd members' client URLs, when the control plane stores in etcd (`up --etcd-members N`) rather than SQLite. */
  etcd?: { endpoints: string[] };
}

export const statePath = (dataDir: string): string => join(dataDir, STATE_FILE);

/** Read the state file, or undefined when there is none (nothing is up). */
export function readState(dataDir: string): ClusterState | undefined {
  let text: string;
  try { text = readFileSync(statePath(dataDir), 'utf8'); } catch { return undefined; }
  const s = JSON.parse(text) as ClusterState;
  if (s.version !== 1) throw new Error(`${statePath(dataDir)}: unknown state version ${String(s.version)}`);
  return s;
}

/** Write it whole (temp file + rename): a crash mid-write never leaves half a state file. */
export function writeState(s: ClusterState): void {
  const file = statePath(s.dataDir);
  writeFileSync(`${file}.tmp`, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}
