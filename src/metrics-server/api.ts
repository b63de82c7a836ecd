/**
 * @module metrics-server/api
 * The resource metrics API, `metrics.k8s.io/v1beta1` (metrics-server pkg/api, types from
 * k8s.io/metrics): NodeMetrics at `/apis/metrics.k8s.io/v1beta1/nodes[/NAME]` and PodMetrics at
 * `.../namespaces/NS/pods[/NAME]` and `.../pods`, read-only (get and list), with label and field
 * selectors and server-side Tables. Objects are made at read time from the Nodes and Pods the API
 * server has and the rates in storage: a node or pod without a rate yet is left out of lists and is
 * NotFound by name, as metrics-server answers. CPU is in nanocores (`12345n`, canonical: `5m`),
 * memory is the working set in bytes (`1234Ki` when it divides), `window` is the span between the
 * two samples the rate came from.
 *
 * Importing this registers the kinds, so discovery (legacy and aggregated) and OpenAPI list the
 * group as they list built-in groups: skiff has no aggregation layer, the group is served in-process.
 */
import { define, registerResource } from '../api/schema/registry.js';
import { obj, str, arr, mapOf, ref } from '../api/schema/builders.js';
import { kindDef, listDef } from '../api/meta/kind.js';
import { META, QUANTITY, TIME } from '../api/meta/v1.js';
import { newQuantity, newScaledQuantity } from '../machinery/quantity.js';
import { parseSelector, type LabelSelector } from '../machinery/labels.js';
import { parseFieldSelector } from '../machinery/fields.js';
import { StatusError, badRequest, methodNotAllowed, notFound } from '../machinery/status.js';
import { negotiateOutput } from '../apiserver/endpoints/codec.js';
import { tableJSON } from '../apiserver/endpoints/table.js';
import { writeJSON, writeJSONText, type Req, type Res } from '../apiserver/endpoints/response.js';
import { formatDuration } from '../apiserver/endpoints/protobuf/wellknown.js';
import { col, type Printer } from '../apiserver/printers/types.js';
import type { RequestInfo } from '../apiserver/request-info.js';
import type { MetricsStorage } from './storage.js';
import type { Usage } from './types.js';

export const GROUP = 'metrics.k8s.io';
export const VERSION = 'v1beta1';
const API_VERSION = `${GROUP}/${VERSION}`;
const PKG = 'io.k8s.metrics.pkg.apis.metrics.v1beta1';

// ---- the kinds (k8s.io/metrics/pkg/apis/metrics/v1beta1/types.go) ----

const usage = mapOf(ref(QUANTITY), { description: 'The memory/cpu usage by the container/node.' });
define(`${PKG}.ContainerMetrics`, obj({ name: str('Container name corresponding to the one from pod.spec.containers.'), usage },
  { required: ['name', 'usage'], description: 'ContainerMetrics sets resource usage metrics of a container.' }));
const timeInfo = {
  timestamp: ref(TIME, 'The following fields define time interval from which metrics were collected from the interval [Timestamp-Window, Timestamp].'),
  window: ref(`${META}.Duration`),
};
define(`${PKG}.NodeMetrics`, kindDef(GROUP, VERSION, 'NodeMetrics', { ...timeInfo, usage },
  { required: ['timestamp', 'window', 'usage'], description: 'NodeMetrics sets resource usage metrics of a node.' }));
define(`${PKG}.PodMetrics`, kindDef(GROUP, VERSION, 'PodMetrics', { ...timeInfo, containers: arr(ref(`${PKG}.ContainerMetrics`), { description: 'Metrics for all containers are collected within the same time window.' }) },
  { required: ['timestamp', 'window', 'containers'], description: 'PodMetrics sets resource usage metrics of a pod.' }));
define(`${PKG}.NodeMetricsList`, listDef(GROUP, VERSION, 'NodeMetricsList', `${PKG}.NodeMetrics`, 'NodeMetricsList is a list of NodeMetrics.'));
define(`${PKG}.PodMetricsList`, listDef(GROUP, VERSION, 'PodMetricsList', `${PKG}.PodMetrics`, 'PodMetricsList is a list of PodMetrics.'));

