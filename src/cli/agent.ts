/**
 * @module cli/agent
 * `skiff agent`: joins this machine to a cluster as a node, as `kubeadm join` + the kubelet (or a k3s
 * agent) do. It trusts the API server through `--ca-file` or a pinned `--ca-cert-hash`, gets its
 * client certificate as `system:node:NAME` with the bootstrap `--token` (a CertificateSigningRequest
 * the cluster auto-approves and signs; reused on later starts), makes its kubelet serving
 * certificate, opens its container runtime and runs the kubelet. `skiff server` runs the same agent
 * in-process (startAgent) with a certificate minted straight from the cluster CA.
 */
import { TRACING_FLAG_OPTIONS, startComponentTracing, tracingSettings, type ComponentTracing, type TracingSettings } from '../tracing/component.js';
import { parseArgs } from 'node:util';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { defaultDataDir } from './flags.js';
import { RUNTIME_KINDS, openRuntime, type AgentRuntime, type RuntimeKind } from './agent-runtime.js';
import type { CertPair } from '../apiserver/pki/certs.js';
import type { NodeCredentials } from '../kubelet/certificate/bootstrap.js';

export const DEFAULT_KUBELET_PORT = 10250;

export interface AgentConfig {
  server: string;
  dataDir: string;
  nodeName: string;
  nodeIP: string;
  kubeletPort: number;
  runtime: RuntimeKind;
  containerRuntimeEndpoint?: string;
  /** The node's client credentials (bootstrap with a token, or minted by the embedding server). */
  credentials: (rootDir: string) => Promise<NodeCredentials>;
  /** Sign the kubelet's serving certificate with this CA (embedded agent) instead of a self-made one. */
  servingCA?: CertPair;
  /** Fall back to the process runtime when containerd cannot run here. */
  fallbackToProcess?: boolean;
  labels?: Record<string, string>;
  staticPodPath?: string;
  clusterDNS?: string[];
  clusterDomain?: string;
  sandboxImage?: string;
  registries?: string[];
  /** Linux bridge for the node's pods with an agent-started containerd (default skiff0). */
  bridge?: string;
  /**
   * The cluster's pod network and service network: given, pods get routes for them (and for the
   * node's own subnet) via their gateway, never a default route. Unset: pods reach their subnet only.
   */
  clusterCIDR?: string;
  serviceCIDR?: string;
  /** The cgroup every pod of this node goes under (the kubelet's --cgroup-root; default /kubepods). */
  cgroupRoot?: string;
  /** Run the host-gw route syncer: routes to the other nodes' podCIDRs via their InternalIPs. */
  hostGw?: boolean;
  /** Enforce NetworkPolicies for this node's pods in this network namespace's iptables. */
  networkPolicy?: boolean;
  /** --tracing / --otlp-endpoint: the kubelet's spans go to the API server's collector (and the endpoint). */
  tracing?: TracingSettings;
  log: (msg: string) => void;
}

export interface RunningAgent {
  nodeName: string;
  /** The node's kubeconfig (`<data-dir>/kubelet/kubeconfig`). */
  kubeconfig: string;
  runtimeName: RuntimeKind;
  stop(): Promise<void>;
}

/** The node name Kubernetes derives from the hostname: lower case. */
export function defaultNodeName(): string {
  return hostname().toLowerCase();
}

