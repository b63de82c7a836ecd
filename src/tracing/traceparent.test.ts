import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceFlags } from '@opentelemetry/api';
import { formatTraceparent, parseTraceparent, isSampled } from './traceparent.js';
import { objectSpanContext, shouldStamp, stampObject, isStampedResource, TRACEPARENT_ANNOTATION, MAX_OBJECTS_PER_TRACE, unstampObject } from './annotation.js';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('traceparent: parse and format round-trip (W3C examples)', () => {
  const sc = parseTraceparent(TP)!;
  assert.equal(sc.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(sc.spanId, '00f067aa0ba902b7');
  assert.ok(isSampled(sc));
  assert.equal(formatTraceparent(sc), TP);
  assert.equal(formatTraceparent({ ...sc, traceFlags: TraceFlags.NONE }), TP.slice(0, -2) + '00');
});

test('traceparent: malformed, all-zero IDs, version ff and extra fields on 00 are refused; later versions read', () => {
  for (const bad of [undefined, '', 'junk', TP.toUpperCase(), '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', 'ff' + TP.slice(2), TP + '-extra', TP.slice(0, -1)]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
  assert.equal(parseTraceparent('01' + TP.slice(2) + '-future')?.spanId, '00f067aa0ba902b7');
});

test('annotation: objects carry and give back their trace context', () => {
  const obj: any = { metadata: { name: 'x', annotations: { keep: 'me' } } };
  assert.equal(objectSpanContext(obj), undefined);
  stampObject(obj, parseTraceparent(TP)!);
  assert.equal(obj.metadata.annotations[TRACEPARENT_ANNOTATION], TP);
  assert.equal(obj.metadata.annotations.keep, 'me');
  assert.equal(objectSpanContext(obj)?.spanId, '00f067aa0ba902b7');
  assert.equal(objectSpanContext({ metadata: { annotations: { [TRACEPARENT_ANNOTATION]: 'garbage' } } }), undefined);
});

test('annotation: the server stamps unless the writer set a context of its own', () => {
  const old = { metadata: { annotations: { [TRACEPARENT_ANNOTATION]: TP } } };
  assert.ok(shouldStamp({ metadata: {} }, old), 'removed: stamp again');
  assert.ok(shouldStamp({ metadata: { annotations: { [TRACEPARENT_ANNOTATION]: TP } } }, old), 'carried over unchanged: stamp');
  const other = '00-11111111111111111111111111111111-2222222222222222-01';
  assert.ok(!shouldStamp({ metadata: { annotations: { [TRACEPARENT_ANNOTATION]: other } } }, old), 'the writer\'s own value is kept');
  assert.ok(shouldStamp({ metadata: {} }, null));
});

test('annotation: Leases and Events are never stamped', () => {
  assert.ok(!isStampedResource('coordination.k8s.io', 'leases'));
  assert.ok(!isStampedResource('', 'events'));
  assert.ok(!isStampedResource('events.k8s.io', 'events'));
  assert.ok(isStampedResource('apps', 'deployments'));
  assert.ok(isStampedResource('', 'pods'));
});

test('annotation: a trace that fans out records its first objects; later ones carry its id unsampled', () => {
  const sc = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: TraceFlags.SAMPLED };
  const stamped = Array.from({ length: MAX_OBJECTS_PER_TRACE + 3 }, () => { const o: any = { metadata: {} }; stampObject(o, sc); return objectSpanContext(o)!; });
  assert.ok(stamped.slice(0, MAX_OBJECTS_PER_TRACE).every(isSampled));
  assert.ok(stamped.slice(MAX_OBJECTS_PER_TRACE).every((c) => !isSampled(c) && c.traceId === sc.traceId));
  // Another trace has its own share.
  const other: any = { metadata: {} };
  stampObject(other, { ...sc, traceId: 'ef'.repeat(16) });
  assert.ok(isSampled(objectSpanContext(other)));
});

test('annotation: an untraced change removes an older change\'s context and nothing else', () => {
  const o: any = { metadata: { annotations: { a: 'b', [TRACEPARENT_ANNOTATION]: '00-' + 'ab'.repeat(16) + '-' + 'cd'.repeat(8) + '-01' } } };
  unstampObject(o);
  assert.deepEqual(o.metadata.annotations, { a: 'b' });
  const only: any = { metadata: { annotations: { [TRACEPARENT_ANNOTATION]: 'x' } } };
  unstampObject(only);
  assert.equal(only.metadata.annotations, undefined);
  const none: any = { metadata: {} };
  unstampObject(none);
  assert.deepEqual(none, { metadata: {} });
});