// Nothing is stored: the storage prefixes only keep these apart from core pods and nodes.
registerResource({ group: GROUP, version: VERSION, kind: 'NodeMetrics', plural: 'nodes', singular: 'node', namespaced: false,
  definition: `${PKG}.NodeMetrics`, verbs: ['get', 'list'], virtual: true, storagePrefix: `${GROUP}/nodes` });
registerResource({ group: GROUP, version: VERSION, kind: 'PodMetrics', plural: 'pods', singular: 'pod', namespaced: true,
  definition: `${PKG}.PodMetrics`, verbs: ['get', 'list'], virtual: true, storagePrefix: `${GROUP}/pods` });

// ---- objects ----

/** metav1.Time: RFC 3339 to the second. */
export function metaTime(ms: number): string { return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z'); }

/** The usage as a ResourceList: cpu in nanocores (DecimalSI), memory in bytes (BinarySI), canonical text. */
export function resourceList(u: Pick<Usage, 'cpuNanoCores' | 'memoryBytes'>): { cpu: string; memory: string } {
  return { cpu: newScaledQuantity(Math.max(0, Math.floor(u.cpuNanoCores)), -9).toString(), memory: newQuantity(Math.max(0, Math.floor(u.memoryBytes)), 'BinarySI').toString() };
}

/** metav1.Duration as JSON: Go's time.Duration text (`10.004s`). */
export function windowText(ms: number): string { return formatDuration(BigInt(Math.round(ms * 1e6))); }

export function nodeMetrics(node: any, u: Usage, now: number): any {
  const labels = node.metadata?.labels;
  return {
    kind: 'NodeMetrics', apiVersion: API_VERSION,
    metadata: { name: node.metadata.name, creationTimestamp: metaTime(now), ...(labels && Object.keys(labels).length ? { labels } : {}) },
    timestamp: metaTime(u.timestamp), window: windowText(u.windowMs), usage: resourceList(u),
  };
}

export function podMetrics(pod: any, pu: { containers: { name: string; usage: Usage }[]; timestamp: number; windowMs: number }, now: number): any {
  const labels = pod.metadata?.labels;
  return {
    kind: 'PodMetrics', apiVersion: API_VERSION,
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, creationTimestamp: metaTime(now), ...(labels && Object.keys(labels).length ? { labels } : {}) },
    timestamp: metaTime(pu.timestamp), window: windowText(pu.windowMs),
    containers: pu.containers.map((c) => ({ name: c.name, usage: resourceList(c.usage) })),
  };
}

// ---- Tables (metrics-server pkg/api/table.go): Name, the usage columns, Window ----

function sumUsage(o: any): { cpu: bigint; memory: bigint } {
  const list = o.kind === 'NodeMetrics' ? [o.usage] : (o.containers ?? []).map((c: any) => c.usage);
  let cpu = 0n, memory = 0n;
  for (const u of list) { cpu += BigInt(parseNano(u.cpu)); memory += BigInt(parseBytes(u.memory)); }
  return { cpu, memory };
}
function parseNano(s: string): number { return s.endsWith('n') ? Number(s.slice(0, -1)) : s.endsWith('u') ? Number(s.slice(0, -1)) * 1e3 : s.endsWith('m') ? Number(s.slice(0, -1)) * 1e6 : Number(s) * 1e9; }
function parseBytes(s: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(s);
  if (!m) return 0;
  return Number(m[1]) * 1024 ** (['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'].indexOf(m[2] ?? ''));
}

const METRICS_PRINTER: Printer = {
  columns: [
    col('Name', 'string', 'Name of the resource', 0, 'name'),
    col('cpu', 'string', '', 0, 'quantity'),
    col('memory', 'string', '', 0, 'quantity'),
    col('Window', 'string', '', 0, 'duration'),
  ],
  cells(o: any) {
    const s = sumUsage(o);
    return [o.metadata.name, newScaledQuantity(s.cpu, -9).toString(), newQuantity(s.memory, 'BinarySI').toString(), o.window];
  },
};

// ---- serving ----

/** Where the API reads the Nodes and Pods whose metrics it reports (the API server's caches). */
export interface ObjectSource {
  nodes(): Promise<any[]>;
  node(name: string): Promise<any | undefined>;
  /** Pods of a namespace, or of all namespaces for ''. */
  pods(namespace: string): Promise<any[]>;
  pod(namespace: string, name: string): Promise<any | undefined>;
}

