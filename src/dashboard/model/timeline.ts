/**
 * @module dashboard/model/timeline
 * A trace (the spans `GET /debug/skiff/traces/<traceId>` returns) laid out as a timeline: one row
 * per span in start order, children under their parents, each placed as a fraction of the whole
 * trace so the page only has to draw bars. Times arrive as decimal strings of nanoseconds (they do
 * not fit a double exactly), so they are read as BigInt and only the offsets become numbers.
 */

export interface SpanEvent { name: string; timeUnixNano: string; attributes?: Record<string, unknown> }

export interface Span {
  traceId: string; spanId: string; parentSpanId?: string; name: string; service?: string;
  startTimeUnixNano: string; endTimeUnixNano: string;
  attributes?: Record<string, unknown>; events?: SpanEvent[];
}

export interface TimelineRow {
  span: Span;
  /** Nesting depth (0: a root, or a span whose parent is not in this trace). */
  depth: number;
  /** Start and length as fractions of the trace's duration (0..1). */
  offset: number;
  width: number;
  /** Milliseconds from the trace's start, and the span's own duration. */
  startMs: number;
  durationMs: number;
  events: { name: string; atMs: number; offset: number; attributes: Record<string, unknown> }[];
}

export interface Timeline { rows: TimelineRow[]; durationMs: number; services: string[]; startUnixNano: bigint }

function ns(v: string | undefined): bigint {
  try { return BigInt(v ?? '0'); } catch { return 0n; }
}

const ms = (d: bigint) => Number(d) / 1e6;

export function buildTimeline(spans: Span[]): Timeline {
  if (!spans.length) return { rows: [], durationMs: 0, services: [], startUnixNano: 0n };
  let start = ns(spans[0]!.startTimeUnixNano), end = start;
  for (const s of spans) {
    const a = ns(s.startTimeUnixNano), b = ns(s.endTimeUnixNano);
    if (a < start) start = a;
    if (b > end) end = b;
    if (a > end) end = a;
  }
  const total = end - start;
  const frac = (t: bigint) => (total > 0n ? Number(((t - start) * 1_000_000n) / total) / 1_000_000 : 0);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  for (const s of spans) {
    // A parent outside this trace (another process's span not exported yet) makes a root.
    if (s.parentSpanId && byId.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const l = children.get(s.parentSpanId) ?? [];
      l.push(s);
      children.set(s.parentSpanId, l);
    } else roots.push(s);
  }
  const byStart = (a: Span, b: Span) => { const d = ns(a.startTimeUnixNano) - ns(b.startTimeUnixNano); return d < 0n ? -1 : d > 0n ? 1 : 0; };
  const rows: TimelineRow[] = [];
  const seen = new Set<string>();
  const visit = (s: Span, depth: number) => {
    if (seen.has(s.spanId)) return; // a cycle in bad data must not loop forever
    seen.add(s.spanId);
    const a = ns(s.startTimeUnixNano);
    const b = ns(s.endTimeUnixNano) < a ? a : ns(s.endTimeUnixNano);
    rows.push({
      span: s, depth, offset: frac(a), width: Math.max(0, frac(b) - frac(a)), startMs: ms(a - start), durationMs: ms(b - a),
      events: (s.events ?? []).map((e) => ({ name: e.name, atMs: ms(ns(e.timeUnixNano) - start), offset: frac(ns(e.timeUnixNano)), attributes: e.attributes ?? {} })),
    });
    for (const c of (children.get(s.spanId) ?? []).sort(byStart)) visit(c, depth + 1);
  };
  for (const r of roots.sort(byStart)) visit(r, 0);
  const services = [...new Set(spans.map((s) => s.service ?? 'unknown'))];
  return { rows, durationMs: ms(total), services, startUnixNano: start };
}

/**
 * One object's part of a trace: the spans that led to the span its annotation names (the chain of
 * parents up to the root) and everything that span caused (its subtree). A pod created by a
 * Deployment's apply lives in that apply's trace, beside its sibling pods; this keeps the pod's
 * own story (apply -> Deployment controller -> ReplicaSet controller -> its create -> scheduler ->
 * node) and leaves the siblings out. When the span is not (yet) in the trace, all of it.
 */
export function storyOf(spans: Span[], spanId: string | undefined): Span[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  if (!spanId || !byId.has(spanId)) return spans;
  const keep = new Set<string>();
  for (let s = byId.get(spanId); s && !keep.has(s.spanId); s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) keep.add(s.spanId);
  const children = new Map<string, string[]>();
  for (const s of spans) if (s.parentSpanId) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s.spanId]);
  const stack = [...(children.get(spanId) ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (keep.has(id)) continue;
    keep.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  // The ancestors' own steps (the apply's authentication, admission, storage write: children in
  // the same component) belong to the story too; what they caused elsewhere (sibling pods' creates,
  // other objects' reconciles: a request, or another component) does not.
  const ancestors = [...keep].filter((id) => id !== spanId).map((id) => byId.get(id)!);
  const inner: string[] = [];
  for (const a of ancestors) for (const id of children.get(a.spanId) ?? []) {
    const c = byId.get(id)!;
    if (!keep.has(id) && c.name !== 'request' && c.service === a.service) inner.push(id);
  }
  while (inner.length) {
    const id = inner.pop()!;
    if (keep.has(id)) continue;
    keep.add(id);
    inner.push(...(children.get(id) ?? []));
  }
  return spans.filter((s) => keep.has(s.spanId));
}

/** A duration as people read it: 850 µs, 12.3 ms, 1.42 s. */
export function formatDuration(msValue: number): string {
  if (msValue < 1) return `${Math.round(msValue * 1000)} µs`;
  if (msValue < 1000) return `${msValue < 10 ? msValue.toFixed(1) : Math.round(msValue)} ms`;
  return `${(msValue / 1000).toFixed(2)} s`;
}
