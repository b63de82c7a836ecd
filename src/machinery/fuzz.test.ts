/**
 * Property-style fuzzing with a seeded PRNG: parsers and patchers either return or throw a plain
 * Error (never a TypeError/RangeError), never mutate their inputs, and patch creation round-trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJSONPatch } from './jsonpatch.js';
import { applyMergePatch, createMergePatch } from './mergepatch.js';
import { applyStrategicMergePatch, createTwoWayMergePatch } from './strategicpatch/index.js';
import { parseSelector } from './labels.js';
import { parseFieldSelector } from './fields.js';
import { parseQuantity } from './quantity.js';
import { podSchema } from './strategicpatch/testschemas.test.js';

/** mulberry32: small, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const R = prng(20240601);
const int = (n: number) => Math.floor(R() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

const KEYS = ['a', 'b', 'c', 'name', '$patch', '$retainKeys', '$setElementOrder/a', '$deleteFromPrimitiveList/b', '__proto__', 'x/y', '~'];
function value(depth: number): unknown {
  const r = int(depth > 3 ? 5 : 8);
  switch (r) {
    case 0: return null;
    case 1: return int(5);
    case 2: return pick(['', 'x', 'delete', 'replace', 'merge', 'a']);
    case 3: return R() < 0.5;
    case 4: return pick([1.5, -0, 1e21]);
    case 5: case 6: { const o: Record<string, unknown> = {}; for (let i = int(4); i > 0; i--) Object.defineProperty(o, pick(KEYS), { value: value(depth + 1), enumerable: true, writable: true, configurable: true }); return o; }
    default: return Array.from({ length: int(4) }, () => value(depth + 1));
  }
}
const snapshot = (v: unknown) => JSON.stringify(v);

function expectPlainError(fn: () => unknown, what: string): void {
  try { fn(); } catch (e) {
    assert.ok(e instanceof Error, `${what}: threw a non-Error`);
    assert.ok(!(e instanceof TypeError) && !(e instanceof RangeError), `${what}: ${(e as Error).stack}`);
  }
}

test('random JSON patches, merge patches and strategic patches never crash or mutate', () => {
  for (let i = 0; i < 1500; i++) {
    const doc = value(0) as any;
    const base = typeof doc === 'object' && doc !== null ? doc : { a: doc };
    const ops = Array.from({ length: int(5) }, () => ({
      op: pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus']),
      path: pick(['', '/', '/a', '/a/0', '/a/-', '/b/c', '/x~1y', '/~0', '/a/-1', '/name']),
      from: pick(['/a', '/b', '/c/0', '/']),
      value: value(2),
    }));
    const patch = value(0);
    const before = [snapshot(base), snapshot(ops), snapshot(patch)];
    expectPlainError(() => applyJSONPatch(base, ops), `jsonpatch ${before[1]}`);
    expectPlainError(() => applyMergePatch(base, patch), 'mergepatch');
    expectPlainError(() => applyStrategicMergePatch(base, patch as object, podSchema), `smp ${before[0]} ${before[2]}`);
    expectPlainError(() => applyStrategicMergePatch(base, patch as object, undefined), 'smp (no schema)');
    expectPlainError(() => createTwoWayMergePatch(base, patch as object, podSchema), 'smp diff');
    assert.deepEqual([snapshot(base), snapshot(ops), snapshot(patch)], before, 'inputs unchanged');
  }
});

test('selector and quantity parsers return or throw plain Errors', () => {
  const alphabet = 'ab=!,() inotx<>0123456789.eEKMGiumn+-/\\ ';
  for (let i = 0; i < 4000; i++) {
    const s = Array.from({ length: int(14) }, () => pick([...alphabet])).join('');
    expectPlainError(() => parseSelector(s).matches({ a: '1', b: '' }), `labels ${s}`);
    expectPlainError(() => parseFieldSelector(s).matches({ a: '1' }), `fields ${s}`);
    expectPlainError(() => parseQuantity(s).toString(), `quantity ${s}`);
  }
  // A parsed selector prints to a string that parses to the same selector.
  for (const s of ['a in (x,y),!b,c', 'a=1,b!=2,c notin (q)', 'x>3,y<9']) assert.equal(parseSelector(parseSelector(s).toString()).toString(), parseSelector(s).toString());
});

/** Random documents without nulls, for round trips. */
function plain(depth: number): unknown {
  const r = int(depth > 2 ? 3 : 5);
  if (r === 0) return int(4);
  if (r === 1) return pick(['p', 'q', 'r']);
  if (r === 2) return R() < 0.5;
  if (r === 3) { const o: Record<string, unknown> = {}; for (let i = int(4); i > 0; i--) o[pick(['a', 'b', 'c', 'd'])] = plain(depth + 1); return o; }
  return Array.from({ length: int(3) }, () => plain(depth + 1));
}

