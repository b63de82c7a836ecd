/**
 * @module tracing/store
 * The API server's in-memory span store (its small built-in collector): the most recent spans,
 * bounded by count, indexed by trace ID. When full, whole traces go, oldest first (by when their
 * first span arrived), so a trace is never left with holes in its middle.
 */
import type { SpanData } from './span.js';

export interface SpanStoreOptions { maxSpans?: number }

export class SpanStore {
  private readonly traces = new Map<string, SpanData[]>();
  private count = 0;
  readonly maxSpans: number;

  constructor(o: SpanStoreOptions = {}) { this.maxSpans = o.maxSpans ?? 50_000; }

  get size(): number { return this.count; }
  get traceCount(): number { return this.traces.size; }

  add(s: SpanData): void {
    let t = this.traces.get(s.traceId);
    if (!t) { t = []; this.traces.set(s.traceId, t); }
    t.push(s);
    this.count++;
    // Map iteration order is insertion order: the first key is the oldest trace.
    while (this.count > this.maxSpans && this.traces.size > 1) {
      const [oldest, spans] = this.traces.entries().next().value as [string, SpanData[]];
      if (oldest === s.traceId) break;
      this.traces.delete(oldest);
      this.count -= spans.length;
    }
    if (this.count > this.maxSpans) {
      // One trace alone over the limit: drop its oldest spans.
      const only = this.traces.get(s.traceId)!;
      const drop = this.count - this.maxSpans;
      only.splice(0, drop);
      this.count -= drop;
    }
  }

  /** The trace's spans, by start time. */
  get(traceId: string): SpanData[] {
    return [...(this.traces.get(traceId) ?? [])].sort((a, b) => a.startMs - b.startMs);
  }

  /** The most recent traces (newest first): ID, span count, and the root span's name and attributes. */
  recent(limit = 100): { traceId: string; spans: number; root?: SpanData }[] {
    const out: { traceId: string; spans: number; root?: SpanData }[] = [];
    const ids = [...this.traces.keys()];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      const spans = this.traces.get(ids[i])!;
      out.push({ traceId: ids[i], spans: spans.length, root: spans.find((s) => !s.parentSpanId) });
    }
    return out;
  }
}
