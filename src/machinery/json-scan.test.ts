import { it } from 'node:test';
import assert from 'node:assert/strict';
import { findDuplicateKeys } from './json-scan.js';

it('finds duplicate keys with their paths', () => {
  assert.deepEqual(findDuplicateKeys('{"a":1,"b":{"c":1,"c":2},"a":3}'), ['b.c', 'a']);
  assert.deepEqual(findDuplicateKeys('{"spec":{"containers":[{"name":"x","name":"y"}]}}'), ['spec.containers[0].name']);
  assert.deepEqual(findDuplicateKeys('{"a":"{\\"a\\":1,\\"a\\":2}","b":[1,2,{"k":1},{"k":2}]}'), []);
  assert.deepEqual(findDuplicateKeys('{"x\\u0041":1,"xA":2}'), ['xA']);
  assert.deepEqual(findDuplicateKeys('[]'), []);
});
