/**
 * @module tracing/traceparent
 * The W3C Trace Context `traceparent` value (`00-<trace-id>-<parent-id>-<flags>`): what travels in
 * the HTTP header between components and in the `trace.skiff.dev/traceparent` annotation on
 * objects. Only version 00 is written; unknown higher versions are read by their first four fields,
 * as the specification asks.
 */
import type { SpanContext } from '@opentelemetry/api';

/** TraceFlags.SAMPLED, as a literal: a type-only import keeps this file free of the API package, so the dashboard's bundle shares it. */
const SAMPLED = 1;

/** The HTTP header (lowercase, as HTTP/2 carries it). */
export const TRACEPARENT_HEADER = 'traceparent';

const RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The span context a `traceparent` names, or undefined when it is malformed or invalid. */
export function parseTraceparent(value: string | undefined | null): SpanContext | undefined {
  if (!value || value.length < 55) return undefined;
  const m = RE.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16) & SAMPLED, isRemote: true };
}

/** The `traceparent` for a span context. */
export function formatTraceparent(sc: SpanContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & SAMPLED) ? '01' : '00'}`;
}

export function isSampled(sc: SpanContext | undefined): boolean {
  return !!sc && (sc.traceFlags & SAMPLED) === SAMPLED;
}
