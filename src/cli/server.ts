/**
 * @module cli/server
 * `skiff server`: the control plane in one process: storage (embedded SQLite by default, or an etcd
 * cluster), the cluster PKI, the API server on https://127.0.0.1:6443, and beside it the controller
 * manager, the scheduler and any simulated nodes (each over HTTPS with its own identity). Writes an admin
 * kubeconfig to <data-dir>/kubeconfig (and merges it into ~/.kube/config as context `skiff` on request).
 */
import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultDataDir, storageURL } from './flags.js';
import { openStorage } from '../storage/open.js';
import { ensureClusterPKI, kubeconfig } from '../apiserver/pki/cluster-pki.js';
import { APIServer } from '../apiserver/server.js';
import { mergeKubeconfig } from './kubeconfig.js';
import { SECURITY_FLAG_OPTIONS, securityFlags, encryptionFromFlags, buildGuards } from '../apiserver/options.js';
import { CONTROLLER_MANAGER_FLAG_OPTIONS, controllerOptionsFromFlags } from './controller-manager.js';
import { startComponents } from './components.js';
import '../api/index.js';

export async function serverCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({
    args: argv, options: {
      'data-dir': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, storage: { type: 'string' },
      'merge-kubeconfig': { type: 'boolean' },
      'disable-controller-manager': { type: 'boolean' }, 'disable-scheduler': { type: 'boolean' }, 'simulated-nodes': { type: 'string' },
      ...SECURITY_FLAG_OPTIONS,
      ...CONTROLLER_MANAGER_FLAG_OPTIONS,
    },
  });
  const security = securityFlags(values);
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const t0 = performance.now();
  await mkdir(join(dataDir, 'db'), { recursive: true });
  const [storage, pki] = await Promise.all([
    openStorage(storageURL(values.storage, dataDir)),
    ensureClusterPKI(join(dataDir, 'pki')),
  ]);
  const server = new APIServer({ storage, pki, host: values.host ?? '127.0.0.1', port: values.port ? Number(values.port) : 6443, transformer: encryptionFromFlags(security) });
  server.setGuards(await buildGuards(server, security, dataDir, pki));
  await server.start();
  const kc = kubeconfig({ server: server.url, caPem: pki.ca.certPem, user: 'skiff-admin', certPem: pki.admin.certPem, keyPem: pki.admin.keyPem });
  const kcPath = join(dataDir, 'kubeconfig');
  await writeFile(kcPath, kc, { mode: 0o600 });
  if (values['merge-kubeconfig']) await mergeKubeconfig(kc);
  process.stderr.write(`skiff: API server ready at ${server.url} (${storage.driver}) in ${Math.round(performance.now() - t0)} ms\n`);
  process.stderr.write(`skiff: export KUBECONFIG=${kcPath}\n`);
  const cm = controllerOptionsFromFlags(values);
  const simulatedNodes = values['simulated-nodes'] ? Number(values['simulated-nodes']) : 0;
  if (!Number.isInteger(simulatedNodes) || simulatedNodes < 0) throw new Error(`invalid --simulated-nodes "${values['simulated-nodes']}"`);
  const components = await startComponents(server.url, pki, dataDir, {
    controllerManager: !values['disable-controller-manager'], scheduler: !values['disable-scheduler'], simulatedNodes,
    controllers: cm.controllers, controllerOptions: cm.options, qps: cm.qps, burst: cm.burst,
  });
  if (simulatedNodes) process.stderr.write(`skiff: ${simulatedNodes} simulated nodes registered\n`);
  const stop = async () => {
    await components.stop();
    await server.stop();
    await storage.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
