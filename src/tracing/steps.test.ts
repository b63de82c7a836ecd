import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleSteps, stepsFor, timeBreakdown } from './steps.js';
import { renderReport, fmtMs } from './render.js';
import type { SpanData } from './span.js';

const T = 'ab'.repeat(16);
let seq = 0;
/** A span at [start, end] ms after t0 = 1,000,000. */
function sp(name: string, service: string, start: number, end: number, parent?: SpanData, attributes: Record<string, string | number | boolean> = {}): SpanData {
  return { traceId: T, spanId: (++seq).toString(16).padStart(16, '0'), ...(parent ? { parentSpanId: parent.spanId } : {}), name, service, kind: 1,
    startMs: 1e6 + start, endMs: 1e6 + end, attributes, events: [] };
}
const api = 'kube-apiserver';

/** The doctor-backend Deployment's trace with round numbers: two pods, p2 on the critical path. */
function deploymentTrace(): SpanData[] {
  const s: SpanData[] = [];
  const add = (x: SpanData) => { s.push(x); return x; };
  const root = add(sp('request', api, 0, 10, undefined, { verb: 'create', resource: 'deployments', group: 'apps', namespace: 'doctor-app', code: 201 }));
  add(sp('authentication', api, 1, 2, root));
  add(sp('authorization', api, 2.5, 3, root));
  add(sp('admission/Priority', api, 3.5, 4, root, { phase: 'mutating' }));
  add(sp('validation', api, 4, 5, root));
  add(sp('admission/PodSecurity', api, 5, 6, root, { phase: 'validating' }));
  add(sp('storage.write', api, 7, 9, root, { driver: 'sqlite' }));
  const dRec = add(sp('reconcile', 'kube-controller-manager', 15, 40, root, { controller: 'deployment' }));
  const rsReq = add(sp('request', api, 20, 30, dRec, { verb: 'create', resource: 'replicasets', group: 'apps' }));
  const rsRec = add(sp('reconcile', 'kube-controller-manager', 35, 60, rsReq, { controller: 'replicaset' }));
  const pods: Record<string, { create: SpanData; bindAt: number; runAt: number }> = {};
  for (const [name, createAt, bindAt, runAt] of [['p1', 40, 70, 900], ['p2', 45, 80, 1000]] as const) {
    const c = add(sp('request', api, createAt, createAt + 5, rsRec, { verb: 'create', resource: 'pods', name }));
    pods[name] = { create: c, bindAt, runAt };
    const sch = add(sp('schedule', 'kube-scheduler', createAt + 7, bindAt + 1, c, { name, node: 'n1', 'nodes.evaluated': 1 }));
    add(sp('queue.wait', 'kube-scheduler', createAt + 7, createAt + 10, sch));
    add(sp('filter', 'kube-scheduler', createAt + 10, createAt + 12, sch));
    add(sp('score', 'kube-scheduler', createAt + 12, createAt + 13, sch));
    const b = add(sp('bind', 'kube-scheduler', createAt + 13, bindAt + 1, sch));
    add(sp('request', api, createAt + 14, bindAt, b, { verb: 'create', resource: 'pods', subresource: 'binding', name }));
    const sync = add(sp('sync', 'kubelet', bindAt + 10, runAt - 100, c, { name }));
    add(sp('pull', 'kubelet', bindAt + 10, bindAt + 300, sync));
    add(sp('sandbox', 'kubelet', bindAt + 300, bindAt + 500, sync));
    add(sp('create', 'kubelet', bindAt + 500, bindAt + 550, sync));
    add(sp('start', 'kubelet', bindAt + 550, bindAt + 600, sync));
    // The status manager writes apart from the sync, under the pod's own context.
    add(sp('status.write', 'kubelet', runAt - 20, runAt, c, { name, phase: 'Running' }));
  }
  return s;
}

