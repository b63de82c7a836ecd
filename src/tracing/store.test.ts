import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStore } from './store.js';
import type { SpanData } from './span.js';

const span = (traceId: string, i: number, parent?: string): SpanData => ({
  traceId: traceId.padStart(32, '0'), spanId: String(i).padStart(16, '0'), ...(parent ? { parentSpanId: parent } : {}), name: `s${i}`, service: 'test', kind: 1,
  startMs: 1000 - i, endMs: 1001, attributes: {}, events: [],
});

test('span store: indexed by trace, sorted by start', () => {
  const s = new SpanStore({ maxSpans: 100 });
  s.add(span('a', 1)); s.add(span('b', 2)); s.add(span('a', 3));
  assert.deepEqual(s.get('a'.padStart(32, '0')).map((x) => x.name), ['s3', 's1']);
  assert.equal(s.get('f'.padStart(32, '0')).length, 0);
  assert.equal(s.size, 3);
  assert.equal(s.traceCount, 2);
});

test('span store: full, it drops whole traces, oldest first', () => {
  const s = new SpanStore({ maxSpans: 5 });
  for (let i = 0; i < 3; i++) s.add(span('a', i));
  for (let i = 3; i < 5; i++) s.add(span('b', i));
  s.add(span('c', 5)); // 6 > 5: trace a (3 spans) goes
  assert.equal(s.get('a'.padStart(32, '0')).length, 0);
  assert.equal(s.get('b'.padStart(32, '0')).length, 2);
  assert.equal(s.size, 3);
  assert.deepEqual(s.recent(10).map((t) => t.traceId[31]), ['c', 'b']);
});

test('span store: one trace over the limit keeps its newest spans', () => {
  const s = new SpanStore({ maxSpans: 3 });
  for (let i = 0; i < 5; i++) s.add(span('a', i));
  assert.equal(s.size, 3);
  assert.deepEqual(s.get('a'.padStart(32, '0')).map((x) => x.name).sort(), ['s2', 's3', 's4']);
});
