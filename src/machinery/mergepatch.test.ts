import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch, createMergePatch } from './mergepatch.js';

test('RFC 7386 appendix A examples', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }], [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }], [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }], [{ a: ['b'] }, { a: 'c' }, { a: 'c' }], [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }], [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']], [{ a: 'b' }, ['c'], ['c']], [{ a: 'foo' }, null, null], [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }], [[1, 2], { a: 'b', c: null }, { a: 'b' }], [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [t, p, want] of cases) assert.deepEqual(applyMergePatch(t, p), want, JSON.stringify([t, p]));
});

test('never mutates or aliases its inputs', () => {
  const t = { a: { b: 1 }, keep: { deep: [1] } }, p = { a: { c: { d: 1 } } };
  const out = applyMergePatch(t, p) as any;
  out.keep.deep.push(2); out.a.c.d = 9;
  assert.deepEqual(t, { a: { b: 1 }, keep: { deep: [1] } });
  assert.deepEqual(p, { a: { c: { d: 1 } } });
});

test('createMergePatch round trips', () => {
  const a = { metadata: { labels: { x: '1', y: '2' } }, spec: { replicas: 1, list: [1, 2] } };
  const b = { metadata: { labels: { x: '1', z: '3' } }, spec: { replicas: 2, list: [2] }, status: {} };
  const p = createMergePatch(a, b);
  assert.deepEqual(p, { metadata: { labels: { y: null, z: '3' } }, spec: { replicas: 2, list: [2] }, status: {} });
  assert.deepEqual(applyMergePatch(a, p), b);
  assert.deepEqual(createMergePatch(a, a), {});
});
