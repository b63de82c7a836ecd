/**
 * @module tracing/span
 * What skiff records for one span (SpanData) and the live Span behind the OpenTelemetry API that
 * fills it. Times are milliseconds since the epoch with sub-millisecond precision (one clock for
 * every component on a machine: performance.timeOrigin + performance.now()); the wire forms
 * (OTLP, /debug/skiff/traces) carry nanoseconds as decimal strings.
 */
import { SpanStatusCode, type Attributes, type AttributeValue, type Exception, type Link, type Span, type SpanAttributes,
  type SpanContext, type SpanStatus, type TimeInput } from '@opentelemetry/api';

export interface SpanEventData { name: string; timeMs: number; attributes?: Attributes }

export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** service.name of the component that recorded it (kube-apiserver, kubelet, ...). */
  service: string;
  /** OTLP SpanKind number (1 internal, 2 server, 3 client). */
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  events: SpanEventData[];
  status?: { code: number; message?: string };
  /** The recording component's resource attributes beyond service.name (k8s.node.name, ...). */
  resource?: Attributes;
}

/** Where ended spans go: the API server's store, a batching exporter. */
export type SpanSink = (s: SpanData) => void;

const origin = performance.timeOrigin;
/** Now, in epoch milliseconds with sub-millisecond precision. */
export function nowMs(): number { return origin + performance.now(); }

export function timeInputMs(t: TimeInput | undefined): number {
  if (t === undefined) return nowMs();
  if (typeof t === 'number') return t;
  if (t instanceof Date) return t.getTime();
  return t[0] * 1000 + t[1] / 1e6;
}

/**
 * Epoch milliseconds as OTLP's unsigned nanoseconds, a decimal string (beyond 2^53, so not a
 * number). A double holds epoch milliseconds to about a quarter of a microsecond: microseconds
 * are what is real, the rest is written as zeros.
 */
export function msToNanos(ms: number): string {
  let whole = Math.floor(ms);
  let micros = Math.round((ms - whole) * 1e3);
  if (micros === 1000) { whole += 1; micros = 0; }
  return (BigInt(whole) * 1_000_000n + BigInt(micros) * 1000n).toString();
}

export function nanosToMs(ns: string | number | undefined): number {
  if (ns === undefined || ns === '') return 0;
  const s = String(ns);
  if (s.length <= 6) return Number(s) / 1e6;
  return Number(s.slice(0, -6)) + Number(s.slice(-6)) / 1e6;
}

const NO_ATTRIBUTES: Attributes = Object.freeze({}) as Attributes;
const NO_EVENTS: SpanEventData[] = Object.freeze([]) as unknown as SpanEventData[];

/**
 * A recording span, which is its own SpanData (handed to the tracer's sinks when it ends): one
 * object per span, attributes and events allocated only when there are some, the span context
 * made only when asked for. The API server makes about fifteen of these per traced write.
 */
export class RecordingSpan implements Span, SpanData {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  name: string;
  readonly service: string;
  readonly kind: number;
  readonly startMs: number;
  endMs: number;
  attributes: Attributes;
  events: SpanEventData[] = NO_EVENTS;
  status?: { code: number; message?: string };
  readonly resource?: Attributes;
  private sc: SpanContext | undefined;
  private ended = false;
  /** Attributes are the caller's object until the first write (copy on write: no copy per span). */
  private ownAttributes = false;

  constructor(traceId: string, spanId: string, parentSpanId: string | undefined, name: string, service: string, kind: number,
              startMs: number, attributes: Attributes | undefined, resource: Attributes | undefined, private readonly onEnd: (d: SpanData) => void) {
    this.traceId = traceId;
    this.spanId = spanId;
    if (parentSpanId) this.parentSpanId = parentSpanId;
    this.name = name;
    this.service = service;
    this.kind = kind;
    this.startMs = startMs;
    this.endMs = startMs;
    this.attributes = attributes ?? NO_ATTRIBUTES;
    if (resource && Object.keys(resource).length) this.resource = resource;
  }

  /** The span's data (the span itself). */
  get data(): SpanData { return this; }

  spanContext(): SpanContext { return (this.sc ??= { traceId: this.traceId, spanId: this.spanId, traceFlags: 1 /* SAMPLED */ }); }
  setAttribute(key: string, value: AttributeValue | undefined): this {
    if (this.ended || value === undefined) return this;
    if (!this.ownAttributes) { this.attributes = { ...this.attributes }; this.ownAttributes = true; }
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: SpanAttributes): this {
    if (this.ended) return this;
    this.attributes = this.ownAttributes ? Object.assign(this.attributes, attributes) : { ...this.attributes, ...attributes };
    this.ownAttributes = true;
    return this;
  }
  addEvent(name: string, attributesOrStartTime?: SpanAttributes | TimeInput, startTime?: TimeInput): this {
    if (this.ended) return this;
    const isTime = typeof attributesOrStartTime === 'number' || attributesOrStartTime instanceof Date || Array.isArray(attributesOrStartTime);
    const attrs = isTime ? undefined : attributesOrStartTime as SpanAttributes | undefined;
    if (this.events === NO_EVENTS) this.events = [];
    this.events.push({ name, timeMs: timeInputMs(isTime ? attributesOrStartTime as TimeInput : startTime), ...(attrs ? { attributes: attrs } : {}) });
    return this;
  }
  addLink(_link: Link): this { return this; }
  addLinks(_links: Link[]): this { return this; }
  setStatus(status: SpanStatus): this { if (!this.ended) this.status = { code: status.code, ...(status.message ? { message: status.message } : {}) }; return this; }
  updateName(name: string): this { if (!this.ended) this.name = name; return this; }
  isRecording(): boolean { return !this.ended; }
  recordException(exception: Exception, time?: TimeInput): void {
    const e = typeof exception === 'string' ? { message: exception } : exception as { message?: string; name?: string };
    this.addEvent('exception', { 'exception.message': String(e.message ?? ''), ...(e.name ? { 'exception.type': e.name } : {}) }, time);
    this.setStatus({ code: SpanStatusCode.ERROR, message: String(e.message ?? '') });
  }
  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.endMs = endTime === undefined ? nowMs() : timeInputMs(endTime);
    this.onEnd(this);
  }
}