/** Credentials, runtime, kubelet: the whole node. Stopping leaves the containers running. */
export async function startAgent(c: AgentConfig): Promise<RunningAgent> {
  const rootDir = join(c.dataDir, 'kubelet');
  await mkdir(rootDir, { recursive: true, mode: 0o750 });
  const creds = await c.credentials(rootDir);
  c.log(`${creds.bootstrapped ? 'got a new' : 'using the'} client certificate for system:node:${c.nodeName}`);
  const { ensureServingCert } = await import('../kubelet/certificate/serving.js');
  const serving = await ensureServingCert({ rootDir, nodeName: c.nodeName, ips: [c.nodeIP], ca: c.servingCA });
  const { newClientset } = await import('../client/clientset.js');
  const cs = newClientset({ ...creds.config, userAgent: `kubelet/skiff (${c.nodeName})`, qps: 50, burst: 100 });
  let rt: AgentRuntime | undefined;
  let tracing: ComponentTracing | undefined;
  try {
    rt = await openRuntime({ kind: c.runtime, endpoint: c.containerRuntimeEndpoint, dataDir: c.dataDir, fallbackToProcess: c.fallbackToProcess,
      sandboxImage: c.sandboxImage, registries: c.registries, bridge: c.bridge, log: c.log,
      podRoutes: c.clusterCIDR || c.serviceCIDR ? () => podRoutes(c) : undefined });
    const { Kubelet, KUBELET_SERVICE } = await import('../kubelet/kubelet.js');
    tracing = startComponentTracing(KUBELET_SERVICE, { 'k8s.node.name': c.nodeName }, creds.config, c.tracing, (m) => c.log(`tracing: ${m}`), { asyncContext: false });
    const kubelet = new Kubelet({
      tracer: tracing.tracer,
      nodeName: c.nodeName, cs, runtime: rt.runtime, runtimeName: rt.name, rootDir, nodeIP: c.nodeIP, kubeletPort: c.kubeletPort,
      staticPodPath: c.staticPodPath, clusterDNS: c.clusterDNS, cgroupRoot: c.cgroupRoot, clusterDomain: c.clusterDomain, labels: c.labels,
      // Clients of the kubelet API (the API server) present certificates from the cluster CA.
      serving: { certPem: serving.certPem, keyPem: serving.keyPem, clientCAPem: creds.caPem },
      // The kubelet runs in the node's network namespace, where this node's kube-proxy programs its rules.
      proxyRules: async (ns, name) => (await import('../proxy/programmed-rules.js')).programmedRules(ns, name),
      log: (m) => c.log(`kubelet: ${m}`),
    });
    await kubelet.start();
    const opened = rt;
    const network = opened.configureNetwork ? waitForPodCIDR(cs, c.nodeName, (cidr) => opened.configureNetwork!(cidr), c.log) : undefined;
    let routes: { stop(): void } | undefined;
    if (c.hostGw) {
      const { HostGwRouteSyncer } = await import('../kubelet/network/host-gw.js');
      const syncer = new HostGwRouteSyncer({ cs, nodeName: c.nodeName, log: (m) => c.log(`host-gw: ${m}`) });
      syncer.start();
      routes = syncer;
    }
    let netpol: { stop(): void } | undefined;
    if (c.networkPolicy) {
      const { NetworkPolicyController } = await import('../networkpolicy/controller.js');
      const np = new NetworkPolicyController({ cs, nodeName: c.nodeName, log: (m) => c.log(`network-policy: ${m}`) });
      // In the background: a failed first load must not keep the kubelet from serving; it is retried.
      let stopped = false, retry: NodeJS.Timeout | undefined;
      const begin = (): void => {
        np.start().then(() => c.log('network-policy: enforcing'), (e) => {
          c.log(`network-policy: ${(e as Error).message}; retrying in 5s`);
          if (!stopped) retry = setTimeout(begin, 5000);
        });
      };
      begin();
      netpol = { stop() { stopped = true; clearTimeout(retry); np.stop(); } };
    }
    return {
      nodeName: c.nodeName, kubeconfig: join(rootDir, 'kubeconfig'), runtimeName: opened.name,
      async stop() {
        network?.stop();
        routes?.stop();
        netpol?.stop();
        await kubelet.stop();
        await tracing?.stop();
        await opened.close();
        cs.close();
      },
    };
  } catch (e) {
    await tracing?.stop();
    await rt?.close().catch(() => {});
    cs.close();
    throw e;
  }
}

/** The destinations pods route via their gateway: the cluster and service CIDRs and the node's own subnet (so the nodes and the control plane beside them get replies). */
async function podRoutes(c: AgentConfig): Promise<string[]> {
  const { subnetOf } = await import('../kubelet/network/routes.js');
  const own = c.nodeIP && c.nodeIP !== '127.0.0.1' ? await subnetOf(c.nodeIP) : undefined;
  return [...new Set([c.clusterCIDR, c.serviceCIDR, own].filter((x): x is string => !!x))];
}

/** Once node IPAM gives the Node a podCIDR, hand it to the runtime's network setup (polled: it comes once). */
function waitForPodCIDR(cs: { nodes: { get(ns: string, name: string): Promise<any> } }, nodeName: string, configure: (cidr: string) => Promise<void>, log: (m: string) => void): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    if (stopped) return;
    try {
      const cidr = (await cs.nodes.get('', nodeName))?.spec?.podCIDR;
      if (cidr) { await configure(cidr); return; }
    } catch (e) {
      log(`network setup: ${(e as Error).message}`);
    }
    if (!stopped) timer = setTimeout(() => void tick(), 1000);
  };
  void tick();
  return { stop() { stopped = true; clearTimeout(timer); } };
}

