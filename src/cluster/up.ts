/**
 * @module cluster/up
 * `skiff up` and `skiff down` as functions: a control plane and N nodes on one machine, each node a
 * network namespace acting as a host (see topology.ts), and the tear-down of all of it.
 *
 * up: underlay bridge and host-side safety routes (blackholes for the cluster and service CIDRs, so
 * a packet for a pod or Service that nothing answers dies on the host instead of leaving by the
 * default route) -> node namespaces -> cluster PKI with the underlay address in the API server's
 * certificate -> (with --etcd-members, an etcd cluster on loopback) -> `skiff server` on the underlay
 * address, alone -> `skiff scheduler` and `skiff controller-manager` as processes of their own (the
 * failure lab stops and starts each; see components.ts) -> a bootstrap token -> one `skiff agent` per
 * node entered into its namespace with `nsenter --net` (network namespace only: containerd's mounts
 * stay in the host's mount namespace, where down can find them) -> wait for every Node Ready with a
 * podCIDR -> host routes to each podCIDR via its node (so the host can answer pods). Each node's agent
 * routes the other nodes' podCIDRs itself (host-gw). The state file records every step.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { addRouteIfAbsent, deleteRoute, replaceRoute } from '../kubelet/network/routes.js';
import { planTopology, type TopologyOptions } from './topology.js';
import { readState, statePath, writeState, type ClusterState } from './state.js';
import { ensureNodeNamespace, ensureUnderlayBridge, removeLink, removeNamespace } from './underlay.js';
import { spawnDetached, stopProcess } from './processes.js';
import { launchComponent } from './components.js';
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
  /** Store the cluster in a real etcd cluster of this many members on the host's loopback (default: embedded SQLite). */
  etcdMembers?: number;
  /** The controller manager's --node-monitor-grace-period and --node-monitor-period (Go durations; defaults 40s, 5s). */
  nodeMonitorGracePeriod?: string;
  nodeMonitorPeriod?: string;
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
  let storage: string[] = [];
  if (o.etcdMembers) {
    const { etcdMemberSpecs, waitEtcdWritable, clientURL } = await import('./etcd.js');
    const members = await Promise.all((await etcdMemberSpecs(dataDir, o.etcdMembers)).map((m) => launchComponent(state, m, 30_000)));
    const endpoints = members.map((m) => clientURL(m)!);
    await waitEtcdWritable(endpoints, 30_000);
    state.etcd = { endpoints };
    save();
    storage = ['--storage', `etcd://${endpoints.map((e) => e.replace(/^http:\/\//, '')).join(',')}`];
    o.log(`etcd: ${members.length} members at ${endpoints.join(', ')}`);
  }
  // The API server alone: the scheduler and the controller manager are processes of their own (below),
  // so each can be stopped and started by itself, as on a kubeadm control plane.
  const serverLog = join(dataDir, 'logs', 'server.log');
  const server = await launchComponent(state, {
    role: 'server', name: 'skiff server', component: 'apiserver', match: serverDir, log: serverLog, cmd: process.execPath,
    args: [skiffBin(), 'server', '--data-dir', serverDir, '--host', plan.hostIP, '--port', String(o.port),
      '--disable-agent', '--disable-scheduler', '--disable-controller-manager', ...storage],
    ready: { log: 'API server ready at https://' },
  }, 60_000);
  const url = [...readFileSync(serverLog, 'utf8').matchAll(/API server ready at (https:\/\/\S+)/g)].at(-1)![1]!;
  // A restart must come back on the same address (kubeconfigs name it), not on another free port.
  server.args![server.args!.indexOf('--port') + 1] = new URL(url).port;
  const kubeconfig = join(dataDir, 'kubeconfig');
  copyFileSync(join(serverDir, 'kubeconfig'), kubeconfig);
  state.server = { url, kubeconfig };
  save();
  o.log(`API server ready at ${url}`);
  const controlPlane = startSchedulerAndControllerManager(o, state, pki);
  // Not left unhandled while the token and DNS are made; awaited before the agents need it.
  controlPlane.catch(() => {});

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

    // 6. One agent per node, inside its namespace (its CSR is approved and signed by the controller manager).
    await controlPlane;
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
      state.processes.push({ role: 'agent', name: n.nodeName, component: `kubelet/${n.nodeName}`, pid, match: nodeDir, log, cmd: 'nsenter', args,
        ready: { log: `node ${n.nodeName} ready` } });
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
  await launchComponent(state, {
    role: 'dns', name: 'skiff dns', component: 'dns', match: kc, log: join(dataDir, 'logs', 'dns.log'), cmd: process.execPath,
    args: [skiffBin(), 'dns', '--kubeconfig', kc, '--listen', `${plan.hostIP}:53`, '--ns-address', CLUSTER_DNS_IP,
      '--service-cidr', plan.serviceCIDR, '--pod-cidr', plan.clusterCIDR, ...upstreams.flatMap((u) => ['--upstream', u])],
    ready: { log: 'skiff dns: serving' },
  }, 30_000);
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
  await launchComponent(state, {
    role: 'servicelb', name: 'skiff servicelb', component: 'servicelb', match: kc, log: join(dataDir, 'logs', 'servicelb.log'), cmd: process.execPath,
    args: [skiffBin(), 'servicelb', '--kubeconfig', kc, '--pool', pool, '--node-routes', '--route-dev', plan.bridge],
    ready: { log: 'skiff servicelb: synced' },
  }, 30_000);
  o.log(`service load balancer: pool ${pool} on ${plan.bridge}`);
}

