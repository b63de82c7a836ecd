/**
 * @module dashboard/model/traceparent
 * The trace context skiff puts on objects (annotation `trace.skiff.dev/traceparent`, a W3C
 * traceparent `00-<32 hex trace id>-<16 hex span id>-<flags>`), read back by the dashboard to ask
 * the API server for the trace of an object's latest change. No DOM, no Node: shared by the page
 * and its unit tests.
 */

export const TRACEPARENT_ANNOTATION = 'trace.skiff.dev/traceparent';

export interface TraceContext { traceId: string; spanId: string; sampled: boolean }

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parse a traceparent; undefined when malformed or all-zero (W3C: invalid ids). */
export function parseTraceparent(v: string | undefined | null): TraceContext | undefined {
  const m = TRACEPARENT.exec((v ?? '').trim().toLowerCase());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  return { traceId: m[2]!, spanId: m[3]!, sampled: (parseInt(m[4]!, 16) & 1) === 1 };
}

/** The trace context an object carries, if any. */
export function traceOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): TraceContext | undefined {
  return parseTraceparent(obj?.metadata?.annotations?.[TRACEPARENT_ANNOTATION]);
}
