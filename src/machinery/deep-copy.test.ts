import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepCopy } from './deep-copy.js';

test('deepCopy copies JSON values with no shared structure', () => {
  const pod = { metadata: { name: 'a', labels: { x: 'y' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }], n: null, b: false, u: undefined } };
  const c = deepCopy(pod);
  assert.deepEqual(c, pod);
  assert.ok('u' in c.spec, 'an undefined-valued key is kept, as structuredClone keeps it');
  c.metadata.labels.x = 'z';
  c.spec.containers[0].ports[0].containerPort = 81;
  assert.equal(pod.metadata.labels.x, 'y');
  assert.equal(pod.spec.containers[0].ports[0].containerPort, 80);
});

test('deepCopy keeps a "__proto__" key an own property and does not touch the prototype', () => {
  const v = JSON.parse('{"a":{"__proto__":{"polluted":true}}}');
  const c = deepCopy(v);
  assert.deepEqual(Object.keys(c.a), ['__proto__']);
  assert.equal(Object.getPrototypeOf(c.a), Object.prototype);
  assert.equal(({} as any).polluted, undefined);
  assert.equal(c.a.polluted, undefined);
});

test('deepCopy hands non-JSON objects to structuredClone', () => {
  const d = new Date(0);
  const c = deepCopy({ when: d, bytes: new Uint8Array([1, 2]) });
  assert.ok(c.when instanceof Date && c.when !== d && c.when.getTime() === 0);
  assert.deepEqual([...c.bytes], [1, 2]);
  assert.equal(deepCopy('s'), 's');
  assert.equal(deepCopy(null), null);
});
