/**
 * @module metrics-server/metrics-server
 * metrics-server embedded in the API server: a scrape loop (every resolution, default 10 s; upstream's
 * --metric-resolution defaults to 15 s) over the Nodes in the API server's cache, the storage of the
 * last two samples per node and container, and the `metrics.k8s.io/v1beta1` API in front of them.
 *
 * Why embedded rather than a separate component behind API aggregation: skiff has no aggregation
 * layer, and the API server already holds what metrics-server would need a client, informers and a
 * serving certificate for (the Node and Pod caches, the kubelet-client certificate). It stays its own
 * package, in metrics-server's words, so it could run apart later.
 *
 * The first answers after start have no data: a rate needs two samples, so `kubectl top` says
 * "metrics not available yet" for about one resolution, as with upstream.
 */
import type { LoopbackClient } from '../apiserver/registry/loopback.js';
import type { RequestInfo } from '../apiserver/request-info.js';
import type { Req, Res } from '../apiserver/endpoints/response.js';
import { parseDuration } from '../cli/flags.js';
import { ResourceMetricsAPI, type ObjectSource } from './api.js';
import { scrapeNodes, type KubeletTLS } from './scraper.js';
import { MetricsStorage } from './storage.js';

export const DEFAULT_METRIC_RESOLUTION_MS = 10_000;

export interface MetricsServerOptions {
  /** How the API server reads Nodes and Pods (its watch caches). */
  client: LoopbackClient;
  /** The kubelet-client certificate (the same identity the logs/exec proxy uses). */
  credentials: () => Promise<{ certPem: string; keyPem: string }>;
  /**
   * Time between scrapes (metrics-server's --metric-resolution). Default: the environment's
   * SKIFF_METRIC_RESOLUTION (a Go duration, e.g. `2s`), else 10 s.
   */
  resolutionMs?: number;
  /** Deadline of one kubelet request (default: 90% of the resolution, at most 10 s). */
  scrapeTimeoutMs?: number;
  log?: (msg: string) => void;
}

/** The resolution from SKIFF_METRIC_RESOLUTION, or the default. */
export function resolutionFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.SKIFF_METRIC_RESOLUTION;
  if (!v) return DEFAULT_METRIC_RESOLUTION_MS;
  const ms = parseDuration(v, 'metric-resolution');
  if (!(ms > 0)) throw new Error(`invalid SKIFF_METRIC_RESOLUTION "${v}": must be positive`);
  return ms;
}

export class MetricsServer {
  readonly resolutionMs: number;
  readonly storage: MetricsStorage;
  readonly api: ResourceMetricsAPI;
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private tls?: KubeletTLS;
  /** Completed scrape rounds (tests wait on it). */
  rounds = 0;
  /** The last scrape error per node, cleared when the node answers. */
  readonly errors = new Map<string, string>();

  constructor(private readonly o: MetricsServerOptions) {
    this.resolutionMs = o.resolutionMs ?? resolutionFromEnv();
    this.storage = new MetricsStorage(this.resolutionMs);
    const c = o.client;
    const source: ObjectSource = {
      nodes: () => c.list('', 'nodes'),
      node: (name) => c.get('', 'nodes', '', name),
      pods: (ns) => c.list('', 'pods', ns),
      pod: (ns, name) => c.get('', 'pods', ns, name),
    };
    this.api = new ResourceMetricsAPI(source, this.storage);
  }

  /** True for requests into metrics.k8s.io. */
  handles(ri: RequestInfo): boolean { return this.api.handles(ri); }

  serve(ri: RequestInfo, q: URLSearchParams, req: Req, res: Res): Promise<void> { return this.api.serve(ri, q, req, res); }

  /** Start scraping: one round now, then one every resolution. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stop scraping. A round in flight is not waited for (each request has its deadline); its result is dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      void this.scrape().catch((e) => this.o.log?.(`metrics-server: scrape failed: ${(e as Error).message}`))
        .then(() => this.schedule(Math.max(0, this.resolutionMs - (Date.now() - started))));
    }, delayMs);
    this.timer.unref();
  }

  /** One scrape round over every Node that publishes a kubelet port; stores what came back. */
  async scrape(): Promise<void> {
    if (!this.tls) { const c = await this.o.credentials(); this.tls = { cert: c.certPem, key: c.keyPem }; }
    const nodes = await this.o.client.list('', 'nodes');
    const timeout = this.o.scrapeTimeoutMs ?? Math.min(10_000, Math.max(1_000, Math.floor(this.resolutionMs * 0.9)));
    const { batches, errors } = await scrapeNodes(nodes, this.tls, timeout);
    if (this.stopped) return;
    this.storage.store(batches);
    for (const n of nodes) if (!errors.has(n.metadata.name)) this.errors.delete(n.metadata.name);
    for (const [name, e] of errors) {
      if (this.errors.get(name) !== e.message) this.o.log?.(`metrics-server: failed to scrape node "${name}": ${e.message}`);
      this.errors.set(name, e.message);
    }
    this.rounds++;
  }
}
