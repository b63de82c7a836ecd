import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schedulingDecision } from './scheduling.js';
import { serviceDNSNames } from './dns.js';
import type { Span } from './timeline.js';

const ev = (name: string, attributes: Record<string, unknown>) => ({ name, timeUnixNano: '1', attributes });

test('the schedule span gives each node its filter verdict or scores', () => {
  const spans: Span[] = [{
    traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'schedule', service: 'kube-scheduler', startTimeUnixNano: '0', endTimeUnixNano: '5',
    events: [
      ev('filter', { node: 'sim-3', plugin: 'NodeResourcesFit', reason: 'Insufficient cpu' }),
      ev('score', { node: 'sim-1', plugin: 'NodeResourcesFit', score: 80 }), ev('score', { node: 'sim-1', plugin: 'ImageLocality', score: 0 }),
      ev('score', { node: 'sim-2', plugin: 'NodeResourcesFit', score: 95 }),
      ev('total', { node: 'sim-1', score: 80 }), ev('total', { node: 'sim-2', score: 95 }),
    ],
  }];
  const d = schedulingDecision({ spec: { nodeName: 'sim-2' } }, spans, [{ reason: 'Scheduled', note: 'Successfully assigned doctor-app/x to sim-2', type: 'Normal' }]);
  assert.equal(d.source, 'trace');
  assert.deepEqual(d.nodes.map((n) => [n.node, n.total, n.chosen, n.rejected?.plugin]), [['sim-2', 95, true, undefined], ['sim-1', 80, false, undefined], ['sim-3', undefined, false, 'NodeResourcesFit']]);
  assert.equal(d.nodes[1]!.scores.length, 2);
  assert.equal(d.messages[0]!.message, 'Successfully assigned doctor-app/x to sim-2');
});

test('without a trace, the events are the fallback', () => {
  const d = schedulingDecision({ spec: {} }, [], [{ reason: 'FailedScheduling', message: '0/3 nodes are available: 3 Insufficient cpu.', type: 'Warning' }, { reason: 'Pulled', message: 'x' }]);
  assert.equal(d.source, 'events');
  assert.deepEqual(d.messages, [{ reason: 'FailedScheduling', message: '0/3 nodes are available: 3 Insufficient cpu.', type: 'Warning' }]);
  assert.equal(schedulingDecision({}, [], []).source, 'none');
});

test('DNS names of a ClusterIP Service and of a headless StatefulSet Service', () => {
  const svc = { metadata: { name: 'doctor-backend', namespace: 'doctor-app' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 8000, protocol: 'TCP' }] } };
  const names = serviceDNSNames(svc, []);
  assert.deepEqual(names.map((n) => n.name), ['doctor-backend.doctor-app.svc.cluster.local', 'doctor-backend.doctor-app.svc', 'doctor-backend.doctor-app', 'doctor-backend', '_http._tcp.doctor-backend.doctor-app.svc.cluster.local']);
  assert.equal(names[0]!.points, '10.96.0.20');
  const pg = { metadata: { name: 'postgres', namespace: 'doctor-app' }, spec: { clusterIP: 'None', ports: [{ port: 5432 }] } };
  const slices = [{ endpoints: [{ addresses: ['10.244.1.5'], hostname: 'postgres-0', conditions: { ready: true } }, { addresses: ['10.244.2.5'], hostname: 'postgres-1', conditions: { ready: false } }] }];
  const h = serviceDNSNames(pg, slices);
  assert.equal(h[0]!.points, '10.244.1.5');
  assert.ok(h.some((n) => n.name === 'postgres-0.postgres.doctor-app.svc.cluster.local' && n.points === '10.244.1.5'));
  assert.ok(h.some((n) => n.name === 'postgres-1.postgres.doctor-app.svc.cluster.local'));
  const ext = serviceDNSNames({ metadata: { name: 'db', namespace: 'x' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } }, []);
  assert.deepEqual([ext[0]!.type, ext[0]!.points], ['CNAME', 'db.example.com']);
});

test('the scheduler\'s own event form: filter verdicts, score events with total and score.<Plugin>, picked by pod', () => {
  const sched = (name: string, events: any[]): Span => ({ traceId: 'a'.repeat(32), spanId: name.padEnd(16, '0'), name: 'schedule', service: 'kube-scheduler', startTimeUnixNano: '0', endTimeUnixNano: '5', attributes: { namespace: 'doctor-app', name, node: 'sim-2' }, events });
  const spans = [
    sched('web-a', [ev('filter', { node: 'sim-1', verdict: 'passed' }), ev('score', { node: 'sim-1', total: 10, 'score.NodeResourcesFit': 10 })]),
    sched('web-b', [
      ev('filter', { node: 'sim-1', verdict: 'passed' }), ev('filter', { node: 'sim-2', verdict: 'passed' }),
      ev('filter', { node: 'sim-3', verdict: 'rejected', plugin: 'TaintToleration', reason: 'node(s) had untolerated taint' }),
      ev('score', { node: 'sim-1', total: 150, 'score.NodeResourcesFit': 50, 'score.ImageLocality': 0 }),
      ev('score', { node: 'sim-2', total: 190, 'score.NodeResourcesFit': 90, 'score.ImageLocality': 0 }),
    ]),
  ];
  const d = schedulingDecision({ metadata: { namespace: 'doctor-app', name: 'web-b' }, spec: { nodeName: 'sim-2' } }, spans, []);
  assert.equal(d.source, 'trace');
  assert.deepEqual(d.nodes.map((n) => [n.node, n.total, n.chosen, n.rejected?.plugin]), [['sim-2', 190, true, undefined], ['sim-1', 150, false, undefined], ['sim-3', undefined, false, 'TaintToleration']]);
  assert.deepEqual(d.nodes[0]!.scores, [{ plugin: 'NodeResourcesFit', score: 90 }, { plugin: 'ImageLocality', score: 0 }]);
  // Another pod of the same trace gets its own span, not the last one.
  assert.deepEqual(schedulingDecision({ metadata: { namespace: 'doctor-app', name: 'web-a' }, spec: { nodeName: 'sim-1' } }, spans, []).nodes.map((n) => n.node), ['sim-1']);
});
