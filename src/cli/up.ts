/**
 * @module cli/up
 * `skiff up --nodes N` and `skiff down`: a whole cluster on one machine (a control plane and N nodes,
 * each node a network namespace with its own containerd, kubelet and routes), and its tear-down.
 * The work is in cluster/up.ts; this file only reads flags.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { defaultDataDir, parseDuration } from './flags.js';
import { DEFAULT_TOPOLOGY } from '../cluster/topology.js';

const log = (m: string): void => { process.stderr.write(`skiff up: ${m}\n`); };

/** The data dir of `up`/`down`: `--data-dir`, else `<default data dir>/up`. */
export const upDataDir = (v: string | undefined): string => v ?? join(defaultDataDir(), 'up');

export async function upCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({
    args: argv, options: {
      nodes: { type: 'string' }, 'data-dir': { type: 'string' }, name: { type: 'string' }, port: { type: 'string' },
      'underlay-cidr': { type: 'string' }, 'underlay-bridge': { type: 'string' }, 'cluster-cidr': { type: 'string' },
      registry: { type: 'string' }, 'pause-image': { type: 'string' }, wait: { type: 'string' },
      'dns-upstream': { type: 'string', multiple: true }, 'proxy-mode': { type: 'string' }, 'disable-network-policy': { type: 'boolean' },
      'service-lb-pool': { type: 'string' }, 'disable-service-lb': { type: 'boolean' },
      'etcd-members': { type: 'string' }, 'node-monitor-grace-period': { type: 'string' }, 'node-monitor-period': { type: 'string' },
    },
  });
  const { clusterUp } = await import('../cluster/up.js');
  const port = values.port === undefined ? 6443 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) { process.stderr.write(`skiff up: invalid --port "${values.port}"\n`); return 2; }
  const state = await clusterUp({
    dataDir: upDataDir(values['data-dir']),
    nodes: values.nodes === undefined ? 1 : Number(values.nodes),
    name: values.name ?? DEFAULT_TOPOLOGY.name,
    underlayCIDR: values['underlay-cidr'] ?? DEFAULT_TOPOLOGY.underlayCIDR,
    bridge: values['underlay-bridge'] ?? DEFAULT_TOPOLOGY.bridge,
    clusterCIDR: values['cluster-cidr'] ?? DEFAULT_TOPOLOGY.clusterCIDR,
    // The API server allocates ClusterIPs from 10.96.0.0/12 and nothing else.
    serviceCIDR: DEFAULT_TOPOLOGY.serviceCIDR,
    port, registry: values.registry, pauseImage: values['pause-image'],
    waitMs: values.wait ? parseDuration(values.wait, 'wait') : 180_000,
    dnsUpstreams: values['dns-upstream'], proxyMode: proxyMode(values['proxy-mode']), networkPolicy: !values['disable-network-policy'],
    serviceLB: !values['disable-service-lb'], serviceLBPool: values['service-lb-pool'],
    etcdMembers: values['etcd-members'] === undefined ? undefined : Number(values['etcd-members']),
    nodeMonitorGracePeriod: durationFlag(values['node-monitor-grace-period'], 'node-monitor-grace-period'),
    nodeMonitorPeriod: durationFlag(values['node-monitor-period'], 'node-monitor-period'),
    log,
  });
  process.stdout.write(`export KUBECONFIG=${state.server!.kubeconfig}\n`);
}

/** A duration flag passed on to the controller manager as given, once it parses. */
function durationFlag(v: string | undefined, flag: string): string | undefined {
  if (v !== undefined) parseDuration(v, flag);
  return v;
}

function proxyMode(v: string | undefined): 'iptables' | 'nftables' | 'none' {
  if (v === undefined) return 'iptables';
  if (v === 'iptables' || v === 'nftables' || v === 'none') return v;
  throw new Error(`invalid --proxy-mode "${v}": want iptables, nftables or none`);
}

export async function downCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({ args: argv, options: { 'data-dir': { type: 'string' }, purge: { type: 'boolean' } } });
  const { clusterDown } = await import('../cluster/up.js');
  const dir = upDataDir(values['data-dir']);
  const was = await clusterDown(dir, { purge: values.purge, log: (m) => process.stderr.write(`skiff down: ${m}\n`) });
  if (!was) process.stderr.write(`skiff down: nothing is up in ${dir}\n`);
}
