/**
 * @module apiserver/tracing
 * The API server's part of the request-flow trace. Every sampled request gets a `request` span
 * (child of the caller's `traceparent` header when there is one) with children for the pipeline's
 * stages: `authentication`, `authorization`, `admission/<Plugin>`, `validation`, `storage.write`
 * and `watch.fanout` (from the commit to the event being handed to the watchers). Spans are passed
 * explicitly (RequestContext.trace), not through an async context, so untraced requests cost one
 * header lookup. A write whose stored object changes is stamped with the request span's context
 * (tracing/annotation), which is how the next component joins the trace.
 *
 * Sampling: a write of a main resource without a parent starts a new sampled trace; reads, lists,
 * watches, subresource writes (status, binding, scale) and writes of Leases and Events only record
 * when their parent is sampled; non-resource requests (the collector's own POSTs among them) never do.
 */
import type { Span, SpanContext } from '@opentelemetry/api';
import { SpanKind, TraceFlags } from '@opentelemetry/api';
import { tracer, tracingEnabled, NOOP_SPAN, type SkiffTracer } from '../tracing/provider.js';
import { parseTraceparent, TRACEPARENT_HEADER } from '../tracing/traceparent.js';
import { isStampedResource } from '../tracing/annotation.js';
import { newSpanId } from '../tracing/ids.js';
import { nowMs, RecordingSpan } from '../tracing/span.js';
import type { RequestInfo } from './request-info.js';

export const APISERVER_SERVICE = 'kube-apiserver';

const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** One request's trace: its span (when sampled) and the context to stamp on objects it changes. */
export class RequestTrace {
  readonly recording: boolean;
  /**
   * `stamps` false: a new trace the rate limit turned away. Its objects get no annotation at all
   * (an unsampled stamp would still cost its bytes on every object of a create storm); a stale one
   * from an earlier change is removed, so `skiff trace` never shows an older change as the latest.
   */
  constructor(readonly tracer: SkiffTracer, readonly span: Span, readonly sc: SpanContext, readonly stamps = true) {
    this.recording = span instanceof RecordingSpan;
  }

  /** A child span of the request (a no-op span when the request is not sampled). */
  child(name: string, attributes?: Record<string, string | number | boolean>): Span {
    if (!this.recording) return NOOP_SPAN;
    return this.tracer.childOf(this.span as RecordingSpan, name, attributes);
  }
}

/**
 * How many new traces (writes with no caller span) the API server starts per second; writes past
 * that are not traced: their objects carry no annotation (an older change's is removed), so the components
 * that work on them record nothing and `skiff trace` says the change was not traced.
 * A token bucket, like Jaeger's rate-limiting sampler: a person's `kubectl apply` is always traced,
 * a storm of creates costs what 50 traces a second cost (tracing every one of 1,400 pod creates a
 * second took 11% of the API server's throughput). `--tracing-roots-per-second` sets it.
 */
class RootSampler {
  private tokens: number;
  private last = performance.now();
  constructor(private perSecond: number) { this.tokens = perSecond; }
  set rate(perSecond: number) { this.perSecond = perSecond; this.tokens = Math.min(this.tokens, perSecond); }
  get rate(): number { return this.perSecond; }
  take(): boolean {
    const now = performance.now();
    // Burst = one second's worth.
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export const DEFAULT_ROOTS_PER_SECOND = 50;
const UNSAMPLED_ROOT: SpanContext = { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: TraceFlags.NONE };
export const rootSampler = new RootSampler(DEFAULT_ROOTS_PER_SECOND);

/**
 * The trace of a request about to run, or undefined when nothing is recorded or stamped for it.
 * `headers` are the request's (for `traceparent`).
 */
export function startRequestTrace(t: SkiffTracer, ri: RequestInfo, headers: Record<string, unknown>): RequestTrace | undefined {
  if (!tracingEnabled() || !ri.isResourceRequest) return undefined;
  const tp = headers[TRACEPARENT_HEADER];
  const parent = typeof tp === 'string' ? parseTraceparent(tp) : undefined;
  if (parent) {
    if (!(parent.traceFlags & TraceFlags.SAMPLED)) {
      // An unsampled caller: record nothing, but a changed object still names its (unsampled) trace.
      return WRITES.has(ri.verb) ? new RequestTrace(t, NOOP_SPAN, { traceId: parent.traceId, spanId: newSpanId(), traceFlags: TraceFlags.NONE }) : undefined;
    }
  } else if (!WRITES.has(ri.verb) || ri.subresource || !isStampedResource(ri.apiGroup, ri.resource)) {
    // A subresource write with no caller span (nodes/status heartbeats, a resync's pods/status)
    // stamps nothing, so its trace would lead nowhere; at 5,000 nodes it would also push the
    // useful traces out of the store.
    return undefined;
  }
  if (!parent && !rootSampler.take()) return new RequestTrace(t, NOOP_SPAN, UNSAMPLED_ROOT, false);
  const attributes: Record<string, string> = { verb: ri.verb, resource: ri.resource };
  if (ri.apiGroup) attributes.group = ri.apiGroup;
  if (ri.subresource) attributes.subresource = ri.subresource;
  if (ri.namespace) attributes.namespace = ri.namespace;
  if (ri.name) attributes.name = ri.name;
  const span = t.startChild('request', parent, { attributes, kind: SpanKind.SERVER });
  return new RequestTrace(t, span, span.spanContext());
}

/** The API server's tracer. */
export function apiserverTracer(): SkiffTracer { return tracer(APISERVER_SERVICE); }

/**
 * watch.fanout: sampled writes leave (key, revision) -> their request's context here at commit;
 * the watch cache reports each event once it has handed it to the watchers, which ends the span.
 * Bounded: entries whose event never comes (a dry run, a stopped cache) age out.
 */
class FanoutTracker {
  private readonly pending = new Map<string, { t: SkiffTracer; parent: SpanContext; commitMs: number }>();

  expect(t: SkiffTracer, parent: SpanContext, key: string, revision: number): void {
    if (this.pending.size >= 10_000) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(`${revision}@${key}`, { t, parent, commitMs: nowMs() });
  }

  /** Called by the watch caches after each dispatch (cheap when nothing is pending). */
  dispatched(events: readonly { key: string; revision: number }[], watchers?: number): void {
    if (this.pending.size === 0) return;
    for (const ev of events) {
      const k = `${ev.revision}@${ev.key}`;
      const p = this.pending.get(k);
      if (!p) continue;
      this.pending.delete(k);
      const s = p.t.startChild('watch.fanout', p.parent, { startTime: p.commitMs, attributes: { key: ev.key, revision: ev.revision, ...(watchers !== undefined ? { watchers } : {}) } });
      s.end();
    }
  }
}

export const fanoutTracker = new FanoutTracker();
