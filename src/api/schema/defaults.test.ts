import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, defaultObject, hasDefaults } from './defaults.js';
import { definition } from './registry.js';
import '../index.js';
import { pruneUnknownFields } from './prune.js';
import { define, registerResource, unregisterResource } from './registry.js';
import { obj, str, int32, arr, ref, withDefault, anyObject } from './builders.js';

define('test.defaults.Port', obj({ protocol: withDefault(str(), 'TCP'), port: int32() }));
define('test.defaults.Spec', obj({
  replicas: withDefault(int32(), 1),
  strategy: obj({ type: withDefault(str(), 'RollingUpdate') }),
  ports: arr(ref('test.defaults.Port')),
  labels: withDefault({ type: 'object', additionalProperties: str() }, { app: 'x' }),
  extra: anyObject(),
}));
const S = obj({ spec: ref('test.defaults.Spec') });

test('defaults apply to absent fields where the parent exists', () => {
  const o: any = { spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] } };
  applyDefaults(o, S);
  assert.equal(o.spec.replicas, 1);
  assert.equal(o.spec.strategy, undefined, 'strategy is absent: its defaults do not apply');
  assert.deepEqual(o.spec.ports, [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]);
  assert.deepEqual(o.spec.labels, { app: 'x' });
  const p: any = { spec: { strategy: {}, replicas: 0 } };
  applyDefaults(p, S);
  assert.deepEqual(p.spec.strategy, { type: 'RollingUpdate' });
  assert.equal(p.spec.replicas, 0);
  const q: any = {};
  applyDefaults(q, S);
  assert.deepEqual(q, {});
});

test('default values are copied, not shared', () => {
  const a: any = { spec: {} }; const b: any = { spec: {} };
  applyDefaults(a, S); applyDefaults(b, S);
  a.spec.labels.changed = 'y';
  assert.deepEqual(b.spec.labels, { app: 'x' });
});

test('defaultObject runs schema defaults then the kind defaulter', () => {
  define('test.defaults.Kind', obj({ spec: ref('test.defaults.Spec') }));
  const info = { group: 't', version: 'v1', kind: 'K', plural: 'ks', singular: 'k', namespaced: true, definition: 'test.defaults.Kind',
    defaulter: (o: any) => { o.spec.replicas += 10; } };
  registerResource(info);
  const o: any = { spec: {} };
  defaultObject(o, info);
  assert.equal(o.spec.replicas, 11);
  unregisterResource('t', 'v1', 'ks');
});

test('pruning removes unknown fields and keeps preserved ones', () => {
  const o: any = { spec: { replicas: 1, bogus: 1, ports: [{ port: 1, x: 2 }], extra: { keep: 1 } }, top: 1 };
  const removed = pruneUnknownFields(o, S);
  assert.deepEqual(removed.sort(), ['spec.bogus', 'spec.ports[0].x', 'top']);
  assert.deepEqual(o, { spec: { replicas: 1, ports: [{ port: 1 }], extra: { keep: 1 } } });
});

test('schemas without defaults anywhere are known as such, so writes of built-in kinds skip the walk', () => {
  assert.equal(hasDefaults(S), true, 'a default two $refs down counts');
  assert.equal(hasDefaults(obj({ a: obj({ b: str() }), c: arr(obj({ d: int32() })) })), false);
  assert.equal(hasDefaults(definition('io.k8s.api.core.v1.Pod')), false, 'built-in kinds default in code, not in their schemas');
  const cyclic: any = obj({ name: str() });
  cyclic.properties.child = cyclic;
  assert.equal(hasDefaults(cyclic), true, 'a cycle is walked, to be safe');
});
