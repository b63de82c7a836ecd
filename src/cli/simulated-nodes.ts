/**
 * @module cli/simulated-nodes
 * `skiff simulated-nodes`: add simulated nodes (see simulated/nodes.ts) to a running cluster from
 * another process, like kwok: `--count N --prefix P`, resources per node, and zones spread
 * round-robin over the nodes' topology.kubernetes.io/zone label. Runs until stopped; stopping
 * it is every one of its kubelets failing at once.
 */
import { parseArgs } from 'node:util';
import { configFromKubeconfig } from '../client/transport.js';
import { newClientset } from '../client/clientset.js';
import { SharedInformerFactory } from '../client/informer-factory.js';
import { SimulatedNodes, SIMULATED_NODE_SERVICE } from '../simulated/nodes.js';
import { TRACING_FLAG_OPTIONS, startComponentTracing, tracingSettings } from '../tracing/component.js';

export async function simulatedNodesCommand(argv: string[]): Promise<number | void> {
  const { values } = parseArgs({
    args: argv, options: {
      kubeconfig: { type: 'string' }, count: { type: 'string' }, prefix: { type: 'string' }, cpu: { type: 'string' }, memory: { type: 'string' },
      pods: { type: 'string' }, zones: { type: 'string' }, 'lease-duration': { type: 'string' },
      ...TRACING_FLAG_OPTIONS,
    },
  });
  const kc = values.kubeconfig ?? process.env.KUBECONFIG;
  const count = Number(values.count ?? '1');
  if (!kc) { process.stderr.write('skiff simulated-nodes: --kubeconfig is required\n'); return 2; }
  if (!Number.isInteger(count) || count < 1) { process.stderr.write(`skiff simulated-nodes: invalid --count "${values.count}"\n`); return 2; }
  const zones = values.zones ? values.zones.split(',') : [];
  const config = configFromKubeconfig(kc);
  const tracing = startComponentTracing(SIMULATED_NODE_SERVICE, {}, config, tracingSettings(values), (m) => process.stderr.write(`skiff simulated-nodes: tracing: ${m}\n`), { asyncContext: false });
  const cs = newClientset({ ...config, userAgent: 'skiff-simulated-nodes' });
  const informers = new SharedInformerFactory(cs);
  const sim = new SimulatedNodes(cs, informers, {
    count, prefix: values.prefix ?? 'sim', cpu: values.cpu, memory: values.memory, pods: values.pods,
    leaseDurationSeconds: values['lease-duration'] ? Number(values['lease-duration']) : undefined,
    labels: zones.length ? (i) => ({ 'topology.kubernetes.io/zone': zones[i % zones.length] }) : undefined,
  });
  informers.start();
  await informers.waitForCacheSync();
  const t0 = performance.now();
  await sim.register();
  process.stderr.write(`skiff simulated-nodes: ${count} simulated nodes registered in ${Math.round(performance.now() - t0)} ms\n`);
  const stop = () => { sim.stop(); informers.stop(); cs.close(); void tracing.stop().finally(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
