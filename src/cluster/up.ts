/**
 * @module cluster/up
 * `skiff up` and `skiff down` as functions: a control plane and N nodes on one machine, each node a
 * network namespace acting as a host (see topology.ts), and the tear-down of all of it.
 *
 * up: underlay bridge and host-side safety routes (blackholes for the cluster and service CIDRs, so
 * a packet for a pod or Service that nothing answers dies on the host instead of leaving by the
 * default route) -> node namespaces -> cluster PKI with the underlay address in the API server's
 * certificate -> `skiff server` on the underlay address -> a bootstrap token -> one `skiff agent` per
 * node entered into its namespace with `nsenter --net` (network namespace only: containerd's mounts
 * stay in the host's mount namespace, where down can find them) -> wait for every Node Ready with a
 * podCIDR -> host routes to each podCIDR via its node (so the host can answer pods). Each node's agent
 * routes the other nodes' podCIDRs itself (host-gw). The state file records every step.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { addRouteIfAbsent, deleteRoute, replaceRoute } from '../kubelet/network/routes.js';
import { planTopology, type TopologyOptions } from './topology.js';
import { readState, statePath, writeState, type ClusterState } from './state.js';
import { ensureNodeNamespace, ensureUnderlayBridge, removeLink, removeNamespace } from './underlay.js';
import { spawnDetached, stopProcess, waitForLog } from './processes.js';
import { startRegistryMirror } from './registry-mirror.js';
import { cleanupNodeRuntime, removeNodeCgroups } from './node-cleanup.js';
import { CLUSTER_DNS_IP, hostResolvers, kubeDnsObjects, writeComponentKubeconfig } from './addons.js';
import type { StartedProcess } from './state.js';
import type { ClusterPKI } from '../apiserver/pki/cluster-pki.js';
import type { Clientset } from '../client/clientset.js';

export interface UpOptions extends TopologyOptions {
  dataDir: string;
  /** The API server's port on the underlay address (6443; 0 = any free port). */
  port: number;
  /** A registry on the host's loopback (`127.0.0.1:PORT`) the nodes pull from through a mirror. */
  registry?: string;
  /** The sandbox image (e.g. `127.0.0.1:PORT/skiff/pause:3.9` from that registry). */
  pauseImage?: string;
  /** How long to wait for every node to be Ready (ms). */
  waitMs: number;
  /** The cluster DNS add-on's upstream resolvers (`IP:PORT`); default: the host's resolv.conf. */
  dnsUpstreams?: string[];
  /** Run the cluster DNS add-on (default true). */
  dns?: boolean;
  /** kube-proxy's mode on every node, or 'none' for no kube-proxy (default iptables). */
  proxyMode?: 'iptables' | 'nftables' | 'none';
  /** Enforce NetworkPolicies on every node (default true). */
  networkPolicy?: boolean;
  /** Run the service load balancer for type: LoadBalancer Services (default true). */
  serviceLB?: boolean;
  /** Its address pool (default: the top of the underlay, .200-.250 of a /24). */
  serviceLBPool?: string;
  log: (msg: string) => void;
}

/** The `skiff` entry point the children run (this build's bin/skiff.js). */
export function skiffBin(): string {
  return fileURLToPath(new URL('../../../bin/skiff.js', import.meta.url));
}

/**
 * V8 flags for the processes every node runs (agent, kube-proxy): a 2 MB young generation instead of
 * the default 16 MB semi-spaces keeps an agent with 50 pods under 100 MB RSS (measured 123 -> 96 MB,
 * bench apply-to-running-node) with no measurable change in pod startup.
 */
export const NODE_SIDE_V8_FLAGS = ['--max-semi-space-size=2'];

const cond = (n: any, type: string): string | undefined => n?.status?.conditions?.find((c: any) => c.type === type)?.status;

