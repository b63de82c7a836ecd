/**
 * @module cli/component-worker
 * One control-plane component (controller manager, scheduler, simulated nodes) on its own thread
 * inside the `skiff server` process: it talks to the API server over HTTPS exactly as a separate
 * process would, but its informers' parsing, its reconcile loops and its scheduling cycles run on
 * another core instead of competing with the API server's event loop. The parent sends `stop`;
 * the worker answers `ready` once started and `stopped` once stopped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ClientConfig } from '../client/transport.js';
import type { ControllerOptions } from '../controllers/framework.js';
import type { TracingSettings } from '../tracing/component.js';

export type WorkerTask = (
  | { kind: 'controller-manager'; config: ClientConfig; controllers: string[]; options: Partial<ControllerOptions> }
  | { kind: 'scheduler'; config: ClientConfig }
  | { kind: 'simulated-nodes'; config: ClientConfig; count: number }
) & { tracing?: TracingSettings };

const SERVICES = { 'controller-manager': 'kube-controller-manager', scheduler: 'kube-scheduler', 'simulated-nodes': 'skiff-simulated-node' } as const;

/** The component, with its spans exported to the API server like a separate process's. */
async function start(t: WorkerTask): Promise<() => Promise<void>> {
  const { startComponentTracing } = await import('../tracing/component.js');
  const tracing = startComponentTracing(SERVICES[t.kind], {}, t.config, t.tracing, (m) => process.stderr.write(`skiff ${t.kind}: tracing: ${m}\n`),
    { asyncContext: t.kind === 'controller-manager' });
  const stop = await startComponent(t);
  return async () => { await stop(); await tracing.stop(); };
}

async function startComponent(t: WorkerTask): Promise<() => Promise<void>> {
  switch (t.kind) {
    case 'controller-manager': {
      const { ControllerManager } = await import('../controllers/manager.js');
      const { CONTROLLERS } = await import('../controllers/registry.js');
      const mgr = new ControllerManager({ config: t.config, descriptors: CONTROLLERS, controllers: t.controllers, options: t.options, leaderElection: { enabled: true } });
      await mgr.start();
      return () => mgr.stop();
    }
    case 'scheduler': {
      const { startScheduler } = await import('./scheduler.js');
      const s = await startScheduler(t.config, { leaderElection: { enabled: true } });
      return () => s.stop();
    }
    case 'simulated-nodes': {
      const { newClientset } = await import('../client/clientset.js');
      const { SharedInformerFactory } = await import('../client/informer-factory.js');
      const { SimulatedNodes } = await import('../simulated/nodes.js');
      const cs = newClientset({ ...t.config, userAgent: 'skiff-simulated-nodes' });
      const informers = new SharedInformerFactory(cs);
      const sim = new SimulatedNodes(cs, informers, { count: t.count });
      informers.start();
      await informers.waitForCacheSync();
      await sim.register();
      return async () => { sim.stop(); informers.stop(); cs.close(); };
    }
  }
}

if (parentPort) {
  const port = parentPort;
  start(workerData as WorkerTask).then((stop) => {
    port.on('message', (m) => {
      if (m === 'stop') void stop().finally(() => { port.postMessage('stopped'); process.exit(0); });
      // The API server's /metrics asks for this thread's work queue / scheduler metrics.
      if (m === 'metrics') void import('../metrics/registry.js').then(({ defaultRegistry }) => port.postMessage({ metrics: defaultRegistry.render() }));
    });
    port.postMessage('ready');
  }, (e) => { port.postMessage({ error: String((e as Error)?.stack ?? e) }); });
}
