import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceMetricsAPI, resourceList, windowText, metaTime, type ObjectSource } from './api.js';
import { MetricsStorage } from './storage.js';
import { parseRequestInfo } from '../apiserver/request-info.js';
import { allResources } from '../api/schema/registry.js';
import { apiResourceList, aggregatedDiscovery } from '../apiserver/endpoints/discovery.js';
import { StatusError } from '../machinery/status.js';
import type { MetricsBatch } from './types.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('quantities and times as metrics-server writes them', () => {
  it('cpu in nanocores (canonical), memory in bytes (BinarySI)', () => {
    assert.deepEqual(resourceList({ cpuNanoCores: 1_432_651, memoryBytes: 1_234_567 }), { cpu: '1432651n', memory: '1234567' });
    assert.deepEqual(resourceList({ cpuNanoCores: 5_000_000, memoryBytes: 4096 * 1000 }), { cpu: '5m', memory: '4000Ki' });
    assert.deepEqual(resourceList({ cpuNanoCores: 2e9, memoryBytes: 0 }), { cpu: '2', memory: '0' });
  });
  it('window is a Go duration; timestamps are RFC 3339 seconds', () => {
    assert.equal(windowText(10_004), '10.004s');
    assert.equal(windowText(15_000), '15s');
    assert.equal(windowText(90_500), '1m30.5s');
    assert.equal(windowText(500), '500ms');
    assert.equal(metaTime(T0 + 999), '2026-01-01T00:00:00Z');
  });
});