function parseLabels(s: string | undefined): Record<string, string> | undefined {
  if (!s) return undefined;
  const out: Record<string, string> = {};
  for (const kv of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`invalid --node-labels entry "${kv}": want key=value`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export function runtimeKind(v: string | undefined, def: RuntimeKind = 'containerd'): RuntimeKind {
  const k = (v ?? def) as RuntimeKind;
  if (!RUNTIME_KINDS.includes(k)) throw new Error(`invalid --runtime "${v}": want one of ${RUNTIME_KINDS.join(', ')}`);
  return k;
}

export function kubeletPort(v: string | undefined): number {
  if (v === undefined) return DEFAULT_KUBELET_PORT;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid --kubelet-port "${v}"`);
  return n;
}

/** Flags the agent and the server's embedded agent share. */
export const AGENT_FLAG_OPTIONS = {
  'node-name': { type: 'string' }, 'node-ip': { type: 'string' }, 'kubelet-port': { type: 'string' },
  runtime: { type: 'string' }, 'container-runtime-endpoint': { type: 'string' }, 'node-labels': { type: 'string' },
  'pod-manifest-path': { type: 'string' }, 'cluster-dns': { type: 'string' }, 'cluster-domain': { type: 'string' },
  'pause-image': { type: 'string' }, 'registry': { type: 'string', multiple: true }, 'cni-bridge': { type: 'string' },
  'cluster-cidr': { type: 'string' }, 'service-cidr': { type: 'string' }, 'cgroup-root': { type: 'string' }, 'host-gw': { type: 'boolean' },
  'network-policy': { type: 'boolean' },
  ...TRACING_FLAG_OPTIONS,
} as const;

/** The agent settings from its flags (everything but the server, credentials and logging). */
export function agentSettings(v: Record<string, unknown>): Omit<AgentConfig, 'server' | 'dataDir' | 'credentials' | 'log' | 'servingCA' | 'fallbackToProcess'> {
  return {
    nodeName: (v['node-name'] as string | undefined) ?? defaultNodeName(),
    nodeIP: (v['node-ip'] as string | undefined) ?? '127.0.0.1',
    kubeletPort: kubeletPort(v['kubelet-port'] as string | undefined),
    runtime: runtimeKind(v.runtime as string | undefined),
    containerRuntimeEndpoint: v['container-runtime-endpoint'] as string | undefined,
    labels: parseLabels(v['node-labels'] as string | undefined),
    staticPodPath: v['pod-manifest-path'] as string | undefined,
    clusterDNS: v['cluster-dns'] ? String(v['cluster-dns']).split(',') : undefined,
    clusterDomain: (v['cluster-domain'] as string | undefined) ?? 'cluster.local',
    sandboxImage: v['pause-image'] as string | undefined,
    registries: v.registry as string[] | undefined,
    bridge: v['cni-bridge'] as string | undefined,
    clusterCIDR: v['cluster-cidr'] as string | undefined,
    serviceCIDR: v['service-cidr'] as string | undefined,
    cgroupRoot: v['cgroup-root'] as string | undefined,
    hostGw: v['host-gw'] as boolean | undefined,
    networkPolicy: v['network-policy'] as boolean | undefined,
    tracing: tracingSettings(v),
  };
}

export async function agentCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({
    args: argv, options: {
      server: { type: 'string' }, token: { type: 'string' }, 'data-dir': { type: 'string' },
      'ca-file': { type: 'string' }, 'ca-cert-hash': { type: 'string' }, 'bootstrap-timeout': { type: 'string' },
      ...AGENT_FLAG_OPTIONS,
    },
  });
  const server = values.server ?? process.env.SKIFF_SERVER;
  const token = values.token ?? process.env.SKIFF_TOKEN;
  if (!server) { process.stderr.write('skiff agent: --server is required\n'); return 2; }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const settings = agentSettings(values);
  const log = (m: string) => process.stderr.write(`skiff agent: ${m}\n`);
  const { resolveClusterCA } = await import('../kubelet/certificate/cluster-ca.js');
  const { loadOrBootstrapClientCert, clientCertPaths } = await import('../kubelet/certificate/bootstrap.js');
  const { readFile } = await import('node:fs/promises');
  const { parseDuration } = await import('./flags.js');
  // A node that joined before keeps trusting the CA it saved, so later starts need neither flag.
  const saved = await readFile(clientCertPaths(join(dataDir, 'kubelet')).caFile, 'utf8').catch(() => undefined);
  const caPem = values['ca-file'] || values['ca-cert-hash'] || !saved
    ? await resolveClusterCA({ server, caFile: values['ca-file'], caCertHash: values['ca-cert-hash'] })
    : saved;
  const timeoutMs = values['bootstrap-timeout'] ? parseDuration(values['bootstrap-timeout'], 'bootstrap-timeout') : undefined;
  const agent = await startAgent({
    ...settings, server, dataDir, log,
    credentials: (rootDir) => loadOrBootstrapClientCert({ server, caPem, token, nodeName: settings.nodeName, rootDir, timeoutMs, log }),
  });
  log(`node ${agent.nodeName} ready (runtime ${agent.runtimeName}, kubeconfig ${agent.kubeconfig})`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await agent.stop().catch((e) => log(`stopping: ${(e as Error).message}`));
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
