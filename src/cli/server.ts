/**
 * @module cli/server
 * `skiff server`: the control plane in one process: storage (embedded SQLite by default, or an etcd
 * cluster), the cluster PKI, the API server on https://127.0.0.1:6443 (--bind-address/--host,
 * --port; --advertise-address is what the `kubernetes` Service's endpoints say), and beside it the controller
 * manager, the scheduler and any simulated nodes (each over HTTPS with its own identity). Writes an admin
 * kubeconfig to <data-dir>/kubeconfig (and merges it into ~/.kube/config as context `skiff` on request).
 */
import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultDataDir, storageURL } from './flags.js';
import { openStorage } from '../storage/open.js';
import { ensureClusterPKI, kubeconfig, type ClusterPKI } from '../apiserver/pki/cluster-pki.js';
import { APIServer } from '../apiserver/server.js';
import { isUnspecified, resolveAdvertiseAddress } from '../apiserver/advertise-address.js';
import { isIP } from 'node:net';
import { mergeKubeconfig } from './kubeconfig.js';
import { SECURITY_FLAG_OPTIONS, securityFlags, encryptionFromFlags, buildGuards } from '../apiserver/options.js';
import { CONTROLLER_MANAGER_FLAG_OPTIONS, controllerOptionsFromFlags } from './controller-manager.js';
import { startComponents } from './components.js';
import { AGENT_FLAG_OPTIONS } from './agent.js';
import { tracingSettings } from '../tracing/component.js';
import { setTracingEnabled } from '../tracing/provider.js';
import { BatchExporter, otlpTracesURL } from '../tracing/exporter.js';
import { apiserverTracer, rootSampler } from '../apiserver/tracing.js';
import '../api/index.js';