/** Bring the cluster up; on failure everything made so far is torn down again and the error rethrown. */
export async function clusterUp(o: UpOptions): Promise<ClusterState> {
  if (process.getuid?.() !== 0) throw new Error('skiff up needs root (network namespaces, bridges, routes, containerd)');
  const dataDir = resolve(o.dataDir);
  const existing = readState(dataDir);
  if (existing) throw new Error(`a cluster is already up from ${statePath(dataDir)}: run skiff down --data-dir ${dataDir} first`);
  const plan = planTopology(o);
  mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
  const state: ClusterState = { version: 1, dataDir, plan, netns: [], links: [], routes: [], processes: [], nodeDirs: [] };
  writeState(state);
  const save = (): void => writeState(state);
  try {
    await bringUp(o, state, save);
    return state;
  } catch (e) {
    o.log(`up failed, tearing down what was made: ${(e as Error).message.split('\n')[0]}`);
    await clusterDown(dataDir, { log: o.log }).catch((d) => o.log(`tear-down after failure: ${(d as Error).message}`));
    throw e;
  }
}

async function bringUp(o: UpOptions, state: ClusterState, save: () => void): Promise<void> {
  const { plan, dataDir } = state;
  // 1. The underlay and the host's safety routes.
  if (await ensureUnderlayBridge(plan.bridge, plan.hostCIDR)) { state.bridge = plan.bridge; save(); }
  for (const dst of [plan.clusterCIDR, plan.serviceCIDR]) {
    // A blackhole that already exists (another cluster's, or the admin's) does the same job and is not ours to remove.
    if (await addRouteIfAbsent({ dst, blackhole: true })) { state.routes.push({ dst, blackhole: true }); save(); }
    else o.log(`a route for ${dst} exists already on the host: using it`);
  }
  // 2. The nodes' namespaces.
  for (const n of plan.nodePlans) {
    await ensureNodeNamespace(n, plan.bridge, (m) => {
      if (m.netns) state.netns.push(m.netns);
      if (m.link) state.links.push(m.link);
      save();
    });
  }
  o.log(`underlay ${plan.bridge} ${plan.hostCIDR}; nodes ${plan.nodePlans.map((n) => `${n.netns}=${n.ip}`).join(', ')}`);

  // 3. The control plane, listening on the underlay address with a certificate that names it.
  const serverDir = join(dataDir, 'server');
  const { ensureClusterPKI } = await import('../apiserver/pki/cluster-pki.js');
  // Made here, before the server's first start, so its serving certificate names the underlay address
  // (the server loads an existing PKI as it is).
  const pki = await ensureClusterPKI(join(serverDir, 'pki'), { serverIPs: [plan.hostIP] });
  let registryFlag: string | undefined;
  if (o.registry) {
    const m = await startRegistryMirror({ registry: o.registry, hostIP: plan.hostIP, dir: join(dataDir, 'registry-mirror'), onStarted: (p) => { state.processes.push(p); save(); } });
    registryFlag = m.agentFlag;
    state.registryMirror = m.agentFlag;
    save();
    o.log(`registry mirror ${m.agentFlag}`);
  }
  const serverLog = join(dataDir, 'logs', 'server.log');
  const serverPid = spawnDetached(process.execPath, [skiffBin(), 'server', '--data-dir', serverDir, '--host', plan.hostIP, '--port', String(o.port),
    '--disable-agent', '--cluster-cidr', plan.clusterCIDR], serverLog);
  state.processes.push({ role: 'server', name: 'skiff server', pid: serverPid, match: serverDir, log: serverLog });
  save();
  const url = (await waitForLog(serverLog, /API server ready at (https:\/\/\S+)/, serverPid, 60_000, 'skiff server'))[1]!;
  const kubeconfig = join(dataDir, 'kubeconfig');
  copyFileSync(join(serverDir, 'kubeconfig'), kubeconfig);
  state.server = { url, kubeconfig };
  save();
  o.log(`API server ready at ${url}`);

  // 4. A bootstrap token for the agents (kubeadm's shape: id.secret, in a kube-system Secret).
  const { configFromKubeconfig } = await import('../client/transport.js');
  const { newClientset } = await import('../client/clientset.js');
  const cs = newClientset({ ...configFromKubeconfig(kubeconfig), userAgent: 'skiff-up' });
  try {
    const id = randomBytes(3).toString('hex'), secret = randomBytes(8).toString('hex');
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    await cs.secrets.create('kube-system', {
      apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      data: { 'token-id': b64(id), 'token-secret': b64(secret), 'usage-bootstrap-authentication': b64('true'), description: b64('skiff up: node agents') },
    });

    // 5. The cluster DNS add-on on the underlay address, behind kube-dns (10.96.0.10).
    const dns = o.dns !== false;
    if (dns) await startClusterDNS(o, state, save, pki, cs);

    // 6. One agent per node, inside its namespace.
    for (const n of plan.nodePlans) {
      const nodeDir = join(dataDir, 'nodes', `n${n.index}`);
      mkdirSync(nodeDir, { recursive: true, mode: 0o750 });
      state.nodeDirs.push(nodeDir);
      const args = ['--net=/run/netns/' + n.netns, '--', process.execPath, ...NODE_SIDE_V8_FLAGS, skiffBin(), 'agent', '--server', url, '--token', `${id}.${secret}`,
        '--ca-file', join(serverDir, 'pki', 'ca.crt'), '--data-dir', nodeDir, '--node-name', n.nodeName, '--node-ip', n.ip,
        '--cluster-cidr', plan.clusterCIDR, '--service-cidr', plan.serviceCIDR, '--cgroup-root', n.cgroupRoot, '--host-gw',
        ...(dns ? ['--cluster-dns', CLUSTER_DNS_IP] : []), ...(o.networkPolicy !== false ? ['--network-policy'] : []),
        ...(registryFlag ? ['--registry', registryFlag] : []), ...(o.pauseImage ? ['--pause-image', o.pauseImage] : [])];
      const log = join(dataDir, 'logs', `agent-n${n.index}.log`);
      const pid = spawnDetached('nsenter', args, log);
      state.processes.push({ role: 'agent', name: n.nodeName, pid, match: nodeDir, log });
      save();
    }

    // 7. Every node Ready with a podCIDR; then the host's routes to the pods.
    const deadline = Date.now() + o.waitMs;
    for (;;) {
      const nodes = (await cs.nodes.list('').catch(() => ({ items: [] as any[] }))).items;
      const ready = plan.nodePlans.map((n) => nodes.find((x: any) => x.metadata.name === n.nodeName))
        .filter((x: any) => x && cond(x, 'Ready') === 'True' && x.spec?.podCIDR);
      if (ready.length === plan.nodePlans.length) {
        for (const node of ready) {
          const n = plan.nodePlans.find((p) => p.nodeName === node.metadata.name)!;
          const r = { dst: node.spec.podCIDR as string, via: n.ip, dev: plan.bridge };
          await replaceRoute(r);
          state.routes.push(r);
          save();
        }
        break;
      }
      if (Date.now() > deadline) {
        const tails = state.processes.filter((p) => p.role === 'agent').map((p) => `${p.name}: ${p.log}`).join(', ');
        throw new Error(`only ${ready.length} of ${plan.nodePlans.length} nodes Ready with a podCIDR within ${o.waitMs} ms (agent logs: ${tails})`);
      }
      await sleep(250);
    }
    // 8. kube-proxy on every node, in its namespace (its own process, as the seed's DaemonSet pod).
    const mode = o.proxyMode ?? 'iptables';
    if (mode !== 'none') {
      state.proxy = { mode, kubeconfig: await writeComponentKubeconfig(pki, url, join(dataDir, 'kube-proxy.kubeconfig'), 'kube-proxy', 'system:kube-proxy') };
      save();
      await Promise.all(plan.nodePlans.map((n) => startNodeProxy(state, n.nodeName)));
      save();
    }
    // 9. The service load balancer on the host: addresses on the underlay for LoadBalancer Services.
    if (o.serviceLB !== false) await startServiceLB(o, state, save, pki);
  } finally { cs.close(); }
  o.log(`${plan.nodePlans.length} nodes Ready; export KUBECONFIG=${kubeconfig}`);
}

