/**
 * The trace of an object's latest change as a timeline: the object's `trace.skiff.dev/traceparent`
 * annotation names the trace, `GET /debug/skiff/traces/<traceId>` returns its spans, one bar per
 * span, nested under its parent, coloured by component, with its events as ticks.
 *
 * Spans arrive late: components export in batches every ~200 ms, and a pod's trace keeps growing
 * until its node reports it Running. So the trace is fetched again (once a second) until it has
 * stopped growing, and again when the object's annotation moves to a new change. An object's
 * annotation names one span of a possibly larger trace (a pod's points at its create, inside its
 * Deployment's apply): the timeline shows that span's story, with the whole trace one click away.
 */
import { useEffect, useState } from 'react';
import { getJSON, type ApiError } from '../api';
import { traceOf } from '../../../../src/dashboard/model/traceparent';
import { buildTimeline, formatDuration, storyOf, type Span } from '../../../../src/dashboard/model/timeline';

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#4d7c0f', '#be185d'];

/** Refetch a second apart until two fetches in a row return the same spans (at most ~20 s). */
const REFETCH_MS = 1000;
const MAX_FETCHES = 20;

export function useTrace(obj: any): { traceId?: string; spanId?: string; spans?: Span[]; error?: ApiError; loading: boolean } {
  const ctx = traceOf(obj);
  const [state, setState] = useState<{ spans?: Span[]; error?: ApiError; loading: boolean; id?: string }>({ loading: !!ctx });
  useEffect(() => {
    if (!ctx) { setState({ loading: false }); return; }
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let fetches = 0, last = -1, stable = 0;
    setState({ loading: true, id: ctx.traceId });
    const fetchOnce = () => {
      fetches++;
      getJSON(`/debug/skiff/traces/${ctx.traceId}`, ac.signal).then((r) => {
        // The API server answers a JSON list of spans; `{spans}` is accepted too.
        const spans: Span[] = Array.isArray(r) ? r : (r?.spans ?? []);
        setState({ spans, loading: false, id: ctx.traceId });
        stable = spans.length > 0 && spans.length === last ? stable + 1 : 0;
        last = spans.length;
        if (stable < 1 && fetches < MAX_FETCHES) timer = setTimeout(fetchOnce, REFETCH_MS);
      }, (error) => {
        if (ac.signal.aborted) return;
        setState({ error, loading: false, id: ctx.traceId });
        if (error?.code === 404 && fetches < MAX_FETCHES) timer = setTimeout(fetchOnce, REFETCH_MS);
      });
    };
    fetchOnce();
    return () => { ac.abort(); if (timer) clearTimeout(timer); };
  }, [ctx?.traceId, ctx?.spanId]);
  return { traceId: ctx?.traceId, spanId: ctx?.spanId, ...state };
}

export function TraceSection({ obj, trace }: { obj: any; trace?: ReturnType<typeof useTrace> }) {
  const own = useTrace(trace ? undefined : obj);
  const t = trace ?? own;
  const [whole, setWhole] = useState(false);
  const all = t.spans ?? [];
  const story = storyOf(all, t.spanId);
  return (
    <div data-testid="trace">
      <h3>Trace of the latest change</h3>
      {!t.traceId ? <p className="muted small">This object carries no trace context (annotation trace.skiff.dev/traceparent).</p>
        : t.loading ? <p className="muted small">loading trace {t.traceId}…</p>
        : t.error ? <p className="muted small">Trace {t.traceId}: {t.error.code === 404 ? 'not found (tracing off, or the trace was dropped)' : t.error.message}</p>
        : <>
          <p className="muted small trace-head">
            <span className="mono">{t.traceId}</span>
            {story.length < all.length
              ? <> · {whole ? `all ${all.length} spans` : `this object's ${story.length} of ${all.length} spans`} <button className="link" data-testid="trace-whole" onClick={() => setWhole(!whole)}>{whole ? 'show this object only' : 'show the whole trace'}</button></>
              : <> · {all.length} spans</>}
          </p>
          <TraceTimeline spans={whole ? all : story} />
        </>}
    </div>
  );
}

export function TraceTimeline({ spans }: { spans: Span[] }) {
  const tl = buildTimeline(spans);
  if (!tl.rows.length) return <p className="muted small">No spans recorded for this trace (yet): tracing may be off, or its spans not exported.</p>;
  const color = (svc?: string) => PALETTE[Math.max(0, tl.services.indexOf(svc ?? 'unknown')) % PALETTE.length];
  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline-legend">
        {tl.services.map((s) => <span key={s}><i style={{ background: color(s) }} />{s}</span>)}
        <span className="muted">total {formatDuration(tl.durationMs)}</span>
      </div>
      {tl.rows.map((r) => (
        <div className="tl-row" key={r.span.spanId} data-span={r.span.name} data-service={r.span.service ?? 'unknown'}>
          <div className="tl-label" style={{ paddingLeft: r.depth * 12 }} title={`${r.span.service ?? ''} ${r.span.name}`}>
            {r.span.name} <span className="muted small">{r.span.service}</span>
          </div>
          <div className="tl-track">
            <div className="tl-bar" style={{ left: `${r.offset * 100}%`, width: `max(2px, ${r.width * 100}%)`, background: color(r.span.service) }}
              title={`${r.span.name}: ${formatDuration(r.durationMs)} (at +${formatDuration(r.startMs)})`} />
            {r.events.map((e, i) => <div key={i} className="tl-event" style={{ left: `${e.offset * 100}%` }} title={`${e.name} +${formatDuration(e.atMs)} ${JSON.stringify(e.attributes)}`} />)}
          </div>
          <div className="tl-dur mono small">{formatDuration(r.durationMs)}</div>
        </div>
      ))}
    </div>
  );
}
