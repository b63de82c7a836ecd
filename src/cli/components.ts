/**
 * @module cli/components
 * The components `skiff server` runs in its own process beside the API server, as k3s does: the
 * controller manager, the scheduler and any simulated nodes. Each talks to the API server over
 * HTTPS like a separate process would, with its own client certificate (kubeconfigs for them are
 * written to the data dir, so the same components can also be run alone against this server).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureComponentCert, kubeconfig, type ClusterPKI } from '../apiserver/pki/cluster-pki.js';
import type { ClientConfig } from '../client/transport.js';
import { newClientset } from '../client/clientset.js';
import { SharedInformerFactory } from '../client/informer-factory.js';
import { ControllerManager } from '../controllers/manager.js';
import { CONTROLLERS } from '../controllers/registry.js';
import type { ControllerOptions } from '../controllers/framework.js';
import { SimulatedNodes } from '../simulated/nodes.js';

export interface ComponentOptions {
  controllerManager: boolean;
  scheduler: boolean;
  simulatedNodes: number;
  controllers: string[];
  controllerOptions: Partial<ControllerOptions>;
}

export interface Components { stop(): Promise<void> }

async function componentConfig(pki: ClusterPKI, dataDir: string, url: string, file: string, user: string, groups: string[] = []): Promise<ClientConfig> {
  const pair = await ensureComponentCert(pki, file, user, groups);
  await writeFile(join(dataDir, `${file}.kubeconfig`), kubeconfig({ server: url, caPem: pki.ca.certPem, user, certPem: pair.certPem, keyPem: pair.keyPem }), { mode: 0o600 });
  return { server: url, ca: pki.ca.certPem, cert: pair.certPem, key: pair.keyPem };
}

export async function startComponents(url: string, pki: ClusterPKI, dataDir: string, o: ComponentOptions): Promise<Components> {
  const stops: (() => Promise<void> | void)[] = [];
  if (o.controllerManager) {
    const config = await componentConfig(pki, dataDir, url, 'controller-manager', 'system:kube-controller-manager');
    const mgr = new ControllerManager({ config, descriptors: CONTROLLERS, controllers: o.controllers, options: o.controllerOptions, leaderElection: { enabled: true } });
    await mgr.start();
    stops.push(() => mgr.stop());
  }
  if (o.scheduler) {
    const config = await componentConfig(pki, dataDir, url, 'scheduler', 'system:kube-scheduler');
    const { startScheduler } = await import('./scheduler.js');
    const s = await startScheduler(config, { leaderElection: { enabled: true } });
    stops.push(() => s.stop());
  }
  if (o.simulatedNodes > 0) {
    const config = await componentConfig(pki, dataDir, url, 'simulated-nodes', 'skiff:simulated-nodes', ['system:masters']);
    const cs = newClientset({ ...config, userAgent: 'skiff-simulated-nodes' });
    const informers = new SharedInformerFactory(cs);
    const sim = new SimulatedNodes(cs, informers, { count: o.simulatedNodes });
    informers.start();
    await informers.waitForCacheSync();
    await sim.register();
    stops.push(() => { sim.stop(); informers.stop(); cs.close(); });
  }
  return { async stop() { for (const s of stops.reverse()) await s(); } };
}
