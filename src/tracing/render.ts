/**
 * @module tracing/render
 * `skiff trace`'s terminal output: (1) the seed's ten steps with measured durations and where the
 * time went, (2) a sequence diagram with the seed's lanes (kubectl, API Server, storage, Deployment
 * Controller, ReplicaSet Controller, Scheduler, kubelet), each row at its measured time, and
 * (3) the seed's "Time breakdown" groups with the total.
 */
import type { SpanData } from './span.js';
import { timeBreakdown, type StepReport } from './steps.js';

const LANES = ['kubectl', 'API Server', 'storage', 'Deployment', 'ReplicaSet', 'Scheduler', 'kubelet'] as const;
const LANES2 = ['', '', '', 'Controller', 'Controller', '', ''];
type Lane = typeof LANES[number];
const WIDTH = 15;
const center = (i: number) => 2 + i * WIDTH;
const laneIx = (l: Lane) => LANES.indexOf(l);

/** Milliseconds for people: 0.42 ms, 12.3 ms, 1.24 s. */
export function fmtMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

interface Row { t: number; from: Lane; to: Lane; label: string }

function canvas(): string[] {
  const c = new Array(center(LANES.length - 1) + 3).fill(' ');
  for (let i = 0; i < LANES.length; i++) c[center(i)] = '|';
  return c;
}

function put(c: string[], at: number, text: string): void {
  for (let i = 0; i < text.length && at + i < c.length + 40; i++) c[at + i] = text[i];
}

function drawRow(r: Row): string {
  const c = canvas();
  const a = laneIx(r.from), b = laneIx(r.to);
  if (a === b) {
    // An action inside one component: to the right of its lane (the kubelet's, the last, to its left).
    const text = `[${r.label}]`;
    if (a === LANES.length - 1) put(c, center(a) - 1 - text.length, text); else put(c, center(a) + 2, text);
    return c.join('').replace(/\s+$/, '');
  }
  const lo = Math.min(a, b), hi = Math.max(a, b);
  for (let i = center(lo) + 1; i < center(hi); i++) c[i] = '-';
  if (b > a) c[center(hi) - 1] = '>'; else c[center(lo) + 1] = '<';
  const room = center(hi) - center(lo) - 6;
  // A label too long for its arrow goes after the arrow's far end, over the idle lanes.
  if (r.label.length > room) put(c, center(hi) + 2, r.label);
  else put(c, center(lo) + 3, ` ${r.label} `);
  return c.join('').replace(/\s+$/, '');
}

