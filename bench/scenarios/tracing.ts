/**
 * @module bench/scenarios/tracing
 * Issue 7's figure for the request-flow trace: what tracing costs, measured with it on and off in
 * the same run (two servers, measured one after the other, in ABBA order). API throughput: creates/s
 * with 32 in flight of pods (the whole admission chain, so a create makes the most spans: request,
 * authentication, authorization, ~10 admission plugins, validation, storage.write, watch.fanout)
 * and of ConfigMaps (issue 2's throughput figure; about half as many spans).
 * Pod startup: the median time from a pod's create to its Running watch event, one pod at a time,
 * through the scheduler and a simulated node (the control plane's share of startup; a real
 * kubelet's containerd work is not traced differently). Each must stay within 5%.
 */
import { startSkiffServer, type SkiffServer } from '../../test/support/skiff-server.js';
import { H2Client, percentile } from '../lib/h2client.js';
import { APISERVER_ONLY, drive, type Row, type Scenario } from '../lib/harness.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset } from '../../src/client/clientset.js';

const IN_FLIGHT = 32;
const CREATES = 4000;
const STARTS = 48;

function configMap(ns: string, name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { app: 'bench' } }, data: { key: 'value', other: 'x'.repeat(64) } });
}

function pod(ns: string, name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'app', image: 'registry.local/doctor-backend:v1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } });
}

async function createsPerSec(srv: SkiffServer, ns: string, prefix: string, total: number, kind: 'pods' | 'configmaps' = 'pods'): Promise<number> {
  const c = new H2Client(srv.url, srv.tls);
  const { opsPerSec: rate, failures } = await drive(total, IN_FLIGHT, async (i) =>
    (await c.request('POST', `/api/v1/namespaces/${ns}/${kind}`, kind === 'pods' ? pod(ns, `${prefix}-${i}`) : configMap(ns, `${prefix}-${i}`))).status === 201);
  c.close();
  if (failures) throw new Error(`${failures} creates failed`);
  return rate;
}

async function ns(srv: SkiffServer, name: string): Promise<void> {
  const c = new H2Client(srv.url, srv.tls);
  await c.request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  c.close();
}

/** Create -> Running (watch event) latencies of `n` pods, one at a time, scheduled onto a simulated node. */
async function startupLatencies(srv: SkiffServer, namespace: string, prefix: string, n: number): Promise<number[]> {
  const cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-bench/tracing' });
  const waiting = new Map<string, (t: number) => void>();
  const w = cs.pods.watch(namespace, {}, (ev) => {
    if (ev.object?.status?.phase === 'Running') { const f = waiting.get(ev.object.metadata.name); if (f) { waiting.delete(ev.object.metadata.name); f(performance.now()); } }
  }, () => {});
  const lat: number[] = [];
  try {
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < n; i++) {
      const name = `${prefix}-${i}`;
      const running = new Promise<number>((res, rej) => { waiting.set(name, res); setTimeout(() => rej(new Error(`${name} not Running in 20 s`)), 20_000).unref(); });
      const t0 = performance.now();
      await cs.pods.create(namespace, JSON.parse(pod(namespace, name)));
      lat.push((await running) - t0);
    }
  } finally { w.stop(); cs.close(); }
  return lat;
}

export function tracingScenarios(): Scenario[] {
  return [{
    name: 'tracing-cost',
    async run(): Promise<Row[]> {
      // Throughput: the API server alone, tracing on and off.
      const on = await startSkiffServer({ args: APISERVER_ONLY });
      const off = await startSkiffServer({ args: [...APISERVER_ONLY, '--tracing=false'] });
      let cOn: number, cOff: number, mOn: number, mOff: number;
      try {
        await ns(on, 'bench'); await ns(off, 'bench');
        await createsPerSec(on, 'bench', 'warm', 500); await createsPerSec(off, 'bench', 'warm', 500);
        // Alternate in an ABBA pattern, so drift on a shared machine falls on both alike.
        const abba = async (kind: 'pods' | 'configmaps'): Promise<[number, number]> => {
          const a: number[] = [], b: number[] = [];
          for (let i = 0; i < 4; i++) {
            const order = i % 2 === 0 ? [[on, a], [off, b]] as const : [[off, b], [on, a]] as const;
            for (const [srv, out] of order) out.push(await createsPerSec(srv, 'bench', `${kind}-r${i}`, CREATES / 4, kind));
          }
          return [a.reduce((m, x) => m + x, 0) / a.length, b.reduce((m, x) => m + x, 0) / b.length];
        };
        [cOn, cOff] = await abba('pods');
        [mOn, mOff] = await abba('configmaps');
      } finally { await on.stop(); await off.stop(); }
      // Pod startup through the scheduler and a simulated node, tracing on and off.
      const sOn = await startSkiffServer({ args: ['--simulated-nodes', '1'] });
      const sOff = await startSkiffServer({ args: ['--simulated-nodes', '1', '--tracing=false'] });
      let pOn: number, pOff: number;
      try {
        await ns(sOn, 'bench'); await ns(sOff, 'bench');
        // Warm-up (JIT, connections, the exporters' first TLS handshakes), then alternate.
        await startupLatencies(sOn, 'bench', 'warm', 10); await startupLatencies(sOff, 'bench', 'warm', 10);
        const x: number[] = [], y: number[] = [];
        // ABBA again: whichever runs first in a pair was measurably favoured.
        for (let r = 0; r < 4; r++) {
          const order = r % 2 === 0 ? [[sOn, x], [sOff, y]] as const : [[sOff, y], [sOn, x]] as const;
          for (const [srv, out] of order) out.push(...await startupLatencies(srv, 'bench', `r${r}`, STARTS / 4));
        }
        pOn = percentile(x, 50); pOff = percentile(y, 50);
      } finally { await sOn.stop(); await sOff.stop(); }
      return [
        { name: `pod creates/s, tracing on (${IN_FLIGHT} in flight)`, value: cOn, unit: 'ops/s' },
        { name: `pod creates/s, tracing off (${IN_FLIGHT} in flight)`, value: cOff, unit: 'ops/s' },
        { name: 'pod creates/s on / off', value: cOn / cOff, unit: 'ratio', target: '>= 0.95' },
        { name: `ConfigMap creates/s, tracing on (${IN_FLIGHT} in flight)`, value: mOn, unit: 'ops/s' },
        { name: `ConfigMap creates/s, tracing off (${IN_FLIGHT} in flight)`, value: mOff, unit: 'ops/s' },
        { name: 'ConfigMap creates/s on / off', value: mOn / mOff, unit: 'ratio', target: '>= 0.95' },
        { name: 'pod create -> Running p50, tracing on (simulated node)', value: pOn, unit: 'ms' },
        { name: 'pod create -> Running p50, tracing off (simulated node)', value: pOff, unit: 'ms' },
        { name: 'pod startup on / off', value: pOn / pOff, unit: 'ratio', target: '<= 1.05' },
      ];
    },
  }];
}