function selectors(q: URLSearchParams): { labels?: LabelSelector; fields?: ReturnType<typeof parseFieldSelector> } {
  const out: { labels?: LabelSelector; fields?: ReturnType<typeof parseFieldSelector> } = {};
  const ls = q.get('labelSelector');
  if (ls) { try { out.labels = parseSelector(ls); } catch (e) { throw badRequest((e as Error).message); } }
  const fs = q.get('fieldSelector');
  if (fs) { try { out.fields = parseFieldSelector(fs); } catch (e) { throw badRequest((e as Error).message); } }
  return out;
}

const byNamespaceName = (a: any, b: any) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name);

export class ResourceMetricsAPI {
  constructor(private readonly source: ObjectSource, private readonly storage: MetricsStorage, private readonly now: () => number = Date.now) {}

  /** True for every request into the metrics.k8s.io group. */
  handles(ri: RequestInfo): boolean { return ri.isResourceRequest && ri.apiGroup === GROUP; }

  /** The object or list a request asks for (what `serve` writes). */
  async answer(ri: RequestInfo, q: URLSearchParams): Promise<any> {
    if (ri.apiVersion !== VERSION || !['nodes', 'pods'].includes(ri.resource) || ri.subresource || (ri.resource === 'nodes' && ri.namespace)) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (ri.verb !== 'get' && ri.verb !== 'list') throw methodNotAllowed();
    return ri.resource === 'nodes' ? this.nodes(ri, q) : this.pods(ri, q);
  }

  private async nodes(ri: RequestInfo, q: URLSearchParams): Promise<any> {
    const now = this.now();
    if (ri.verb === 'get') {
      const node = await this.source.node(ri.name);
      if (!node) throw notFound('', 'node', ri.name);
      const u = this.storage.nodeUsage(ri.name);
      if (!u) throw notFound(GROUP, 'nodemetrics', ri.name);
      return nodeMetrics(node, u, now);
    }
    const sel = selectors(q);
    const items: any[] = [];
    const nodes = (await this.source.nodes()).filter((n) => (!sel.labels || sel.labels.matches(n.metadata.labels)) && (!sel.fields || sel.fields.matches({ 'metadata.name': n.metadata.name })));
    for (const n of [...nodes].sort(byNamespaceName)) {
      const u = this.storage.nodeUsage(n.metadata.name);
      if (u) items.push(nodeMetrics(n, u, now));
    }
    return { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items };
  }

  private async pods(ri: RequestInfo, q: URLSearchParams): Promise<any> {
    const now = this.now();
    if (ri.verb === 'get') {
      const pod = await this.source.pod(ri.namespace, ri.name);
      if (!pod) throw notFound('', 'pods', ri.name);
      const pu = pod.status?.phase === 'Running' ? this.storage.podUsage(ri.namespace, ri.name) : undefined;
      if (!pu) throw notFound(GROUP, 'podmetrics', `${ri.namespace}/${ri.name}`);
      return podMetrics(pod, pu, now);
    }
    const sel = selectors(q);
    const pods = (await this.source.pods(ri.namespace)).filter((p) => (!sel.labels || sel.labels.matches(p.metadata.labels))
      && (!sel.fields || sel.fields.matches({ 'metadata.name': p.metadata.name, 'metadata.namespace': p.metadata.namespace })));
    const items: any[] = [];
    for (const p of [...pods].sort(byNamespaceName)) {
      // Only running pods, as metrics-server reports them.
      if (p.status?.phase !== 'Running') continue;
      const pu = this.storage.podUsage(p.metadata.namespace, p.metadata.name);
      if (pu) items.push(podMetrics(p, pu, now));
    }
    return { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items };
  }

  /** Answer a request: JSON, or a Table when the client asks for one (`kubectl get nodes.metrics.k8s.io`). */
  async serve(ri: RequestInfo, q: URLSearchParams, req: Req, res: Res): Promise<void> {
    const out = negotiateOutput(req.headers['accept'] as string | undefined, q.get('includeObject'));
    const body = await this.answer(ri, q);
    if (out.kind === 'table') {
      const list = Array.isArray(body.items);
      return writeJSONText(res, 200, tableJSON(METRICS_PRINTER, list ? body.items : [body], out.includeObject, {}));
    }
    writeJSON(res, 200, body);
  }
}
