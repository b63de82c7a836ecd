/**
 * @module apiserver/endpoints/protobuf/protobuf.test
 * Decoding real kubectl 1.33 protobuf bodies (fixtures/) against the JSON kubectl 1.27 sends for the
 * same command, plus hand-built messages for the special types and for malformed input.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeKubernetesProtobuf } from './index.js';
import { formatDuration } from './wellknown.js';

// dist/src/... -> src/... (fixtures are not copied by tsc)
const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here.replace(`${path.sep}dist${path.sep}`, path.sep), 'fixtures');

// ---- a tiny protobuf encoder for building test bodies ----
type Part = Buffer;
function varint(v: bigint | number): Buffer {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do { let b = Number(x & 0x7fn); x >>= 7n; if (x) b |= 0x80; out.push(b); } while (x);
  return Buffer.from(out);
}
const key = (n: number, wire: number) => varint((n << 3) | wire);
const int = (n: number, v: bigint | number): Part => Buffer.concat([key(n, 0), varint(v)]);
const bytes = (n: number, b: Buffer | string): Part => { const x = Buffer.from(b); return Buffer.concat([key(n, 2), varint(x.length), x]); };
const msg = (n: number, ...parts: Part[]): Part => bytes(n, Buffer.concat(parts));
const entry = (n: number, k: string, v: Part) => msg(n, bytes(1, k), v);
function body(apiVersion: string, kind: string, ...raw: Part[]): Buffer {
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg(1, bytes(1, apiVersion), bytes(2, kind)), msg(2, ...raw), bytes(3, ''), bytes(4, '')]);
}

/** Go's JSON for zero Time / nil pointers is `null`, for unset non-omitempty strings `""`: both mean "absent". */
function dropNullish(v: any): any {
  if (Array.isArray(v)) return v.map(dropNullish);
  if (v && typeof v === 'object') {
    const out: any = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== '') out[k] = dropNullish(x);
    return out;
  }
  return v;
}

