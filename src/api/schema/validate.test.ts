import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAgainstSchema, allErrors } from './validate.js';
import { define } from './registry.js';
import { obj, str, int32, int64, arr, mapOf, ref, enumStr, bool, quantity, intOrString, anyObject, setOf } from './builders.js';
import { fieldErrorText } from '../../machinery/field-errors.js';
import { kindDef } from '../meta/kind.js';

define('test.v1.WidgetSpec', obj({
  replicas: { ...int32(), minimum: 0 },
  size: int64(),
  mode: enumStr(['Fast', 'Slow']),
  name: { ...str(), pattern: '^[a-z]+$', maxLength: 5 },
  ports: arr(obj({ name: str(), port: int32() }, { required: ['port'] }), { mergeKey: 'name' }),
  tags: setOf(str()),
  limits: mapOf(quantity()),
  target: intOrString(),
  extra: anyObject(),
  enabled: bool(),
  embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
}, { required: ['mode'] }));
define('test.v1.Widget', kindDef('test.example.com', 'v1', 'Widget', { spec: ref('test.v1.WidgetSpec') }));
const W = { $ref: 'test.v1.Widget' };

const base = () => ({ apiVersion: 'test.example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { mode: 'Fast' } as any });

test('a valid object has no errors and no unknown fields', () => {
  const o = base();
  Object.assign(o.spec, { replicas: 3, size: 2 ** 40, ports: [{ name: 'a', port: 80 }], limits: { cpu: '100m', memory: 1024 }, target: '50%', extra: { any: { thing: 1 } }, enabled: true });
  const r = validateAgainstSchema(o, W, { unknownFields: 'Strict' });
  assert.deepEqual(r, { errors: [], typeErrors: [], unknown: [] });
});

test('type errors read as the apiserver reports them', () => {
  const o = base();
  o.spec.replicas = 'three';
  const r = validateAgainstSchema(o, W, { unknownFields: 'Ignore' });
  assert.equal(r.typeErrors.length, 1);
  assert.equal(fieldErrorText(r.typeErrors[0]), 'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
  assert.equal(r.typeErrors[0].goType, 'int32');
  assert.equal(r.typeErrors[0].goField, 'WidgetSpec.spec.replicas');
});

test('int32 range, minimum, enum, pattern, maxLength, required', () => {
  const o = base();
  Object.assign(o.spec, { replicas: -1, mode: 'Medium', name: 'ABCDEFG' });
  delete o.spec.mode; o.spec.mode = 'Medium';
  const r = validateAgainstSchema(o, W, { unknownFields: 'Ignore' });
  const texts = r.errors.map(fieldErrorText);
  assert.ok(texts.includes('spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0'), texts.join('\n'));
  assert.ok(texts.includes('spec.mode: Unsupported value: "Medium": supported values: "Fast", "Slow"'));
  assert.ok(texts.includes('spec.name: Too long: may not be longer than 5'));
  assert.ok(texts.includes("spec.name: Invalid value: \"ABCDEFG\": spec.name in body should match '^[a-z]+$'"));
  const o2 = base(); delete o2.spec.mode; o2.spec.replicas = 2 ** 31;
  const r2 = validateAgainstSchema(o2, W, { unknownFields: 'Ignore' });
  assert.deepEqual(r2.errors.map(fieldErrorText), ['spec.mode: Required value']);
  assert.equal(r2.typeErrors[0].detail, 'spec.replicas in body must be of type int32: "2147483648"');
});

test('unknown fields are reported with Kubernetes paths; preserve-unknown and embedded resources are respected', () => {
  const o = base() as any;
  o.spec.foo = 1;
  o.spec.ports = [{ name: 'a', port: 1, bar: true }];
  o.spec.extra = { whatever: 1 };
  o.spec.embedded = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', bogus: 1 }, spec: {} };
  o.metadata.nope = 'x';
  o.top = 1;
  const r = validateAgainstSchema(o, W, { unknownFields: 'Strict' });
  assert.deepEqual(r.unknown.sort(), ['metadata.nope', 'spec.embedded.metadata.bogus', 'spec.foo', 'spec.ports[0].bar', 'top']);
  assert.deepEqual(validateAgainstSchema(o, W, { unknownFields: 'Ignore' }).unknown, []);
});

test('int-or-string and Quantity', () => {
  const o = base();
  o.spec.target = true; o.spec.limits = { cpu: 'lots' };
  const r = validateAgainstSchema(o, W, { unknownFields: 'Ignore' });
  assert.equal(r.typeErrors.length, 2);
  assert.match(r.typeErrors.map((e) => e.detail).join('\n'), /spec.target in body must be of type integer-or-string: "boolean"/);
  assert.match(r.typeErrors.map((e) => e.detail).join('\n'), /quantities must match the regular expression/);
});

test('custom resources: list-type uniqueness, null on non-nullable, embedded apiVersion/kind', () => {
  const o = base();
  o.spec.ports = [{ name: 'a', port: 1 }, { name: 'a', port: 2 }];
  o.spec.tags = ['x', 'y', 'x'];
  o.spec.enabled = null;
  o.spec.embedded = { metadata: {} };
  const r = validateAgainstSchema(o, W, { unknownFields: 'Ignore', custom: true });
  const texts = allErrors(r).map(fieldErrorText);
  assert.ok(texts.includes('spec.ports[1]: Duplicate value: {"name":"a"}'), texts.join('\n'));
  assert.ok(texts.includes('spec.tags[2]: Duplicate value: "x"'));
  assert.ok(texts.includes('spec.enabled: Invalid value: "null": spec.enabled in body must be of type boolean: "null"'));
  assert.ok(texts.includes('spec.embedded.apiVersion: Required value: must not be empty'));
  // Built-in kinds: the same duplicates are the kind's own business, null is absent.
  const b = validateAgainstSchema(o, W, { unknownFields: 'Ignore' });
  assert.deepEqual(allErrors(b), []);
});

test('allOf/anyOf/oneOf/not', () => {
  const s = { type: 'object' as const, properties: {
    a: { oneOf: [{ type: 'string' as const }, { type: 'integer' as const }] },
    b: { anyOf: [{ type: 'string' as const, pattern: '^x' }, { type: 'string' as const, pattern: '^y' }] },
    c: { type: 'string' as const, not: { enum: ['bad'] } },
  } };
  assert.deepEqual(allErrors(validateAgainstSchema({ a: 1, b: 'yes', c: 'ok' }, s, { unknownFields: 'Strict', custom: true })), []);
  const texts = allErrors(validateAgainstSchema({ a: true, b: 'no', c: 'bad' }, s, { unknownFields: 'Strict', custom: true })).map(fieldErrorText);
  assert.deepEqual(texts, [
    'a: Invalid value: true: a must validate one and only one schema (oneOf)',
    'b: Invalid value: "no": b must validate at least one schema (anyOf)',
    'c: Invalid value: "bad": c in body must not validate the schema (not)',
  ]);
});

test('compiled validators are reused and fast enough', () => {
  const o = base();
  Object.assign(o.spec, { replicas: 3, ports: Array.from({ length: 20 }, (_, i) => ({ name: `p${i}`, port: i })) });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 20000; i++) validateAgainstSchema(o, W, { unknownFields: 'Strict' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 5000, `20000 validations took ${ms}ms`);
});
