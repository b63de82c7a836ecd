/**
 * @module tracing/provider
 * skiff's own lean TracerProvider behind the OpenTelemetry API: a Tracer per component
 * (service.name kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
 * skiff-simulated-node) that makes RecordingSpans and hands ended ones to that component's sinks
 * (the API server's span store, batching OTLP exporters). Sampling follows the parent: a child of
 * a sampled span is sampled, a child of an unsampled one records nothing but carries the context
 * on; a span with no parent starts a new sampled trace (callers that must not start traces, such
 * as reads, simply do not start spans). `setTracingEnabled(false)` (`--tracing=false`) makes
 * every span a no-op. The SDK's BasicTracerProvider does the same with more allocation per span
 * (resources, instrumentation scopes, span limits, processors); the API server makes about a
 * dozen spans per write, so the lean path is kept.
 */
import { ROOT_CONTEXT, SpanKind, TraceFlags, context as apiContext, trace, INVALID_SPAN_CONTEXT,
  type Attributes, type Context, type Span, type SpanContext, type SpanOptions, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { newSpanId, newTraceId } from './ids.js';
import { RecordingSpan, nowMs, timeInputMs, type SpanData, type SpanSink } from './span.js';

let enabled = true;
/** `--tracing=true|false` for this thread. */
export function setTracingEnabled(on: boolean): void { enabled = on; }
export function tracingEnabled(): boolean { return enabled; }

const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export class SkiffTracer implements Tracer {
  private readonly sinks: SpanSink[] = [];
  private readonly emit = (d: SpanData) => { for (const s of this.sinks) s(d); };

  constructor(readonly service: string, readonly resource: Attributes = {}) {}

  addSink(s: SpanSink): () => void {
    this.sinks.push(s);
    return () => { const i = this.sinks.indexOf(s); if (i >= 0) this.sinks.splice(i, 1); };
  }

  get hasSinks(): boolean { return this.sinks.length > 0; }

  startSpan(name: string, options?: SpanOptions, ctx: Context = apiContext.active()): Span {
    if (!enabled) return NOOP_SPAN;
    const parent = options?.root ? undefined : trace.getSpanContext(ctx);
    return this.start(name, parent, options);
  }

  /** A span under an explicit parent span context (the API server's path: no Context objects). */
  startChild(name: string, parent: SpanContext | undefined, options?: SpanOptions): Span {
    if (!enabled) return NOOP_SPAN;
    return this.start(name, parent, options);
  }

  private start(name: string, parent: SpanContext | undefined, options?: SpanOptions): Span {
    const valid = parent !== undefined && trace.isSpanContextValid(parent);
    if (valid && !(parent.traceFlags & TraceFlags.SAMPLED)) {
      // Unsampled: nothing recorded, but the context goes on so children stay unsampled too.
      return trace.wrapSpanContext({ traceId: parent.traceId, spanId: newSpanId(), traceFlags: TraceFlags.NONE });
    }
    const start = options?.startTime === undefined ? nowMs() : timeInputMs(options.startTime);
    return new RecordingSpan(valid ? parent.traceId : newTraceId(), newSpanId(), valid ? parent.spanId : undefined, name, this.service,
      otlpKind(options?.kind), start, options?.attributes, this.resource, this.emit);
  }

  /** A child of one of this process's own recording spans: no context to check (the API server's hot path). */
  childOf(parent: RecordingSpan, name: string, attributes?: Attributes): RecordingSpan {
    return new RecordingSpan(parent.traceId, newSpanId(), parent.spanId, name, this.service, 1, nowMs(), attributes, this.resource, this.emit);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = (rest.length > 1 ? rest[0] : undefined) as SpanOptions | undefined;
    const ctx = (rest.length > 2 ? rest[1] : apiContext.active()) as Context;
    const span = this.startSpan(name, options, ctx);
    return apiContext.with(trace.setSpan(ctx, span), () => fn(span)) as ReturnType<F>;
  }
}

/** OTLP's SpanKind numbers (the API's enum starts at INTERNAL = 0, OTLP's at UNSPECIFIED = 0). */
function otlpKind(k: SpanKind | undefined): number {
  return k === undefined ? 1 : k + 1;
}

const tracers = new Map<string, SkiffTracer>();

/**
 * The tracer of one component in this thread. `resource` names the instance (the kubelet's
 * k8s.node.name): two kubelets in one process get two tracers.
 */
export function tracer(service: string, resource: Attributes = {}): SkiffTracer {
  const key = `${service}|${JSON.stringify(resource)}`;
  let t = tracers.get(key);
  if (!t) { t = new SkiffTracer(service, resource); tracers.set(key, t); }
  return t;
}

class Provider implements TracerProvider {
  getTracer(name: string): Tracer { return tracer(name); }
}
trace.setGlobalTracerProvider(new Provider());

/** Run `fn` with `span` active (for the components, whose context follows awaits). */
export function withSpan<T>(span: Span, fn: () => T): T {
  return apiContext.with(trace.setSpan(apiContext.active(), span), fn);
}

/** Run `fn` under a remote parent (from an annotation) without a span of our own. */
export function withParent<T>(parent: SpanContext | undefined, fn: () => T): T {
  if (!parent) return fn();
  return apiContext.with(trace.setSpanContext(ROOT_CONTEXT, parent), fn);
}

export { NOOP_SPAN };

/**
 * The span an object is being worked on under, without an async context: the kubelet keeps the
 * pod's `sync` span here (keyed by the pod object it hands down to kuberuntime), so the API
 * server's thread, where `skiff server`'s own node agent runs, never pays for AsyncLocalStorage.
 */
const objectSpans = new WeakMap<object, Span>();
export function setObjectSpan(obj: object, span: Span | undefined): void { if (span) objectSpans.set(obj, span); else objectSpans.delete(obj); }

/** Run `fn` in a child span of the span set for `obj` (or of the active span); else just run it. */
export async function inObjectSpan<T>(obj: object, name: string, attributes: Attributes | undefined, fn: () => Promise<T>): Promise<T> {
  const parent = objectSpans.get(obj);
  if (!parent) return inActiveSpan(name, attributes, fn);
  return runChild(parent, name, attributes, fn);
}

let slot: SpanContext | undefined;
/**
 * Call `fn` with `sc` as the context of the API requests it starts synchronously (the client reads
 * it before its first await): how a write made outside any async context still joins a trace.
 */
export function withTraceContext<T>(sc: SpanContext | undefined, fn: () => T): T {
  const prev = slot;
  slot = sc;
  try { return fn(); } finally { slot = prev; }
}

/** The span context an API request made now belongs to: withTraceContext's, else the active span's. */
export function currentSpanContext(): SpanContext | undefined {
  if (slot) return slot;
  const sc = trace.getSpanContext(apiContext.active());
  return sc && trace.isSpanContextValid(sc) ? sc : undefined;
}

async function runChild<T>(parent: Span, name: string, attributes: Attributes | undefined, fn: () => Promise<T>): Promise<T> {
  if (!(parent instanceof RecordingSpan)) return fn();
  const t = tracer(parent.service, parent.resource);
  const span = t.startChild(name, parent.spanContext(), attributes ? { attributes } : undefined);
  try {
    return await withSpan(span, fn);
  } catch (e) {
    span.setAttribute('error', String((e as Error)?.message ?? e));
    throw e;
  } finally {
    span.end();
  }
}

/**
 * Run `fn` in a child span of the active span, recorded by the same component's tracer; without
 * a sampled active span, just run `fn` (the kubelet's pull/sandbox/create/start use this).
 */
export async function inActiveSpan<T>(name: string, attributes: Attributes | undefined, fn: () => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const active = trace.getSpan(apiContext.active());
  return active ? runChild(active, name, attributes, fn) : fn();
}