describe('the metrics.k8s.io API', () => {
  const nodes = [
    { metadata: { name: 'n1', labels: { zone: 'a' } } },
    { metadata: { name: 'n2', labels: { zone: 'b' } } },
    { metadata: { name: 'fresh' } },
  ];
  const pods = [
    { metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } }, status: { phase: 'Running' } },
    { metadata: { name: 'db', namespace: 'data', labels: { app: 'db' } }, status: { phase: 'Running' } },
    { metadata: { name: 'done', namespace: 'default' }, status: { phase: 'Succeeded' } },
    { metadata: { name: 'new', namespace: 'default' }, status: { phase: 'Running' } },
  ];
  const source: ObjectSource = {
    nodes: async () => nodes,
    node: async (n) => nodes.find((x) => x.metadata.name === n),
    pods: async (ns) => pods.filter((p) => !ns || p.metadata.namespace === ns),
    pod: async (ns, n) => pods.find((p) => p.metadata.namespace === ns && p.metadata.name === n),
  };
  const point = (t: number, cpu: number, mem = 1024) => ({ startTime: T0 - 60_000, timestamp: t, cumulativeCpuUsed: cpu, memoryUsage: mem });
  const batch = (t: number, k: number): MetricsBatch[] => [
    { node: { name: 'n1', point: point(t, 100e9 * k, 2048 * 1024) }, pods: [
      { namespace: 'default', name: 'web', containers: [{ name: 'app', ...point(t, 1e9 * k) }, { name: 'side', ...point(t, 0.5e9 * k, 3000) }] },
      { namespace: 'default', name: 'done', containers: [{ name: 'c', ...point(t, 1e9 * k) }] },
    ] },
    { node: { name: 'n2', point: point(t, 50e9 * k) }, pods: [{ namespace: 'data', name: 'db', containers: [{ name: 'pg', ...point(t, 2e9 * k) }] }] },
  ];
  const storage = new MetricsStorage(10_000);
  storage.store(batch(T0, 1));
  storage.store(batch(T0 + 10_000, 2));
  const api = new ResourceMetricsAPI(source, storage, () => T0 + 12_000);
  const ask = (path: string, query = '') => {
    const q = new URLSearchParams(query);
    return api.answer(parseRequestInfo('GET', path, q), q);
  };
  const notFound = async (path: string, message: string) => {
    await assert.rejects(ask(path), (e: unknown) => e instanceof StatusError && e.code === 404 && e.message === message);
  };

  it('lists NodeMetrics of the nodes with a rate, sorted, with labels and the window', async () => {
    const l = await ask('/apis/metrics.k8s.io/v1beta1/nodes');
    assert.equal(l.kind, 'NodeMetricsList');
    assert.equal(l.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.deepEqual(l.items.map((n: any) => n.metadata.name), ['n1', 'n2']);
    assert.deepEqual(l.items[0], {
      kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:12Z', labels: { zone: 'a' } },
      timestamp: '2026-01-01T00:00:10Z', window: '10s', usage: { cpu: '10', memory: '2Mi' },
    });
    const sel = await ask('/apis/metrics.k8s.io/v1beta1/nodes', 'labelSelector=zone%3Db');
    assert.deepEqual(sel.items.map((n: any) => n.metadata.name), ['n2']);
    const byField = await ask('/apis/metrics.k8s.io/v1beta1/nodes', 'fieldSelector=metadata.name%3Dn1');
    assert.deepEqual(byField.items.map((n: any) => n.metadata.name), ['n1']);
  });

  it('gets one NodeMetrics; NotFound for a node without metrics or no node', async () => {
    assert.equal((await ask('/apis/metrics.k8s.io/v1beta1/nodes/n2')).usage.cpu, '5');
    await notFound('/apis/metrics.k8s.io/v1beta1/nodes/fresh', 'nodemetrics.metrics.k8s.io "fresh" not found');
    await notFound('/apis/metrics.k8s.io/v1beta1/nodes/nope', 'node "nope" not found');
  });

  it('lists PodMetrics of running pods with every container, per namespace or all', async () => {
    const l = await ask('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
    assert.equal(l.kind, 'PodMetricsList');
    assert.deepEqual(l.items, [{
      kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-01-01T00:00:12Z', labels: { app: 'web' } },
      timestamp: '2026-01-01T00:00:10Z', window: '10s',
      containers: [{ name: 'app', usage: { cpu: '100m', memory: '1Ki' } }, { name: 'side', usage: { cpu: '50m', memory: '3000' } }],
    }]);
    const all = await ask('/apis/metrics.k8s.io/v1beta1/pods');
    assert.deepEqual(all.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`), ['data/db', 'default/web']);
    const sel = await ask('/apis/metrics.k8s.io/v1beta1/pods', 'labelSelector=app+in+(db)');
    assert.deepEqual(sel.items.map((p: any) => p.metadata.name), ['db']);
    const byField = await ask('/apis/metrics.k8s.io/v1beta1/pods', 'fieldSelector=metadata.namespace%3Ddefault');
    assert.deepEqual(byField.items.map((p: any) => p.metadata.name), ['web']);
  });

  it('gets one PodMetrics; NotFound for a pod without metrics (new, not running) or no pod', async () => {
    assert.equal((await ask('/apis/metrics.k8s.io/v1beta1/namespaces/data/pods/db')).containers[0].usage.cpu, '200m');
    await notFound('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/new', 'podmetrics.metrics.k8s.io "default/new" not found');
    await notFound('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/done', 'podmetrics.metrics.k8s.io "default/done" not found');
    await notFound('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope', 'pods "nope" not found');
  });

  it('serves only get and list of nodes and pods in v1beta1', async () => {
    await assert.rejects(ask('/apis/metrics.k8s.io/v1beta1/nodes', 'watch=true'), (e: any) => e.code === 405);
    const q = new URLSearchParams();
    await assert.rejects(api.answer(parseRequestInfo('DELETE', '/apis/metrics.k8s.io/v1beta1/nodes/n1', q), q), (e: any) => e.code === 405);
    await assert.rejects(ask('/apis/metrics.k8s.io/v1/nodes'), (e: any) => e.code === 404);
    await assert.rejects(ask('/apis/metrics.k8s.io/v1beta1/services'), (e: any) => e.code === 404);
    await assert.rejects(ask('/apis/metrics.k8s.io/v1beta1/nodes', 'labelSelector=a%20in'), (e: any) => e.code === 400);
  });

  it('is in discovery, legacy and aggregated, as get/list resources', () => {
    const legacy: any = apiResourceList(allResources(), 'metrics.k8s.io', 'v1beta1');
    assert.deepEqual(legacy.resources.map((r: any) => [r.name, r.kind, r.namespaced, r.verbs]), [['nodes', 'NodeMetrics', false, ['get', 'list']], ['pods', 'PodMetrics', true, ['get', 'list']]]);
    const agg: any = aggregatedDiscovery(allResources(), false, 'v2');
    const g = agg.items.find((i: any) => i.metadata.name === 'metrics.k8s.io');
    assert.deepEqual(g.versions.map((v: any) => v.version), ['v1beta1']);
    assert.deepEqual(g.versions[0].resources.map((r: any) => [r.resource, r.responseKind.kind, r.scope]), [['nodes', 'NodeMetrics', 'Cluster'], ['pods', 'PodMetrics', 'Namespaced']]);
    // Core pods and nodes come first, so `kubectl get pods` still means the core ones.
    assert.equal(agg.items.at(-1).metadata.name === 'metrics.k8s.io' || agg.items.findIndex((i: any) => i.metadata.name === 'metrics.k8s.io') > 0, true);
  });
});
