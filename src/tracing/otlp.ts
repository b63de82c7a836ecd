/**
 * @module tracing/otlp
 * SpanData to and from OTLP/JSON (ExportTraceServiceRequest, opentelemetry-proto's JSON mapping:
 * IDs as hex, times as decimal-string nanoseconds, attributes as typed AnyValues), and the span form
 * `GET /debug/skiff/traces/<traceId>` answers with (TraceSpan).
 */
import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { msToNanos, nanosToMs, type SpanData } from './span.js';

type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; arrayValue?: { values: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };

function toAny(v: AttributeValue): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
  return { arrayValue: { values: (v as unknown[]).filter((x) => x !== null && x !== undefined).map((x) => toAny(x as AttributeValue)) } };
}

function fromAny(v: AnyValue | undefined): AttributeValue | undefined {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue) return v.arrayValue.values.map((x) => fromAny(x)).filter((x) => x !== undefined) as AttributeValue;
  return undefined;
}

function toKVs(a: Attributes | undefined): KeyValue[] {
  const out: KeyValue[] = [];
  if (a) for (const k in a) { const v = a[k]; if (v !== undefined) out.push({ key: k, value: toAny(v) }); }
  return out;
}

function fromKVs(kvs: KeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  for (const kv of kvs ?? []) { const v = fromAny(kv.value); if (v !== undefined && typeof kv.key === 'string') out[kv.key] = v; }
  return out;
}

/** One ExportTraceServiceRequest for a batch (grouped by service and resource). */
export function toOTLP(spans: SpanData[]): unknown {
  const groups = new Map<string, SpanData[]>();
  for (const s of spans) {
    const k = `${s.service}|${JSON.stringify(s.resource ?? {})}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(s);
  }
  return {
    resourceSpans: [...groups.values()].map((g) => ({
      resource: { attributes: toKVs({ 'service.name': g[0].service, ...(g[0].resource ?? {}) }) },
      scopeSpans: [{
        scope: { name: 'skiff' },
        spans: g.map((s) => ({
          traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}), name: s.name, kind: s.kind,
          startTimeUnixNano: msToNanos(s.startMs), endTimeUnixNano: msToNanos(s.endMs), attributes: toKVs(s.attributes),
          events: s.events.map((e) => ({ timeUnixNano: msToNanos(e.timeMs), name: e.name, attributes: toKVs(e.attributes) })),
          status: s.status ? { code: s.status.code, ...(s.status.message ? { message: s.status.message } : {}) } : {},
        })),
      }],
    })),
  };
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

/** The spans of an ExportTraceServiceRequest; throws on a body that is not one. */
export function fromOTLP(body: any): SpanData[] {
  if (!body || typeof body !== 'object' || !Array.isArray(body.resourceSpans)) throw new Error('not an ExportTraceServiceRequest: resourceSpans must be a list');
  const out: SpanData[] = [];
  for (const rs of body.resourceSpans) {
    const res = fromKVs(rs?.resource?.attributes);
    const service = String(res['service.name'] ?? 'unknown_service');
    delete res['service.name'];
    for (const ss of rs?.scopeSpans ?? []) {
      for (const s of ss?.spans ?? []) {
        const traceId = String(s?.traceId ?? '').toLowerCase();
        const spanId = String(s?.spanId ?? '').toLowerCase();
        if (!HEX32.test(traceId) || !HEX16.test(spanId)) throw new Error(`span ${JSON.stringify(s?.name)}: traceId must be 32 and spanId 16 hex characters`);
        const parent = s.parentSpanId ? String(s.parentSpanId).toLowerCase() : '';
        out.push({
          traceId, spanId, ...(HEX16.test(parent) ? { parentSpanId: parent } : {}), name: String(s.name ?? ''), service, kind: Number(s.kind ?? 0),
          startMs: nanosToMs(s.startTimeUnixNano), endMs: nanosToMs(s.endTimeUnixNano), attributes: fromKVs(s.attributes),
          events: (s.events ?? []).map((e: any) => ({ name: String(e?.name ?? ''), timeMs: nanosToMs(e?.timeUnixNano), ...(e?.attributes?.length ? { attributes: fromKVs(e.attributes) } : {}) })),
          ...(s.status?.code ? { status: { code: Number(s.status.code), ...(s.status.message ? { message: String(s.status.message) } : {}) } } : {}),
          ...(Object.keys(res).length ? { resource: res } : {}),
        });
      }
    }
  }
  return out;
}

/** A span as `GET /debug/skiff/traces/<traceId>` lists it (the dashboard's and `skiff trace`'s contract). */
export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attributes;
  events: { name: string; timeUnixNano: string; attributes?: Attributes }[];
  resource?: Attributes;
  status?: { code: number; message?: string };
}

export function toTraceSpan(s: SpanData): TraceSpan {
  return {
    traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}), name: s.name, service: s.service,
    startTimeUnixNano: msToNanos(s.startMs), endTimeUnixNano: msToNanos(s.endMs), attributes: s.attributes,
    events: s.events.map((e) => ({ name: e.name, timeUnixNano: msToNanos(e.timeMs), ...(e.attributes ? { attributes: e.attributes } : {}) })),
    ...(s.resource ? { resource: s.resource } : {}), ...(s.status ? { status: s.status } : {}),
  };
}

export function fromTraceSpan(t: TraceSpan): SpanData {
  return {
    traceId: t.traceId, spanId: t.spanId, ...(t.parentSpanId ? { parentSpanId: t.parentSpanId } : {}), name: t.name, service: t.service, kind: 1,
    startMs: nanosToMs(t.startTimeUnixNano), endMs: nanosToMs(t.endTimeUnixNano), attributes: t.attributes ?? {},
    events: (t.events ?? []).map((e) => ({ name: e.name, timeMs: nanosToMs(e.timeUnixNano), ...(e.attributes ? { attributes: e.attributes } : {}) })),
    ...(t.resource ? { resource: t.resource } : {}),
  };
}
