import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromOTLP, toOTLP, toTraceSpan, fromTraceSpan } from './otlp.js';
import { msToNanos, nanosToMs, type SpanData } from './span.js';

const s: SpanData = {
  traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), parentSpanId: 'ef'.repeat(8), name: 'schedule', service: 'kube-scheduler', kind: 1,
  startMs: 1764412800123.456, endMs: 1764412800130.5, attributes: { node: 'n1', 'nodes.total': 3, ratio: 0.5, ok: true },
  events: [{ name: 'filter', timeMs: 1764412800125, attributes: { node: 'n2', verdict: 'rejected' } }], resource: { 'k8s.node.name': 'n1' },
};

test('nanoseconds as decimal strings, beyond 2^53', () => {
  assert.equal(msToNanos(1764412800123.456), '1764412800123456000');
  assert.equal(nanosToMs('1764412800123456000'), 1764412800123.456);
  assert.equal(nanosToMs('999'), 0.000999);
});

test('OTLP/JSON round-trip keeps IDs, times, typed attributes, events and the resource', () => {
  const body: any = toOTLP([s]);
  const rs = body.resourceSpans[0];
  assert.deepEqual(rs.resource.attributes.find((a: any) => a.key === 'service.name'), { key: 'service.name', value: { stringValue: 'kube-scheduler' } });
  const wire = rs.scopeSpans[0].spans[0];
  assert.equal(wire.startTimeUnixNano, '1764412800123456000');
  assert.deepEqual(wire.attributes.find((a: any) => a.key === 'nodes.total').value, { intValue: 3 });
  assert.deepEqual(wire.attributes.find((a: any) => a.key === 'ratio').value, { doubleValue: 0.5 });
  const back = fromOTLP(JSON.parse(JSON.stringify(body)));
  assert.equal(back.length, 1);
  assert.deepEqual({ ...back[0], startMs: Math.round(back[0].startMs * 1000), endMs: Math.round(back[0].endMs * 1000) },
    { ...s, startMs: Math.round(s.startMs * 1000), endMs: Math.round(s.endMs * 1000) });
});

test('OTLP: a body that is not an ExportTraceServiceRequest, or bad IDs, is refused', () => {
  assert.throws(() => fromOTLP({}), /resourceSpans/);
  assert.throws(() => fromOTLP({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '1' }] }] }] }), /hex/);
  assert.deepEqual(fromOTLP({ resourceSpans: [] }), []);
});

test('the /debug/skiff/traces span form round-trips', () => {
  const t = toTraceSpan(s);
  assert.equal(t.startTimeUnixNano, '1764412800123456000');
  assert.equal(t.events[0].timeUnixNano, '1764412800125000000');
  const b = fromTraceSpan(JSON.parse(JSON.stringify(t)));
  assert.equal(b.name, 'schedule');
  assert.equal(b.parentSpanId, s.parentSpanId);
  assert.ok(Math.abs(b.endMs - s.endMs) < 1e-3);
});
