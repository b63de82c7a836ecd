/**
 * @module apiserver/endpoints/tracing
 * The API server's built-in trace collector, under non-resource paths (so RBAC grants them with
 * nonResourceURLs, like /metrics):
 *   POST /debug/skiff/otlp/v1/traces   OTLP/HTTP, JSON encoding (ExportTraceServiceRequest); answers {}
 *   GET  /debug/skiff/traces           the most recent traces, newest first (?limit=N, default 100)
 *   GET  /debug/skiff/traces/<traceId> the trace's spans, by start time: a JSON list of TraceSpan
 * `skiff trace` and the dashboard read the last two; see docs/tracing.md for the span form.
 */
import { StatusError, badRequest } from '../../machinery/status.js';
import { fromOTLP, toTraceSpan } from '../../tracing/otlp.js';
import type { SpanStore } from '../../tracing/store.js';
import { COLLECTOR_PATH } from '../../tracing/exporter.js';
import { readBody, writeJSON, writeJSONText, type Req, type Res } from './response.js';

const TRACES = '/debug/skiff/traces';
const MAX_EXPORT_BYTES = 16 * 1024 * 1024;

export function isTracingPath(p: string): boolean {
  return p === COLLECTOR_PATH || p === TRACES || p.startsWith(`${TRACES}/`);
}

function methodNotAllowed(): StatusError {
  return new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export async function serveTracing(store: SpanStore, p: string, req: Req, res: Res): Promise<void> {
  const method = req.method ?? 'GET';
  if (p === COLLECTOR_PATH) {
    if (method !== 'POST') throw methodNotAllowed();
    const ct = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (ct !== 'application/json') throw new StatusError(415, 'UnsupportedMediaType', `the collector takes OTLP/HTTP JSON (application/json), not "${ct}"`);
    const body = await readBody(req, MAX_EXPORT_BYTES);
    let parsed: unknown;
    try { parsed = JSON.parse(body.toString('utf8')); } catch (e) { throw badRequest(`invalid OTLP JSON: ${(e as Error).message}`); }
    let spans;
    try { spans = fromOTLP(parsed); } catch (e) { throw badRequest((e as Error).message); }
    for (const s of spans) store.add(s);
    return writeJSON(res, 200, {});
  }
  if (method !== 'GET') throw methodNotAllowed();
  const q = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  if (p === TRACES) {
    const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), 10_000);
    return writeJSON(res, 200, store.recent(limit).map((t) => ({
      traceId: t.traceId, spans: t.spans,
      ...(t.root ? { root: { name: t.root.name, service: t.root.service, attributes: t.root.attributes, startTimeUnixNano: toTraceSpan(t.root).startTimeUnixNano } } : {}),
    })));
  }
  const id = p.slice(TRACES.length + 1).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(id)) throw badRequest(`invalid trace ID "${id}": want 32 hex characters`);
  return writeJSONText(res, 200, JSON.stringify(store.get(id).map(toTraceSpan)));
}
