/**
 * @module scheduler/tracing
 * The scheduler's part of the request-flow trace. A pod whose object carries a trace context gets
 * a `schedule` span under it: `queue.wait` (from entering the queue to being popped), `filter` and
 * `score` (the real phases) with one `filter/<Plugin>` and `score/<Plugin>` child each, and `bind`
 * (the Binding write joins the trace through its traceparent header). The cycle runs each plugin
 * once per node, so a plugin's child span carries its time summed over every node (attributes
 * `calls`, `aggregated: true`), laid end to end inside its phase.
 *
 * The decision for the dashboard rides on the `schedule` span as events: `filter` per node
 * (node, verdict, plugin, reason) and `score` per feasible node (total and `score.<Plugin>`),
 * for the first MAX_NODE_EVENTS nodes of each, with the counts as attributes, so 5,000 nodes stay cheap.
 */
import type { Span, SpanContext } from '@opentelemetry/api';
import { tracer, type SkiffTracer } from '../tracing/provider.js';
import type { Status } from './framework/status.js';

export const SCHEDULER_SERVICE = 'kube-scheduler';
export const MAX_NODE_EVENTS = 100;

export function schedulerTracer(): SkiffTracer { return tracer(SCHEDULER_SERVICE); }

/** What one traced cycle measured (CycleState.trace); filled by the framework runtime. */
export class CycleTrace {
  readonly filterMs = new Map<string, { ms: number; calls: number }>();
  readonly scoreMs = new Map<string, { ms: number; calls: number }>();
  filterStart = 0;
  filterEnd = 0;
  scoreStart = 0;
  scoreEnd = 0;
  readonly verdicts: { node: string; plugin?: string; reason?: string }[] = [];
  readonly rejectedBy = new Map<string, number>();
  evaluated = 0;
  passed = 0;
  /** Per plugin, the first MAX_NODE_EVENTS feasible nodes' normalized scores (in node order). */
  readonly pluginScores = new Map<string, number[]>();
  scoredNodes: string[] = [];
  totals: number[] = [];

  addFilterTime(plugin: string, ms: number): void {
    const e = this.filterMs.get(plugin);
    if (e) { e.ms += ms; e.calls++; } else this.filterMs.set(plugin, { ms, calls: 1 });
  }

  addScoreTime(plugin: string, ms: number, calls: number): void {
    const e = this.scoreMs.get(plugin);
    if (e) { e.ms += ms; e.calls += calls; } else this.scoreMs.set(plugin, { ms, calls });
  }

  verdict(node: string, st: Status | null): void {
    this.evaluated++;
    if (!st) this.passed++;
    else this.rejectedBy.set(st.plugin, (this.rejectedBy.get(st.plugin) ?? 0) + 1);
    if (this.verdicts.length < MAX_NODE_EVENTS) this.verdicts.push(st ? { node, plugin: st.plugin, reason: st.message() } : { node });
  }
}

/** Epoch ms from the monotonic clock the runtime times plugins with. */
const epoch = (perfMs: number) => performance.timeOrigin + perfMs;

/** Children for one phase: the phase span, then one span per plugin laid end to end with its summed time. */
function phase(t: SkiffTracer, parent: SpanContext, name: string, startPerf: number, endPerf: number, plugins: Map<string, { ms: number; calls: number }>): void {
  if (!startPerf) return;
  const s = t.startChild(name, parent, { startTime: epoch(startPerf) });
  let at = epoch(startPerf);
  for (const [plugin, { ms, calls }] of plugins) {
    const c = t.startChild(`${name}/${plugin}`, s.spanContext(), { startTime: at, attributes: { plugin, calls, aggregated: true } });
    at += ms;
    c.end(at);
  }
  s.end(epoch(endPerf));
}

/**
 * The spans of one scheduling cycle so far (the `schedule` span stays open for the binding
 * cycle). `queuedAt` is when the pod entered the queue (epoch ms), `poppedAt` when it left it.
 */
export function recordCycle(t: SkiffTracer, parent: SpanContext, pod: { namespace: string; name: string }, queuedAt: number, poppedAt: number,
                            ct: CycleTrace, allNodes: number, chosen: string | undefined, failure: string | undefined): Span {
  const s = t.startChild('schedule', parent, { startTime: Math.min(queuedAt, poppedAt), attributes: { namespace: pod.namespace, name: pod.name, 'nodes.total': allNodes, 'nodes.evaluated': ct.evaluated, 'nodes.feasible': ct.passed } });
  const sc = s.spanContext();
  t.startChild('queue.wait', sc, { startTime: queuedAt }).end(Math.max(queuedAt, poppedAt));
  phase(t, sc, 'filter', ct.filterStart, ct.filterEnd, ct.filterMs);
  phase(t, sc, 'score', ct.scoreStart, ct.scoreEnd, ct.scoreMs);
  if (chosen) s.setAttribute('node', chosen);
  if (failure) s.setAttribute('error', failure);
  for (const [plugin, n] of ct.rejectedBy) s.setAttribute(`rejected.${plugin}`, n);
  for (const v of ct.verdicts) {
    s.addEvent('filter', v.plugin ? { node: v.node, verdict: 'rejected', plugin: v.plugin, reason: v.reason ?? '' } : { node: v.node, verdict: 'passed' });
  }
  for (let i = 0; i < ct.scoredNodes.length; i++) {
    const attrs: Record<string, string | number> = { node: ct.scoredNodes[i], total: ct.totals[i] };
    for (const [plugin, scores] of ct.pluginScores) attrs[`score.${plugin}`] = scores[i];
    s.addEvent('score', attrs);
  }
  return s;
}
