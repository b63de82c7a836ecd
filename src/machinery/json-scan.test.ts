import { it, test } from 'node:test';
import assert from 'node:assert/strict';
import { findDuplicateKeys, mayHaveDuplicateKeys } from './json-scan.js';

it('finds duplicate keys with their paths', () => {
  assert.deepEqual(findDuplicateKeys('{"a":1,"b":{"c":1,"c":2},"a":3}'), ['b.c', 'a']);
  assert.deepEqual(findDuplicateKeys('{"spec":{"containers":[{"name":"x","name":"y"}]}}'), ['spec.containers[0].name']);
  assert.deepEqual(findDuplicateKeys('{"a":"{\\"a\\":1,\\"a\\":2}","b":[1,2,{"k":1},{"k":2}]}'), []);
  assert.deepEqual(findDuplicateKeys('{"x\\u0041":1,"xA":2}'), ['xA']);
  assert.deepEqual(findDuplicateKeys('[]'), []);
});

test('mayHaveDuplicateKeys agrees with findDuplicateKeys', () => {
  const cases = [
    '{"a":1,"b":{"c":"x\\":y","c":2}}',
    '{"a" : 1 , "a"\n:\t2}',
    '{"s":"\\\\","t":"\\\\\\"","s":0}',
    '{"k":"v:\\"w\\":","l":["a","b:",{"m":1,"m":2}]}',
    '{"__proto__":{"x":1},"__proto__":{"y":2}}',
    '{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}',
    '[{"x":1},{"x":1,"y":2,"y":3}]',
    '{"e":{},"f":[],"g":""}',
    '"just a string"', '123', 'null',
  ];
  for (const text of cases) {
    const dups = findDuplicateKeys(text).length > 0;
    assert.equal(mayHaveDuplicateKeys(text, JSON.parse(text)), dups, text);
  }
  // Randomised: objects built with and without repeated keys, as text.
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const gen = (d: number): string => {
    const r = rnd(d > 3 ? 3 : 6);
    if (r === 0) return JSON.stringify(['x', 'y:"', '\\', 'q"'][rnd(4)]);
    if (r === 1) return String(rnd(100));
    if (r === 2) return 'true';
    if (r === 3) return `[${Array.from({ length: rnd(3) }, () => gen(d + 1)).join(',')}]`;
    const keys = Array.from({ length: rnd(4) }, () => ['a', 'b', 'c"d', 'e:f'][rnd(4)]);
    return `{${keys.map((k) => `${JSON.stringify(k)} : ${gen(d + 1)}`).join(',')}}`;
  };
  for (let i = 0; i < 2000; i++) {
    const text = gen(0);
    assert.equal(mayHaveDuplicateKeys(text, JSON.parse(text)), findDuplicateKeys(text).length > 0, text);
  }
});

test('mayHaveDuplicateKeys leaves very deep values to findDuplicateKeys', () => {
  const deep = '{"a":'.repeat(200) + '1' + '}'.repeat(200);
  assert.equal(mayHaveDuplicateKeys(deep, JSON.parse(deep)), undefined);
});