async function startClusterDNS(o: UpOptions, state: ClusterState, save: () => void, pki: ClusterPKI, cs: Clientset): Promise<void> {
  const { plan, dataDir } = state;
  const kc = await writeComponentKubeconfig(pki, state.server!.url, join(dataDir, 'dns.kubeconfig'), 'coredns', 'system:coredns');
  const upstreams = o.dnsUpstreams ?? hostResolvers(readFileSync('/etc/resolv.conf', 'utf8'));
  const log = join(dataDir, 'logs', 'dns.log');
  const pid = spawnDetached(process.execPath, [skiffBin(), 'dns', '--kubeconfig', kc, '--listen', `${plan.hostIP}:53`, '--ns-address', CLUSTER_DNS_IP,
    '--service-cidr', plan.serviceCIDR, '--pod-cidr', plan.clusterCIDR, ...upstreams.flatMap((u) => ['--upstream', u])], log);
  state.processes.push({ role: 'dns', name: 'skiff dns', pid, match: kc, log });
  save();
  await waitForLog(log, /skiff dns: serving/, pid, 30_000, 'skiff dns');
  const objs = kubeDnsObjects(plan.hostIP);
  const createOrKeep = async (f: () => Promise<unknown>) => { try { await f(); } catch (e) { if ((e as { code?: number }).code !== 409) throw e; } };
  await createOrKeep(() => cs.services.create('kube-system', objs.service));
  await createOrKeep(() => cs.endpoints.create('kube-system', objs.endpoints));
  await createOrKeep(() => cs.endpointslices.create('kube-system', objs.endpointSlice));
  o.log(`cluster DNS on ${plan.hostIP}:53 behind kube-dns ${CLUSTER_DNS_IP} (upstreams ${upstreams.join(', ') || 'none'})`);
}

