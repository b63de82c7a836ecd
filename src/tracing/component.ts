/**
 * @module tracing/component
 * How a component outside the API server turns tracing on: its tracer (service.name and instance
 * attributes), the context manager so its spans follow awaits into API writes, and exporters to
 * the API server's collector (over HTTPS with the component's own credentials, as a separate
 * process would) and to `--otlp-endpoint` when given.
 */
import type { Attributes } from '@opentelemetry/api';
import { installContextManager } from './context-manager.js';
import { BatchExporter, COLLECTOR_PATH, otlpTracesURL } from './exporter.js';
import { setTracingEnabled, tracer, type SkiffTracer } from './provider.js';

/** The flags every component takes. */
export interface TracingSettings {
  /** `--tracing` (default true). */
  enabled?: boolean;
  /** `--otlp-endpoint URL`: also export to this OTLP/HTTP collector. */
  otlpEndpoint?: string;
}

/** Where the API server is and how to prove who we are (a ClientConfig fits). */
export interface CollectorCredentials { server: string; ca?: string; cert?: string; key?: string; token?: string }

export interface ComponentTracing { tracer: SkiffTracer; stop(): Promise<void> }

/** parseArgs options for --tracing and --otlp-endpoint. */
export const TRACING_FLAG_OPTIONS = { tracing: { type: 'string' }, 'otlp-endpoint': { type: 'string' } } as const;

export function tracingSettings(v: Record<string, unknown>): TracingSettings {
  const t = v.tracing as string | undefined;
  if (t !== undefined && t !== 'true' && t !== 'false') throw new Error(`invalid --tracing "${t}": want true or false`);
  const ep = v['otlp-endpoint'] as string | undefined;
  if (ep !== undefined) { try { otlpTracesURL(ep); } catch { throw new Error(`invalid --otlp-endpoint "${ep}": want an http(s) URL`); } }
  return { enabled: t !== 'false', otlpEndpoint: ep };
}

/**
 * `asyncContext: false` for a component that passes its spans explicitly (the kubelet, which may
 * share the API server's thread in `skiff server`, where AsyncLocalStorage would tax every request).
 */
export function startComponentTracing(service: string, resource: Attributes, creds: CollectorCredentials | undefined, s: TracingSettings = {},
                                      log?: (m: string) => void, o: { asyncContext?: boolean } = {}): ComponentTracing {
  const t = tracer(service, resource);
  if (s.enabled === false) { setTracingEnabled(false); return { tracer: t, stop: async () => {} }; }
  if (o.asyncContext !== false) installContextManager();
  const exporters: BatchExporter[] = [];
  if (creds) exporters.push(new BatchExporter({ url: new URL(COLLECTOR_PATH, creds.server).toString(), ca: creds.ca, cert: creds.cert, key: creds.key, token: creds.token }, { log }));
  if (s.otlpEndpoint) exporters.push(new BatchExporter({ url: otlpTracesURL(s.otlpEndpoint) }, { log }));
  const removes = exporters.map((e) => t.addSink(e.sink));
  return {
    tracer: t,
    async stop() {
      for (const r of removes) r();
      await Promise.all(exporters.map((e) => e.shutdown()));
    },
  };
}