test('kubectl 1.33 protobuf bodies decode to what kubectl 1.27 sends as JSON', () => {
  const names = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.kubectl-1.33.bin')).map((f) => f.replace('.kubectl-1.33.bin', ''));
  assert.ok(names.length >= 15, `fixtures found in ${FIXTURES}`);
  for (const name of names) {
    const got = decodeKubernetesProtobuf(fs.readFileSync(path.join(FIXTURES, `${name}.kubectl-1.33.bin`)));
    const want = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.kubectl-1.27.json`), 'utf8'));
    assert.deepEqual(got.object, dropNullish(want), name);
    assert.equal(got.kind, want.kind);
    assert.equal(got.apiVersion, want.apiVersion);
    assert.deepEqual(got.unknownFields, [], name);
  }
});

const META = (...p: Part[]) => msg(1, ...p);

test('IntOrString, Quantity, bytes maps, negative int32, Time', () => {
  const svc = decodeKubernetesProtobuf(body('v1', 'Service', META(bytes(1, 's')),
    msg(2, msg(1, bytes(1, 'a'), int(3, 80), msg(4, int(1, 1), int(2, 0), bytes(3, 'http'))), msg(1, int(3, 81), msg(4, int(1, 0), int(2, 8081))))));
  assert.deepEqual(svc.object.spec.ports, [{ name: 'a', port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }]);

  const pc = decodeKubernetesProtobuf(body('scheduling.k8s.io/v1', 'PriorityClass', META(bytes(1, 'low'), msg(8, int(1, 1704164645), int(2, 0))), int(2, -5)));
  assert.equal(varint(-5).length, 10);
  assert.deepEqual(pc.object, { kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', metadata: { name: 'low', creationTimestamp: '2024-01-02T03:04:05Z' }, value: -5 });

  const sec = decodeKubernetesProtobuf(body('v1', 'Secret', META(bytes(1, 's'), msg(8)), entry(2, 'k', bytes(2, Buffer.from([0, 255]))), entry(2, 'empty', Buffer.alloc(0))));
  assert.deepEqual(sec.object.data, { k: 'AP8=', empty: '' });
  assert.deepEqual(sec.object.metadata, { name: 's' }, 'a zero Time is left out');

  const rq = decodeKubernetesProtobuf(body('v1', 'ResourceQuota', META(bytes(1, 'q')), msg(2, entry(1, 'cpu', msg(2, bytes(1, '500m'))))));
  assert.deepEqual(rq.object.spec, { hard: { cpu: '500m' } });
});

test('inline structs, empty pointer messages, RawExtension, FieldsV1, MicroTime, packed ints', () => {
  const pod = decodeKubernetesProtobuf(body('v1', 'Pod', META(bytes(1, 'p')), msg(2,
    msg(1, bytes(1, 'v'), msg(2, msg(2))), // volumes[0]: { name, volumeSource: { emptyDir: {} } }
    msg(2, bytes(1, 'c'), int(16, 0), msg(10, msg(1, msg(2, bytes(1, '/x'), msg(2, int(1, 1), bytes(3, 'web')))), int(4, 0))), // stdin false, periodSeconds 0: dropped
  )));
  assert.deepEqual(pod.object.spec.volumes, [{ name: 'v', emptyDir: {} }]);
  assert.deepEqual(pod.object.spec.containers, [{ name: 'c', livenessProbe: { httpGet: { path: '/x', port: 'web' } } }]);

  const cr = decodeKubernetesProtobuf(body('apps/v1', 'ControllerRevision',
    META(bytes(1, 'r'), msg(17, bytes(1, 'kubectl'), bytes(2, 'Update'), msg(4, int(1, 1704164645), int(2, 123456789)), bytes(6, 'FieldsV1'), msg(7, bytes(1, '{"f:data":{}}')))),
    msg(2, bytes(1, '{"a":[1,2]}')), int(3, 7)));
  assert.deepEqual(cr.object.metadata.managedFields, [{ manager: 'kubectl', operation: 'Update', time: '2024-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }]);
  assert.deepEqual(cr.object.data, { a: [1, 2] });
  assert.equal(cr.object.revision, 7);

  const lease = decodeKubernetesProtobuf(body('coordination.k8s.io/v1', 'Lease', META(bytes(1, 'l')), msg(2, bytes(1, 'me'), msg(3, int(1, 1704164645), int(2, 5000)))));
  assert.equal(lease.object.spec.acquireTime, '2024-01-02T03:04:05.000005Z');

  // PodFailurePolicyOnExitCodesRequirement.values, packed and unpacked
  const packed = Buffer.concat([varint(1), varint(-1), varint(300)]);
  const job = decodeKubernetesProtobuf(body('batch/v1', 'Job', META(bytes(1, 'j')), msg(2, msg(11, msg(1, bytes(1, 'FailJob'), msg(2, bytes(2, 'In'), bytes(3, packed), int(3, 4)))))));
  assert.deepEqual(job.object.spec.podFailurePolicy.rules[0].onExitCodes.values, [1, -1, 300, 4]);
});

test('Go duration strings', () => {
  const cases: Array<[bigint, string]> = [[0n, '0s'], [3n, '3ns'], [1500n, '1.5µs'], [2_000_000n, '2ms'], [1_500_000_000n, '1.5s'],
    [3_723_500_000_000n, '1h2m3.5s'], [60_000_000_000n, '1m0s'], [3_600_000_000_000n, '1h0m0s'], [-90_000_000_000n, '-1m30s']];
  for (const [ns, s] of cases) assert.equal(formatDuration(ns), s);
});

test('unknown field numbers are recorded, not fatal', () => {
  const r = decodeKubernetesProtobuf(body('v1', 'ConfigMap', META(bytes(1, 'c'), int(99, 1)), entry(2, 'a', bytes(2, 'b')), bytes(42, 'x')));
  assert.deepEqual(r.object, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c' }, data: { a: 'b' } });
  assert.deepEqual(r.unknownFields.sort(), ['#42', 'metadata.#99']);
});

test('bad input is refused with a clear Error', () => {
  const bad: Array<[Buffer, RegExp]> = [
    [Buffer.from('{"kind":"Pod"}'), /prefix/],
    [Buffer.from('k8s'), /prefix/],
    [Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x50])]), /runs past the end/],
    [body('v1', '', META()), /no kind/],
    [body('example.com/v1', 'Widget'), /no protobuf schema/],
    [body('v1', 'ConfigMap', int(1, 5)), /metadata.*wire type/],
    [body('v1', 'ConfigMap', Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), /varint/],
    [body('v1', 'Pod', Buffer.from([0x0b])), /wire type 3/],
  ];
  for (const [b, re] of bad) assert.throws(() => decodeKubernetesProtobuf(b), re);

  // RawExtensions nesting k8s objects without end: bounded.
  let inner = body('apps/v1', 'ControllerRevision', META(bytes(1, 'r')));
  for (let i = 0; i < 80; i++) inner = body('apps/v1', 'ControllerRevision', msg(2, bytes(1, inner)));
  assert.throws(() => decodeKubernetesProtobuf(inner), /nesting deeper/);
});

test('random garbage never crashes the decoder', () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const good = fs.readFileSync(path.join(FIXTURES, 'deployment.kubectl-1.33.bin'));
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(good);
    for (let j = 0; j < 1 + Math.floor(rnd() * 4); j++) b[4 + Math.floor(rnd() * (b.length - 4))] = Math.floor(rnd() * 256);
    const cut = rnd() < 0.3 ? b.subarray(0, 4 + Math.floor(rnd() * (b.length - 4))) : b;
    try { decodeKubernetesProtobuf(cut); } catch (e) { assert.ok(e instanceof Error && /^protobuf: /.test(e.message), String(e)); }
  }
});