/**
 * `skiff servicelb` on the host (it adds host routes to nodes, so it runs as root here, not in a
 * node), as system:skiff:servicelb; resolves once it has synced every existing Service.
 */
async function startServiceLB(o: UpOptions, state: ClusterState, save: () => void, pki: ClusterPKI): Promise<void> {
  const { plan, dataDir } = state;
  const { underlayPool, parsePool } = await import('./servicelb-pool.js');
  const pool = o.serviceLBPool ?? underlayPool(plan.underlayCIDR, plan.nodePlans.length);
  parsePool(pool);
  const kc = await writeComponentKubeconfig(pki, state.server!.url, join(dataDir, 'servicelb.kubeconfig'), 'servicelb', 'system:skiff:servicelb');
  state.serviceLB = { pool, dev: plan.bridge };
  save();
  const log = join(dataDir, 'logs', 'servicelb.log');
  const pid = spawnDetached(process.execPath, [skiffBin(), 'servicelb', '--kubeconfig', kc, '--pool', pool, '--node-routes', '--route-dev', plan.bridge], log);
  state.processes.push({ role: 'servicelb', name: 'skiff servicelb', pid, match: kc, log });
  save();
  await waitForLog(log, /skiff servicelb: synced/, pid, 30_000, 'skiff servicelb');
  o.log(`service load balancer: pool ${pool} on ${plan.bridge}`);
}

/**
 * Start (or start again) kube-proxy for one node inside its namespace; resolves once its first sync
 * is applied. The seed's kube-proxy failure is stopping this process: the rules stay and serve.
 */