export async function serverCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({
    args: argv, options: {
      'data-dir': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, storage: { type: 'string' },
      'bind-address': { type: 'string' }, 'advertise-address': { type: 'string' },
      'merge-kubeconfig': { type: 'boolean' },
      'disable-controller-manager': { type: 'boolean' }, 'disable-scheduler': { type: 'boolean' }, 'simulated-nodes': { type: 'string' },
      'disable-agent': { type: 'boolean' }, ...AGENT_FLAG_OPTIONS, 'tracing-roots-per-second': { type: 'string' },
      ...SECURITY_FLAG_OPTIONS,
      ...CONTROLLER_MANAGER_FLAG_OPTIONS,
    },
  });
  const security = securityFlags(values);
  // --tracing / --otlp-endpoint (among the agent's flags): for the API server and every component.
  const tracing = tracingSettings(values);
  if (!tracing.enabled) setTracingEnabled(false);
  if (values['tracing-roots-per-second'] !== undefined) {
    const r = Number(values['tracing-roots-per-second']);
    if (!Number.isFinite(r) || r < 0) throw new Error(`invalid --tracing-roots-per-second "${values['tracing-roots-per-second']}": want a number >= 0`);
    rootSampler.rate = r;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir();
  // --bind-address is kube-apiserver's name for --host.
  if (values.host !== undefined && values['bind-address'] !== undefined && values.host !== values['bind-address']) {
    throw new Error(`--host "${values.host}" and --bind-address "${values['bind-address']}" disagree: give one of them`);
  }
  const host = values['bind-address'] ?? values.host ?? '127.0.0.1';
  const advertiseAddress = resolveAdvertiseAddress(host, values['advertise-address']);
  const t0 = performance.now();
  await mkdir(join(dataDir, 'db'), { recursive: true });
  const [storage, pki] = await Promise.all([
    openStorage(storageURL(values.storage, dataDir)),
    // The serving certificate must name the advertise address (and a specific bind address) too.
    ensureClusterPKI(join(dataDir, 'pki'), { serverIPs: [...new Set([advertiseAddress, ...(isIP(host) && !isUnspecified(host) ? [host] : [])])] }),
  ]);
  const server = new APIServer({ storage, pki, host, advertiseAddress, port: values.port ? Number(values.port) : 6443, transformer: encryptionFromFlags(security) });
  server.setGuards(await buildGuards(server, security, dataDir, pki));
  // The API server's own spans go straight into its collector; with --otlp-endpoint, out there too.
  const otlp = tracing.enabled && tracing.otlpEndpoint ? new BatchExporter({ url: otlpTracesURL(tracing.otlpEndpoint) }, { log: (m) => process.stderr.write(`skiff apiserver: tracing: ${m}\n`) }) : undefined;
  if (otlp) apiserverTracer().addSink(otlp.sink);
  await server.start();
  const kc = kubeconfig({ server: server.url, caPem: pki.ca.certPem, user: 'skiff-admin', certPem: pki.admin.certPem, keyPem: pki.admin.keyPem });
  const kcPath = join(dataDir, 'kubeconfig');
  await writeFile(kcPath, kc, { mode: 0o600 });
  if (values['merge-kubeconfig']) await mergeKubeconfig(kc);
  process.stderr.write(`skiff: API server ready at ${server.url} (${storage.driver}) in ${Math.round(performance.now() - t0)} ms\n`);
  if (server.advertiseAddress !== host) process.stderr.write(`skiff: advertising ${server.advertiseAddress}:${server.port} as the kubernetes Service's endpoint\n`);
  process.stderr.write(`skiff: export KUBECONFIG=${kcPath}\n`);
  process.stderr.write(`skiff: dashboard at ${server.url}/dashboard/ (sign in with a bearer token; or run: skiff dashboard)\n`);
  const cm = controllerOptionsFromFlags(values);
  // The CSR signer signs with the cluster CA unless told otherwise (k3s does the same).
  cm.options.clusterSigningCertFile ??= join(pki.dir, 'ca.crt');
  cm.options.clusterSigningKeyFile ??= join(pki.dir, 'ca.key');
  const simulatedNodes = values['simulated-nodes'] ? Number(values['simulated-nodes']) : 0;
  if (!Number.isInteger(simulatedNodes) || simulatedNodes < 0) throw new Error(`invalid --simulated-nodes "${values['simulated-nodes']}"`);
  const components = await startComponents(server.url, pki, dataDir, {
    controllerManager: !values['disable-controller-manager'], scheduler: !values['disable-scheduler'], simulatedNodes,
    controllers: cm.controllers, controllerOptions: cm.options, qps: cm.qps, burst: cm.burst, tracing,
  });
  if (simulatedNodes) process.stderr.write(`skiff: ${simulatedNodes} simulated nodes registered\n`);
  const { caCertHash } = await import('../kubelet/certificate/cluster-ca.js');
  process.stderr.write(`skiff: nodes join with: skiff agent --server ${server.url} --token <bootstrap token> --ca-cert-hash ${caCertHash(pki.ca.certPem)}\n`);
  const agent = values['disable-agent'] ? undefined : await startEmbeddedAgent(server.url, pki, dataDir, values);
  const stop = async () => {
    await agent?.stop().catch((e) => process.stderr.write(`skiff agent: stopping: ${(e as Error).message}\n`));
    await components.stop();
    await server.stop();
    await otlp?.shutdown();
    await storage.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * The node agent `skiff server` runs in its own process, as k3s does: its client certificate is
 * minted from the cluster CA (no token, no CSR round trip) and its kubelet serving certificate
 * too, so the API server can verify it. Where containerd cannot run (not root, not installed) it
 * uses the process runtime. A failing agent is logged and leaves the control plane up.
 */
async function startEmbeddedAgent(url: string, pki: ClusterPKI, dataDir: string, values: Record<string, unknown>) {
  const log = (m: string) => process.stderr.write(`skiff agent: ${m}\n`);
  try {
    const { startAgent, agentSettings } = await import('./agent.js');
    const { mintNodeClientCert } = await import('../kubelet/certificate/bootstrap.js');
    const settings = agentSettings(values);
    const agent = await startAgent({
      ...settings, server: url, dataDir, servingCA: pki.ca, fallbackToProcess: true, log,
      credentials: (rootDir) => mintNodeClientCert({ server: url, ca: pki.ca, nodeName: settings.nodeName, rootDir }),
    });
    log(`node ${agent.nodeName} ready (runtime ${agent.runtimeName})`);
    return agent;
  } catch (e) {
    log(`not started: ${(e as Error).stack ?? e}`);
    return undefined;
  }
}
