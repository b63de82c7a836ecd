/**
 * @module tracing/exporter
 * A batching OTLP/HTTP exporter (JSON encoding): ended spans wait in a bounded buffer and go out
 * every ~200 ms, and once more on shutdown, off the path that recorded them. Components export to
 * the API server's built-in collector (`POST /debug/skiff/otlp/v1/traces`, with the component's
 * own client certificate or token, authorized like any non-resource URL) and, with
 * `--otlp-endpoint URL`, also to an external collector. A full buffer drops the oldest spans
 * rather than grow; a failed export is dropped (tracing never holds a component back).
 */
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { toOTLP } from './otlp.js';
import type { SpanData, SpanSink } from './span.js';

export const COLLECTOR_PATH = '/debug/skiff/otlp/v1/traces';

export interface ExporterTarget {
  /** The full URL to POST to (http or https). */
  url: string;
  ca?: string; cert?: string; key?: string; token?: string;
}

export interface ExporterOptions {
  intervalMs?: number;
  maxBuffered?: number;
  maxBatch?: number;
  log?: (msg: string) => void;
}

/** The OTLP/HTTP traces URL for an `--otlp-endpoint`: a base URL gets `/v1/traces`, as OTEL_EXPORTER_OTLP_ENDPOINT does. */
export function otlpTracesURL(endpoint: string): string {
  const u = new URL(endpoint);
  if (!u.pathname.endsWith('/v1/traces')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/traces`;
  return u.toString();
}

export class BatchExporter {
  private buf: SpanData[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inflight = new Set<Promise<void>>();
  private readonly agent: HttpsAgent | HttpAgent;
  private readonly url: URL;
  private stopped = false;
  /** Counters (for tests and logs). */
  readonly stats = { exported: 0, dropped: 0, failed: 0 };
  private warned = false;

  constructor(private readonly target: ExporterTarget, private readonly o: ExporterOptions = {}) {
    this.url = new URL(target.url);
    this.agent = this.url.protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true, maxSockets: 2, ca: target.ca, cert: target.cert, key: target.key })
      : new HttpAgent({ keepAlive: true, maxSockets: 2 });
  }

  /** The sink to add to a tracer. */
  readonly sink: SpanSink = (s) => {
    if (this.stopped) return;
    const max = this.o.maxBuffered ?? 20_000;
    if (this.buf.length >= max) { this.buf.shift(); this.stats.dropped++; }
    this.buf.push(s);
    if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = undefined; void this.flush(); }, this.o.intervalMs ?? 200);
      this.timer.unref();
    }
  };

  /** Send what is buffered now; resolves when sent (or failed). */
  async flush(): Promise<void> {
    const max = this.o.maxBatch ?? 2000;
    const sends: Promise<void>[] = [];
    while (this.buf.length) {
      const batch = this.buf.splice(0, max);
      const p = this.post(batch).finally(() => this.inflight.delete(p));
      this.inflight.add(p);
      sends.push(p);
    }
    await Promise.all([...sends, ...this.inflight]);
  }

  private post(batch: SpanData[]): Promise<void> {
    const body = JSON.stringify(toOTLP(batch));
    const t = this.target;
    const req = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<void>((resolve) => {
      const r = req(this.url, {
        method: 'POST', agent: this.agent, timeout: 5000,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(t.token ? { authorization: `Bearer ${t.token}` } : {}) },
      }, (res) => {
        res.resume();
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) this.fail(batch.length, `${res.statusCode}`); else this.stats.exported += batch.length;
          resolve();
        });
        res.on('error', () => { this.fail(batch.length, 'response error'); resolve(); });
      });
      r.on('timeout', () => r.destroy(new Error('timeout')));
      r.on('error', (e) => { this.fail(batch.length, e.message); resolve(); });
      r.end(body);
    });
  }

  private fail(n: number, why: string): void {
    this.stats.failed += n;
    if (!this.warned) { this.warned = true; this.o.log?.(`exporting spans to ${this.url.origin}: ${why} (further failures are not logged)`); }
  }

  /** Flush and stop. */
  async shutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    this.stopped = true;
    this.agent.destroy();
  }
}