test('merge patch round trip: apply(a, createMergePatch(a, b)) equals b', () => {
  for (let i = 0; i < 2000; i++) {
    const a = plain(0), b = plain(0);
    const A = typeof a === 'object' && a && !Array.isArray(a) ? a : { v: a };
    const B = typeof b === 'object' && b && !Array.isArray(b) ? b : { v: b };
    assert.deepEqual(applyMergePatch(A, createMergePatch(A, B)), B);
  }
});

/** Random pods in the schema's shape: unique merge keys, set lists without duplicates. */
function randomPod(): Record<string, unknown> {
  const sub = <T>(xs: T[]): T[] => xs.filter(() => R() < 0.5).sort(() => R() - 0.5);
  const maybe = (o: Record<string, unknown>) => { for (const k of Object.keys(o)) if (R() < 0.3) delete o[k]; return o; };
  const container = (name: string) => ({ name, ...maybe({
    image: pick(['nginx:1', 'nginx:2', 'busybox']), args: sub(['-a', '-b', '-c']),
    ports: sub([80, 443, 8080]).map((p) => maybe({ containerPort: p, protocol: pick(['TCP', 'UDP']) })).map((p) => ({ ...p, containerPort: (p as any).containerPort ?? 1 })).filter((p, i, all) => all.findIndex((q) => q.containerPort === p.containerPort) === i),
    env: sub(['A', 'B', 'C']).map((n) => ({ name: n, value: pick(['1', '2']) })),
    resources: maybe({ limits: maybe({ cpu: pick(['1', '500m']), memory: '1Gi' }) }),
  }) });
  return maybe({
    metadata: maybe({ name: 'p', labels: maybe({ app: pick(['web', 'db']), tier: 'fe', x: 'y' }), finalizers: sub(['f1', 'f2', 'f3']) }),
    spec: maybe({
      containers: sub(['app', 'side', 'log']).map(container),
      volumes: sub(['v1', 'v2']).map((n) => ({ name: n, ...(R() < 0.5 ? { emptyDir: {} } : { configMap: { name: pick(['c1', 'c2']) } }) })),
      tolerations: sub(['k1', 'k2']).map((k) => ({ key: k, operator: 'Exists' })),
      nodeSelector: maybe({ disk: 'ssd', zone: pick(['a', 'b']) }),
    }),
  });
}

test('strategic merge patch round trip: apply(a, createTwoWayMergePatch(a, b)) equals b', () => {
  for (let i = 0; i < 1500; i++) {
    const a = randomPod(), b = randomPod();
    const before = [snapshot(a), snapshot(b)];
    const p = createTwoWayMergePatch(a, b, podSchema);
    assert.deepEqual(applyStrategicMergePatch(a, p, podSchema), b, `a=${before[0]}\nb=${before[1]}\npatch=${JSON.stringify(p)}`);
    assert.deepEqual([snapshot(a), snapshot(b)], before);
  }
});
