import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTimeline, formatDuration, storyOf, type Span } from './timeline.js';
import { parseTraceparent, traceOf } from './traceparent.js';

const T = 'ab'.repeat(16);
const span = (id: string, parent: string | undefined, name: string, service: string, startMs: number, endMs: number, events: Span['events'] = []): Span => ({
  traceId: T, spanId: id.padStart(16, '0'), parentSpanId: parent?.padStart(16, '0'), name, service,
  // Real epochs: beyond 2^53 nanoseconds, so they must survive as BigInt.
  startTimeUnixNano: String(1_760_000_000_000_000_000n + BigInt(Math.round(startMs * 1e6))),
  endTimeUnixNano: String(1_760_000_000_000_000_000n + BigInt(Math.round(endMs * 1e6))), attributes: {}, events,
});

test('a trace across components becomes nested rows placed by time', () => {
  const spans = [
    span('3', '2', 'storage write', 'kube-apiserver', 4, 6),
    span('1', undefined, 'POST deployments', 'kube-apiserver', 0, 10),
    span('2', '1', 'admission', 'kube-apiserver', 1, 7, [{ name: 'plugin', timeUnixNano: String(1_760_000_000_000_000_000n + 2_000_000n), attributes: { name: 'LimitRanger' } }]),
    span('4', '9', 'reconcile', 'kube-controller-manager', 12, 20), // parent not in the trace: a root
  ];
  const t = buildTimeline(spans);
  assert.equal(t.durationMs, 20);
  assert.deepEqual(t.rows.map((r) => [r.span.name, r.depth]), [['POST deployments', 0], ['admission', 1], ['storage write', 2], ['reconcile', 0]]);
  const adm = t.rows[1]!;
  assert.equal(adm.offset, 0.05);
  assert.equal(adm.width, 0.3);
  assert.equal(adm.durationMs, 6);
  assert.equal(adm.events[0]!.atMs, 2);
  assert.equal(adm.events[0]!.offset, 0.1);
  assert.deepEqual(t.services, ['kube-apiserver', 'kube-controller-manager']);
});

test('empty and degenerate traces', () => {
  assert.deepEqual(buildTimeline([]).rows, []);
  const one = buildTimeline([span('1', undefined, 'x', 's', 5, 5)]);
  assert.equal(one.rows[0]!.width, 0);
  // A span that names itself as parent is still drawn once.
  const self = buildTimeline([span('1', '1', 'loop', 's', 0, 1)]);
  assert.equal(self.rows.length, 1);
});

test('durations read as people read them', () => {
  assert.equal(formatDuration(0.25), '250 µs');
  assert.equal(formatDuration(3.21), '3.2 ms');
  assert.equal(formatDuration(42.4), '42 ms');
  assert.equal(formatDuration(1420), '1.42 s');
});

test('traceparent: W3C form only', () => {
  assert.deepEqual(parseTraceparent(`00-${T}-00f067aa0ba902b7-01`), { traceId: T, spanId: '00f067aa0ba902b7', sampled: true });
  assert.equal(parseTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`), undefined);
  assert.equal(parseTraceparent('garbage'), undefined);
  assert.equal(parseTraceparent(`ff-${T}-00f067aa0ba902b7-01`), undefined);
  assert.equal(traceOf({ metadata: { annotations: { 'trace.skiff.dev/traceparent': `00-${T}-00f067aa0ba902b7-00` } } })?.sampled, false);
  assert.equal(traceOf({ metadata: {} }), undefined);
});

test('a pod\'s story in its Deployment\'s trace: the path to its create and what the create caused, not its siblings', () => {
  const spans = [
    span('1', undefined, 'request', 'kube-apiserver', 0, 10), // the Deployment's apply
    span('2', '1', 'storage.write', 'kube-apiserver', 5, 9),
    span('3', '2', 'watch.fanout', 'kube-apiserver', 8, 9),
    span('4', '1', 'reconcile', 'kube-controller-manager', 12, 40), // the Deployment controller
    span('5', '4', 'request', 'kube-apiserver', 13, 20), // the ReplicaSet's create
    span('6', '5', 'reconcile', 'kube-controller-manager', 21, 40), // the ReplicaSet controller
    span('7', '6', 'request', 'kube-apiserver', 22, 25), // this pod's create (the annotation's span)
    span('8', '6', 'request', 'kube-apiserver', 26, 29), // a sibling pod's create
    span('9', '7', 'schedule', 'kube-scheduler', 30, 35),
    span('a', '8', 'schedule', 'kube-scheduler', 31, 36),
    span('b', '7', 'sync', 'skiff-simulated-node', 37, 39),
    span('c', '7', 'authentication', 'kube-apiserver', 22, 23),
  ];
  const ids = storyOf(spans, '7'.padStart(16, '0')).map((s) => s.spanId.replace(/^0+/, ''));
  assert.deepEqual(ids, ['1', '2', '3', '4', '5', '6', '7', '9', 'b', 'c']);
  assert.equal(storyOf(spans, 'f'.repeat(16)).length, spans.length, 'a span not in the trace (yet): all of it');
});
