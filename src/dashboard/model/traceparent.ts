/**
 * @module dashboard/model/traceparent
 * The trace context skiff puts on objects (annotation `trace.skiff.dev/traceparent`), read back by
 * the dashboard to ask the API server for the trace of an object's latest change, in the page's
 * shape. Parsing is src/tracing's own (type-only use of the OpenTelemetry API, so the bundle
 * shares it): no DOM, no Node.
 */
import type { SpanContext } from '@opentelemetry/api';
import { objectSpanContext } from '../../tracing/annotation.js';
import { isSampled, parseTraceparent as parseSpanContext } from '../../tracing/traceparent.js';

export interface TraceContext { traceId: string; spanId: string; sampled: boolean }

const toContext = (sc: SpanContext | undefined): TraceContext | undefined => sc && { traceId: sc.traceId, spanId: sc.spanId, sampled: isSampled(sc) };

/** Parse a traceparent; undefined when malformed or all-zero (W3C: invalid ids). */
export function parseTraceparent(v: string | undefined | null): TraceContext | undefined {
  return toContext(parseSpanContext(v));
}

/** The trace context an object carries, if any. */
export function traceOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): TraceContext | undefined {
  return toContext(objectSpanContext(obj));
}
