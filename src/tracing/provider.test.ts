import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceFlags, context, trace } from '@opentelemetry/api';
import { tracer, setTracingEnabled, withTraceContext, currentSpanContext } from './provider.js';
import { installContextManager } from './context-manager.js';
import type { SpanData } from './span.js';

test('sampling follows the parent; a root starts a sampled trace; ended spans reach the sinks', () => {
  const t = tracer('test-service', { 'k8s.node.name': 'n1' });
  const got: SpanData[] = [];
  const remove = t.addSink((s) => got.push(s));
  const root = t.startChild('root', undefined);
  const child = t.startChild('child', root.spanContext(), { attributes: { a: 1 } });
  child.end();
  root.end();
  const unsampled = t.startChild('x', { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.NONE });
  assert.equal(unsampled.isRecording(), false);
  assert.equal(unsampled.spanContext().traceId, 'a'.repeat(32), 'the context goes on unsampled');
  unsampled.end();
  remove();
  assert.deepEqual(got.map((s) => s.name), ['child', 'root']);
  assert.equal(got[0].traceId, got[1].traceId);
  assert.equal(got[0].parentSpanId, got[1].spanId);
  assert.equal(got[0].service, 'test-service');
  assert.deepEqual(got[0].resource, { 'k8s.node.name': 'n1' });
  assert.ok(got[1].endMs >= got[1].startMs);
});

test('--tracing=false: spans record nothing', () => {
  const t = tracer('test-off');
  const got: SpanData[] = [];
  t.addSink((s) => got.push(s));
  setTracingEnabled(false);
  try {
    const s = t.startSpan('nothing');
    assert.equal(s.isRecording(), false);
    s.end();
  } finally { setTracingEnabled(true); }
  assert.equal(got.length, 0);
});

test('the active span follows awaits; withTraceContext covers synchronous calls', async () => {
  installContextManager();
  const t = tracer('test-ctx');
  const span = t.startSpan('outer');
  await context.with(trace.setSpan(context.active(), span), async () => {
    await new Promise((r) => setTimeout(r, 1));
    assert.equal(currentSpanContext()?.spanId, span.spanContext().spanId);
  });
  assert.equal(currentSpanContext(), undefined);
  const sc = { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: TraceFlags.SAMPLED };
  assert.equal(withTraceContext(sc, () => currentSpanContext()?.spanId), 'd'.repeat(16));
  assert.equal(currentSpanContext(), undefined);
  span.end();
});