test('steps for each kind', () => {
  assert.deepEqual(stepsFor('Deployment'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(stepsFor('Pod'), [1, 2, 3, 4, 5, 6, 9, 10]);
  assert.deepEqual(stepsFor('ConfigMap'), [1, 2, 3, 4, 5, 6]);
});

test('the ten steps are contiguous, on the critical path, and add up to the end-to-end time', () => {
  const r = assembleSteps('Deployment', deploymentTrace());
  assert.ok(r.complete);
  assert.equal(r.criticalPod, 'p2');
  const d = Object.fromEntries(r.steps.map((s) => [s.n, s.durationMs]));
  assert.deepEqual(d, { 1: 1, 2: 1, 3: 1, 4: 3, 5: 1, 6: 3, 7: 20, 8: 20, 9: 30, 10: 920 });
  assert.equal(r.totalMs, 1000);
  assert.equal(r.steps.reduce((m, s) => m + s.durationMs, 0), 1000);
  for (let i = 1; i < r.steps.length; i++) {
    const prev = r.steps[i - 1], cur = r.steps[i];
    if (cur.n === 5) continue; // validation sits inside step 4's window
    if (prev.n === 5) { assert.equal(cur.startMs, 7); continue; }
    assert.ok(Math.abs(prev.startMs + prev.durationMs - cur.startMs) < 1e-9, `step ${cur.n} starts where ${prev.n} ended`);
  }
  // Waiting belongs to the step that waits.
  const s7 = r.steps[6].parts;
  assert.deepEqual(s7.map((p) => [p.name.split(' ')[0], p.ms]), [['watch', 5], ['reconcile', 5], ['API', 10]]);
  const s9 = Object.fromEntries(r.steps[8].parts.map((p) => [p.name, p.ms]));
  assert.equal(s9['watch delivery to the scheduler'], 2);
  assert.equal(s9['scheduling queue wait'], 3);
  const s10 = Object.fromEntries(r.steps[9].parts.map((p) => [p.name, p.ms]));
  assert.equal(s10['watch delivery to the kubelet'], 10);
  assert.equal(s10['image pull'], 290);
  assert.equal(s10['status write (Running)'], 20);
  assert.equal(r.steps[9].parts.reduce((m, p) => m + p.ms, 0), 920);
  assert.deepEqual(timeBreakdown(r).map((g) => g.ms), [10, 40, 30, 920]);
  assert.equal(r.pods.length, 2);
});

test('missing spans are said, not invented', () => {
  const spans = deploymentTrace().filter((s) => !(s.name === 'status.write' && s.attributes.name === 'p2'));
  const partial = assembleSteps('Deployment', spans.filter((s) => s.name !== 'status.write'));
  assert.ok(!partial.complete);
  assert.match(partial.steps[9].missing ?? '', /Running/);
  // With p2 not Running yet, p1 is the critical path.
  assert.equal(assembleSteps('Deployment', spans).criticalPod, 'p1');
  assert.equal(assembleSteps('Deployment', []).steps.length, 0);
});

test('the renderer prints the steps, the diagram with the seed\'s lanes, and the time breakdown', () => {
  const spans = deploymentTrace();
  const out = renderReport('Deployment doctor-app/doctor-backend', assembleSteps('Deployment', spans), spans);
  for (const s of ['kubectl -> API server: request received', 'kubelet starts the containers, reports Running', 'Time breakdown (measured):',
    'Step 7-8 (controllers create ReplicaSet/Pods)', 'Total from the API server receiving the create', 'critical path: p2']) assert.ok(out.includes(s), s);
  const diagram = out.split('\n').filter((l) => /^\s+\+[\d.]+ (ms|s)\s+\|/.test(l));
  assert.ok(diagram.some((l) => l.includes('POST deployments')));
  assert.ok(diagram.some((l) => l.includes('<- create ReplicaSet')));
  assert.ok(diagram.some((l) => l.includes('create 2 Pods')));
  assert.ok(diagram.some((l) => l.includes('bind -> n1')));
  assert.ok(diagram.some((l) => l.includes('[pull 290 ms]')));
  assert.ok(diagram.some((l) => l.includes('status Running')));
  // Rows in time order.
  const times = diagram.map((l) => { const m = /\+([\d.]+) (ms|s)/.exec(l)!; return Number(m[1]) * (m[2] === 's' ? 1000 : 1); });
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  assert.equal(fmtMs(1234), '1.23 s');
  assert.equal(fmtMs(0.4), '0.40 ms');
});