export async function startNodeProxy(state: ClusterState, nodeName: string): Promise<StartedProcess> {
  const n = state.plan.nodePlans.find((p) => p.nodeName === nodeName);
  if (!n || !state.proxy) throw new Error(`no node ${nodeName} with kube-proxy in this cluster`);
  const log = join(state.dataDir, 'logs', `proxy-n${n.index}.log`);
  // Each start gets a fresh log (the previous one kept beside it), so "synced" is this start's.
  if (existsSync(log)) renameSync(log, `${log}.prev`);
  const pid = spawnDetached('nsenter', ['--net=/run/netns/' + n.netns, '--', process.execPath, ...NODE_SIDE_V8_FLAGS, skiffBin(), 'proxy', '--kubeconfig', state.proxy.kubeconfig,
    '--node-name', nodeName, '--proxy-mode', state.proxy.mode, '--cluster-cidr', state.plan.clusterCIDR], log);
  const p: StartedProcess = { role: 'proxy', name: `kube-proxy ${nodeName}`, pid, match: state.proxy.kubeconfig, log };
  state.processes = state.processes.filter((x) => !(x.role === 'proxy' && x.name === p.name));
  state.processes.push(p);
  writeState(state);
  await waitForLog(log, /skiff proxy: synced/, pid, 60_000, `kube-proxy on ${nodeName}`);
  return p;
}

export interface DownOptions {
  log?: (msg: string) => void;
  /** Also delete the data dir (nodes' containerd content, the server's database and PKI). */
  purge?: boolean;
}

/**
 * Tear down everything the state file in `dataDir` lists: agents, their containers and mounts, the
 * control plane, the mirror, namespaces, links, the bridge, host routes, cgroups. Idempotent: with no
 * state file there is nothing to do; each step tolerates what is already gone. Returns false when
 * nothing was up.
 */
export async function clusterDown(dataDirIn: string, o: DownOptions = {}): Promise<boolean> {
  const log = o.log ?? (() => {});
  const dataDir = resolve(dataDirIn);
  const s = readState(dataDir);
  if (!s) {
    if (o.purge) rmSync(dataDir, { recursive: true, force: true });
    return false;
  }
  const errors: string[] = [];
  const step = async (what: string, f: () => Promise<unknown>): Promise<void> => {
    try { await f(); } catch (e) { errors.push(`${what}: ${(e as Error).message}`); }
  };
  // Agents first (each stops its containerd; pods run on), then what they left, then the control plane.
  await Promise.all(s.processes.filter((p) => p.role === 'agent').map((p) => step(`stop agent ${p.name}`, () => stopProcess(p))));
  for (const d of s.nodeDirs) await step(`clean node ${d}`, async () => { const r = await cleanupNodeRuntime(d); if (r.containers.length) log(`${d}: killed ${r.containers.length} containers`); });
  for (const p of s.processes.filter((x) => x.role !== 'agent')) await step(`stop ${p.name}`, () => stopProcess(p));
  // The load balancer withdraws its routes when stopped; these are what a killed one left.
  if (s.serviceLB) {
    const lb = s.serviceLB;
    await step('load-balancer routes', async () => { const { removeServiceLBRoutes } = await import('./servicelb.js'); await removeServiceLBRoutes(lb.pool, lb.dev); });
  }
  for (const r of s.routes) await step(`route ${r.dst}`, () => deleteRoute(r));
  for (const ns of s.netns) await step(`netns ${ns}`, () => removeNamespace(ns));
  for (const l of s.links) await step(`link ${l}`, () => removeLink(l));
  if (s.bridge) await step(`bridge ${s.bridge}`, () => removeLink(s.bridge!));
  for (const n of s.plan.nodePlans) removeNodeCgroups(n.cgroupRoot);
  if (errors.length) throw new Error(`skiff down left things behind (run it again):\n${errors.join('\n')}`);
  rmSync(statePath(dataDir), { force: true });
  if (o.purge) rmSync(dataDir, { recursive: true, force: true });
  log(`cluster ${s.plan.name} is down`);
  return true;
}
