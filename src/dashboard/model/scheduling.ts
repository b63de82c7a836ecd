/**
 * @module dashboard/model/scheduling
 * The scheduler's decision for one pod, per node: which filter plugin rejected the node and why,
 * or each score plugin's score and the total. The source is the scheduler's `schedule` span, whose
 * events are (docs/tracing.md) one `filter` {node, verdict: passed|rejected, plugin, reason} per
 * evaluated node and one `score` {node, total, score.<Plugin>} per feasible node. The span lives in
 * the trace of whatever change made the pod (a Deployment's apply carries all its pods), so it is
 * picked by the pod's namespace and name. Without one, the pod's Scheduled / FailedScheduling
 * events say what they can.
 */
import type { Span } from './timeline.js';

export interface NodeDecision {
  node: string;
  /** Set when a filter plugin rejected the node. */
  rejected?: { plugin: string; reason: string };
  scores: { plugin: string; score: number }[];
  total?: number;
  /** The node the pod was bound to. */
  chosen: boolean;
}

export interface SchedulingDecision {
  source: 'trace' | 'events' | 'none';
  nodes: NodeDecision[];
  /** Scheduled / FailedScheduling event messages, newest last. */
  messages: { reason: string; message: string; type: string }[];
}

/**
 * The scheduler's `schedule` span for this pod in a trace (the last, if the pod was retried). A
 * span without namespace/name attributes is taken as the pod's own.
 */
export function scheduleSpan(spans: Span[], pod?: any): Span | undefined {
  const ns = pod?.metadata?.namespace, name = pod?.metadata?.name;
  return spans.filter((s) => (s.name === 'schedule' || s.name.endsWith('/schedule'))
    && (!name || s.attributes?.['name'] === undefined || (s.attributes['name'] === name && s.attributes['namespace'] === ns))).at(-1);
}

export function schedulingDecision(pod: any, spans: Span[], events: any[]): SchedulingDecision {
  const boundTo: string = pod?.spec?.nodeName ?? '';
  const messages = events
    .filter((e) => e.reason === 'Scheduled' || e.reason === 'FailedScheduling')
    .map((e) => ({ reason: e.reason, message: e.note ?? e.message ?? '', type: e.type ?? 'Normal' }));
  const span = scheduleSpan(spans, pod);
  if (span?.events?.length) {
    const nodes = new Map<string, NodeDecision>();
    const get = (n: string) => { let d = nodes.get(n); if (!d) { d = { node: n, scores: [], chosen: n === boundTo }; nodes.set(n, d); } return d; };
    for (const e of span.events) {
      const a = e.attributes ?? {};
      const node = String(a.node ?? '');
      if (!node) continue;
      if (e.name === 'filter') {
        const d = get(node);
        if (a.verdict !== 'passed') d.rejected = { plugin: String(a.plugin ?? '?'), reason: String(a.reason ?? '') };
      } else if (e.name === 'score') {
        const d = get(node);
        if (a.total !== undefined) d.total = Number(a.total);
        // The scheduler's form: one event per node, `score.<Plugin>` normalized scores.
        for (const [k, v] of Object.entries(a)) if (k.startsWith('score.')) d.scores.push({ plugin: k.slice(6), score: Number(v) });
        if (a.plugin !== undefined) d.scores.push({ plugin: String(a.plugin), score: Number(a.score ?? 0) });
      } else if (e.name === 'total') get(node).total = Number(a.score ?? 0);
    }
    const selected = span.attributes?.['node'] ?? span.attributes?.['selectedNode'];
    if (!boundTo && typeof selected === 'string') get(selected).chosen = true;
    // Feasible nodes first, best total first (the chosen one first of a tie); then the rejected ones by name.
    const list = [...nodes.values()].sort((x, y) => Number(!!x.rejected) - Number(!!y.rejected) || (y.total ?? -1) - (x.total ?? -1)
      || Number(y.chosen) - Number(x.chosen) || x.node.localeCompare(y.node));
    return { source: 'trace', nodes: list, messages };
  }
  if (messages.length) return { source: 'events', nodes: boundTo ? [{ node: boundTo, scores: [], chosen: true }] : [], messages };
  return { source: 'none', nodes: [], messages };
}