/**
 * Start (or start again) kube-proxy for one node inside its namespace; resolves once its first sync
 * is applied. The seed's kube-proxy failure is stopping this process: the rules stay and serve.
 */
export async function startNodeProxy(state: ClusterState, nodeName: string): Promise<StartedProcess> {
  const n = state.plan.nodePlans.find((p) => p.nodeName === nodeName);
  if (!n || !state.proxy) throw new Error(`no node ${nodeName} with kube-proxy in this cluster`);
  return launchComponent(state, {
    role: 'proxy', name: `kube-proxy ${nodeName}`, component: `kube-proxy/${nodeName}`, match: state.proxy.kubeconfig,
    log: join(state.dataDir, 'logs', `proxy-n${n.index}.log`), cmd: 'nsenter',
    args: ['--net=/run/netns/' + n.netns, '--', process.execPath, ...NODE_SIDE_V8_FLAGS, skiffBin(), 'proxy', '--kubeconfig', state.proxy.kubeconfig,
      '--node-name', nodeName, '--proxy-mode', state.proxy.mode, '--cluster-cidr', state.plan.clusterCIDR],
    ready: { log: 'skiff proxy: synced' },
  }, 60_000);
}

/**
 * The scheduler and the controller manager as processes of their own, each with its own identity
 * (system:kube-scheduler, system:kube-controller-manager), under leader election as upstream runs
 * them. The controller manager signs the nodes' CSRs with the cluster CA and cuts podCIDRs from the
 * cluster CIDR.
 */
async function startSchedulerAndControllerManager(o: UpOptions, state: ClusterState, pki: ClusterPKI): Promise<void> {
  const { dataDir, plan } = state;
  const url = state.server!.url;
  const schedKC = await writeComponentKubeconfig(pki, url, join(dataDir, 'scheduler.kubeconfig'), 'scheduler', 'system:kube-scheduler');
  const kcmKC = await writeComponentKubeconfig(pki, url, join(dataDir, 'controller-manager.kubeconfig'), 'controller-manager', 'system:kube-controller-manager');
  await Promise.all([
    launchComponent(state, {
      role: 'scheduler', name: 'skiff scheduler', component: 'scheduler', match: schedKC, log: join(dataDir, 'logs', 'scheduler.log'), cmd: process.execPath,
      args: [skiffBin(), 'scheduler', '--kubeconfig', schedKC], ready: { log: 'skiff scheduler: started as' },
    }, 60_000),
    launchComponent(state, {
      role: 'controller-manager', name: 'skiff controller-manager', component: 'controller-manager', match: kcmKC, log: join(dataDir, 'logs', 'controller-manager.log'),
      cmd: process.execPath,
      args: [skiffBin(), 'controller-manager', '--kubeconfig', kcmKC, '--cluster-cidr', plan.clusterCIDR,
        '--cluster-signing-cert-file', join(pki.dir, 'ca.crt'), '--cluster-signing-key-file', join(pki.dir, 'ca.key'),
        ...(o.nodeMonitorGracePeriod ? ['--node-monitor-grace-period', o.nodeMonitorGracePeriod] : []),
        ...(o.nodeMonitorPeriod ? ['--node-monitor-period', o.nodeMonitorPeriod] : [])],
      ready: { log: 'skiff controller-manager: started' },
    }, 60_000),
  ]);
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
  // The rest in the reverse of their start: kube-proxy and add-ons, the scheduler and controller manager, the API server, etcd last.
  for (const p of s.processes.filter((x) => x.role !== 'agent').reverse()) await step(`stop ${p.name}`, () => stopProcess(p));
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