/** The diagram's rows, from the trace's spans along the critical path. */
function rows(r: StepReport, spans: SpanData[]): Row[] {
  const out: Row[] = [];
  const at = (ms: number) => ms - r.t0;
  const attr = (s: SpanData, k: string) => (s.attributes[k] === undefined ? undefined : String(s.attributes[k]));
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const kids = (s: SpanData) => spans.filter((c) => c.parentSpanId === s.spanId);
  const root = spans.filter((s) => s.name === 'request' && (!s.parentSpanId || !byId.has(s.parentSpanId))).sort((a, b) => a.startMs - b.startMs)[0];
  if (!root) return out;
  const verbWord: Record<string, string> = { create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE' };
  const apiWrite = (req: SpanData) => {
    const w = kids(req).find((k) => k.name === 'storage.write');
    out.push({ t: at(w?.startMs ?? req.endMs), from: 'API Server', to: 'storage', label: `write ${fmtMs(w ? w.endMs - w.startMs : 0)}` });
  };
  out.push({ t: 0, from: 'kubectl', to: 'API Server', label: `${verbWord[attr(root, 'verb') ?? ''] ?? attr(root, 'verb')} ${attr(root, 'resource')}` });
  for (const k of kids(root).sort((a, b) => a.startMs - b.startMs)) {
    if (k.name === 'authentication') out.push({ t: at(k.startMs), from: 'API Server', to: 'API Server', label: `authn ${fmtMs(k.endMs - k.startMs)}` });
    if (k.name === 'authorization') out.push({ t: at(k.startMs), from: 'API Server', to: 'API Server', label: `RBAC ${fmtMs(k.endMs - k.startMs)}` });
    if (k.name === 'validation') out.push({ t: at(k.startMs), from: 'API Server', to: 'API Server', label: `validate ${fmtMs(k.endMs - k.startMs)}` });
  }
  const adm = kids(root).filter((k) => k.name.startsWith('admission/'));
  if (adm.length) out.push({ t: at(Math.min(...adm.map((k) => k.startMs))), from: 'API Server', to: 'API Server', label: `admit x${adm.length} ${fmtMs(adm.reduce((m, k) => m + k.endMs - k.startMs, 0))}` });
  apiWrite(root);
  out.push({ t: at(root.endMs), from: 'API Server', to: 'kubectl', label: `${attr(root, 'code') ?? ''} response` });

  const controllerWrite = (resource: string, lane: Lane, label: string, after: number): SpanData | undefined => {
    const req = spans.filter((s) => s.name === 'request' && attr(s, 'resource') === resource && !attr(s, 'subresource') && ['create', 'update', 'patch'].includes(attr(s, 'verb') ?? '') && s.startMs >= after)
      .sort((a, b) => a.startMs - b.startMs)[0];
    if (!req) return undefined;
    const rec = req.parentSpanId ? byId.get(req.parentSpanId) : undefined;
    if (rec?.name === 'reconcile') out.push({ t: at(rec.startMs), from: 'API Server', to: lane, label: `watch ${lane === 'Deployment' ? 'Deployment' : 'RS'}` });
    out.push({ t: at(req.startMs), from: lane, to: 'API Server', label });
    apiWrite(req);
    return req;
  };
  let after = root.startMs;
  if (r.steps.some((s) => s.n === 7)) {
    const rs = controllerWrite('replicasets', 'Deployment', 'create ReplicaSet', after);
    if (rs) after = rs.startMs;
  }
  const crit = r.criticalPod;
  const podCreates = spans.filter((s) => s.name === 'request' && attr(s, 'verb') === 'create' && attr(s, 'resource') === 'pods' && !attr(s, 'subresource'));
  if (r.steps.some((s) => s.n === 8) && podCreates.length) {
    const first = podCreates.sort((a, b) => a.startMs - b.startMs)[0];
    const rec = first.parentSpanId ? byId.get(first.parentSpanId) : undefined;
    if (rec?.name === 'reconcile') out.push({ t: at(rec.startMs), from: 'API Server', to: 'ReplicaSet', label: 'watch RS' });
    out.push({ t: at(first.startMs), from: 'ReplicaSet', to: 'API Server', label: `create ${podCreates.length} Pod${podCreates.length === 1 ? '' : 's'}` });
    apiWrite(podCreates.find((p) => attr(p, 'name') === crit) ?? first);
  }
  const sched = spans.find((s) => s.name === 'schedule' && attr(s, 'name') === crit && attr(s, 'node'));
  if (sched) {
    const q = kids(sched).find((k) => k.name === 'queue.wait');
    out.push({ t: at(q?.startMs ?? sched.startMs), from: 'API Server', to: 'Scheduler', label: 'watch unscheduled pod' });
    const f = kids(sched).find((k) => k.name === 'filter'), s = kids(sched).find((k) => k.name === 'score');
    if (f) out.push({ t: at(f.startMs), from: 'Scheduler', to: 'Scheduler', label: `filter ${fmtMs(f.endMs - f.startMs)}` });
    if (s) out.push({ t: at(s.startMs), from: 'Scheduler', to: 'Scheduler', label: `score ${fmtMs(s.endMs - s.startMs)}` });
    const bind = spans.find((x) => x.name === 'request' && attr(x, 'subresource') === 'binding' && attr(x, 'name') === crit);
    if (bind) {
      out.push({ t: at(bind.startMs), from: 'Scheduler', to: 'API Server', label: `bind -> ${attr(sched, 'node')}` });
      out.push({ t: at(bind.endMs), from: 'API Server', to: 'storage', label: 'write' });
    }
  }
  const running = r.criticalSpans?.running ? byId.get(r.criticalSpans.running) : undefined;
  const sync = r.criticalSpans?.sync ? byId.get(r.criticalSpans.sync) : undefined;
  if (sync) {
    out.push({ t: at(sync.startMs), from: 'API Server', to: 'kubelet', label: 'watch pods (nodeName)' });
    for (const k of kids(sync).sort((a, b) => a.startMs - b.startMs)) {
      if (['pull', 'sandbox', 'create', 'start'].includes(k.name)) out.push({ t: at(k.startMs), from: 'kubelet', to: 'kubelet', label: `${k.name} ${fmtMs(k.endMs - k.startMs)}` });
    }
  }
  if (running) {
    const req = spans.find((s) => s.parentSpanId === running.spanId && s.name === 'request');
    out.push({ t: at(running.startMs), from: 'kubelet', to: 'API Server', label: 'status Running' });
    if (req) apiWrite(req);
  }
  return out.sort((a, b) => a.t - b.t);
}

export function renderDiagram(r: StepReport, spans: SpanData[]): string {
  const head1 = canvas(), head2 = canvas();
  for (let i = 0; i < LANES.length; i++) {
    const name = i === 2 ? (r.storageDriver ?? 'storage') : LANES[i];
    put(head1, Math.max(0, center(i) - Math.floor(name.length / 2)), name);
    if (LANES2[i]) put(head2, center(i) - Math.floor(LANES2[i].length / 2), LANES2[i]);
  }
  const pad = ' '.repeat(11);
  const lines = [pad + head1.join('').replace(/\s+$/, ''), pad + head2.join('').replace(/\s+$/, '')];
  for (const row of rows(r, spans)) lines.push(`${('+' + fmtMs(row.t)).padStart(10)} ${drawRow(row)}`);
  return lines.join('\n');
}

export function renderSteps(r: StepReport): string {
  const lines: string[] = [];
  for (const s of r.steps) {
    lines.push(`${String(s.n).padStart(3)}  ${s.title.padEnd(54)} ${('+' + fmtMs(s.startMs)).padStart(10)}  ${fmtMs(s.durationMs).padStart(9)}${s.missing ? `   (not measured: ${s.missing})` : ''}`);
    const parts = s.parts.filter((p) => p.ms >= 0.005);
    if (parts.length > 1 || (parts.length === 1 && s.n >= 7)) lines.push(`       ${parts.map((p) => `${p.name} ${fmtMs(p.ms)}`).join(' | ')}`);
  }
  return lines.join('\n');
}

export function renderBreakdown(r: StepReport): string {
  const lines = ['Time breakdown (measured):'];
  for (const g of timeBreakdown(r)) lines.push(`- ${g.label.padEnd(54)} ${fmtMs(g.ms).padStart(9)}`);
  const sum = r.steps.reduce((m, s) => m + s.durationMs, 0);
  const end = r.steps.some((s) => s.n === 10) ? "the last pod's Running status write" : 'the response';
  lines.push(`Total from the API server receiving the ${r.root?.verb ?? 'request'} to ${end}: ${fmtMs(r.totalMs)} (steps add up to ${fmtMs(sum)})`);
  if (r.pods.length > 1) {
    lines.push('', `Pods (critical path: ${r.criticalPod ?? 'none Running yet'}):`);
    for (const p of [...r.pods].sort((a, b) => (a.runningMs ?? Infinity) - (b.runningMs ?? Infinity))) {
      lines.push(`  ${p.name.padEnd(40)} ${(p.node ?? '-').padEnd(12)} scheduled ${p.scheduleMs === undefined ? '-' : fmtMs(p.scheduleMs)}, kubelet ${p.kubeletMs === undefined ? '-' : fmtMs(p.kubeletMs)}, Running at ${p.runningMs === undefined ? '-' : '+' + fmtMs(p.runningMs)}${p.simulated ? ' (simulated node)' : ''}`);
    }
  }
  return lines.join('\n');
}

/** The whole report, as `skiff trace` prints it. */
export function renderReport(title: string, r: StepReport, spans: SpanData[]): string {
  return [
    `${title}   trace ${r.traceId} (${r.spans} spans)${r.complete ? '' : '   [incomplete]'}`,
    '',
    renderSteps(r),
    '',
    renderDiagram(r, spans),
    '',
    renderBreakdown(r),
    '',
  ].join('\n');
}
