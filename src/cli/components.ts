/**
 * @module cli/components
 * The components `skiff server` runs in its own process beside the API server, as k3s does: the
 * controller manager, the scheduler and any simulated nodes, each on its own worker thread (so it
 * uses another core rather than the API server's event loop). Each talks to the API server over
 * HTTPS like a separate process would, with its own client certificate (kubeconfigs for them are
 * written to the data dir, so the same components can also be run alone against this server).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureComponentCert, kubeconfig, type ClusterPKI } from '../apiserver/pki/cluster-pki.js';
import { Worker } from 'node:worker_threads';
import type { ClientConfig } from '../client/transport.js';
import type { ControllerOptions } from '../controllers/framework.js';
import type { WorkerTask } from './component-worker.js';
import type { TracingSettings } from '../tracing/component.js';
import { defaultRegistry } from '../metrics/registry.js';

export interface ComponentOptions {
  controllerManager: boolean;
  scheduler: boolean;
  simulatedNodes: number;
  controllers: string[];
  controllerOptions: Partial<ControllerOptions>;
  /** The controllers' client-side rate limit. */
  qps: number;
  burst: number;
  /** --tracing / --otlp-endpoint, for every component. */
  tracing?: TracingSettings;
}

export interface Components { stop(): Promise<void> }

async function componentConfig(pki: ClusterPKI, dataDir: string, url: string, file: string, user: string, groups: string[] = []): Promise<ClientConfig> {
  const pair = await ensureComponentCert(pki, file, user, groups);
  await writeFile(join(dataDir, `${file}.kubeconfig`), kubeconfig({ server: url, caPem: pki.ca.certPem, user, certPem: pair.certPem, keyPem: pair.keyPem }), { mode: 0o600 });
  return { server: url, ca: pki.ca.certPem, cert: pair.certPem, key: pair.keyPem };
}

/** Start a component on its own thread; resolves once it is running. */
function runInWorker(task: WorkerTask): Promise<() => Promise<void>> {
  const w = new Worker(new URL('./component-worker.js', import.meta.url), { workerData: task });
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    w.once('error', onError);
    w.once('message', (m) => {
      w.off('error', onError);
      if (m !== 'ready') { void w.terminate(); reject(new Error(`skiff ${task.kind}: ${m?.error ?? m}`)); return; }
      w.on('error', (e) => process.stderr.write(`skiff ${task.kind}: ${e.stack ?? e}\n`));
      // The thread's metrics join the API server's /metrics (answers come back in order).
      const waiting: ((text: string) => void)[] = [];
      w.on('message', (r) => { if (typeof r?.metrics === 'string') waiting.shift()?.(r.metrics); });
      const removeRemote = defaultRegistry.addRemote(() => new Promise<string>((res) => {
        const t = setTimeout(() => { const i = waiting.indexOf(answer); if (i >= 0) waiting.splice(i, 1); res(''); }, 2000);
        const answer = (text: string) => { clearTimeout(t); res(text); };
        waiting.push(answer);
        w.postMessage('metrics');
      }));
      w.once('exit', () => { removeRemote(); for (const a of waiting.splice(0)) a(''); });
      resolve(() => new Promise<void>((done) => {
        removeRemote();
        const t = setTimeout(() => { void w.terminate().then(() => done()); }, 5000);
        w.once('exit', () => { clearTimeout(t); done(); });
        w.postMessage('stop');
      }));
    });
  });
}

export async function startComponents(url: string, pki: ClusterPKI, dataDir: string, o: ComponentOptions): Promise<Components> {
  const stops: (() => Promise<void> | void)[] = [];
  const tasks: WorkerTask[] = [];
  if (o.controllerManager) {
    const config = await componentConfig(pki, dataDir, url, 'controller-manager', 'system:kube-controller-manager');
    tasks.push({ kind: 'controller-manager', config: { ...config, qps: o.qps, burst: o.burst }, controllers: o.controllers, options: o.controllerOptions });
  }
  if (o.scheduler) tasks.push({ kind: 'scheduler', config: await componentConfig(pki, dataDir, url, 'scheduler', 'system:kube-scheduler') });
  if (o.simulatedNodes > 0) {
    tasks.push({ kind: 'simulated-nodes', config: await componentConfig(pki, dataDir, url, 'simulated-nodes', 'skiff:simulated-nodes', ['system:masters']), count: o.simulatedNodes });
  }
  for (const t of tasks) t.tracing = o.tracing;
  try {
    for (const stop of await Promise.all(tasks.map(runInWorker))) stops.push(stop);
  } catch (e) {
    await Promise.all(stops.map((s) => s()));
    throw e;
  }
  return { async stop() { await Promise.all(stops.map((s) => s())); } };
}
