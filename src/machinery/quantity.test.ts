import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, canonicalQuantity, quantityFromJSON, newMilliQuantity, ERR_FORMAT_WRONG, ERR_SUFFIX } from './quantity.js';

test('canonical serialization matches Kubernetes', () => {
  const cases: [string, string][] = [
    ['1000m', '1'], ['0.5', '500m'], ['1024Mi', '1Gi'], ['1.5Gi', '1536Mi'], ['1e3', '1e3'], ['1.5', '1500m'],
    ['100m', '100m'], ['0.1m', '100u'], ['1Ki', '1Ki'], ['1024', '1024'], ['2048Ki', '2Mi'], ['0.5Ki', '512'],
    ['1.1Ki', '1126400m'], ['0', '0'], ['0Mi', '0'], ['-1.5', '-1500m'], ['1k', '1k'], ['1000k', '1M'],
    ['12e6', '12e6'], ['1E', '1E'], ['5n', '5n'], ['1e-10', '1e-9'], ['0.000000001', '1n'], ['123456789012', '123456789012'],
    ['128974848', '128974848'], ['129e6', '129e6'], ['129M', '129M'], ['123Mi', '123Mi'], ['1G', '1G'],
    ['100Mi', '100Mi'], ['1000Mi', '1000Mi'], ['.5', '500m'], ['1.', '1.'], ['+1k', '+1k'], ['01', '01'], ['010', '010'], ['0100m', '0100m'], ['1000', '1k'],
  ];
  for (const [i, want] of cases) assert.equal(canonicalQuantity(i), want, i);
});

test('large values keep precision', () => {
  assert.equal(canonicalQuantity('9223372036854775807'), '9223372036854775807');
  assert.equal(canonicalQuantity('12345678901234567890123'), '12345678901234567890123');
  assert.equal(parseQuantity('8Ei').value(), 2 ** 63 - 1);
  assert.equal(canonicalQuantity('16Ei'), '9223372036854775807');
});

test('compare, add, sub, value, milliValue', () => {
  const a = parseQuantity('1.5'), b = parseQuantity('500m');
  assert.equal(a.cmp(b), 1);
  assert.equal(b.cmp(a), -1);
  assert.equal(parseQuantity('1Gi').cmp(parseQuantity('1073741824')), 0);
  assert.equal(a.add(b).toString(), '2');
  assert.equal(a.sub(b).toString(), '1');
  assert.equal(b.sub(a).toString(), '-1');
  assert.equal(a.milliValue(), 1500);
  assert.equal(a.value(), 2);
  assert.equal(parseQuantity('1m').value(), 1);
  assert.equal(parseQuantity('-1.5').value(), -2);
  assert.equal(parseQuantity('1Mi').add(parseQuantity('1Mi')).toString(), '2Mi');
  assert.equal(newMilliQuantity(250).toString(), '250m');
  assert.equal(JSON.stringify({ q: parseQuantity('2000m') }), '{"q":"2"}');
});

test('JSON numbers and padded strings parse', () => {
  assert.equal(quantityFromJSON(1).toString(), '1');
  assert.equal(quantityFromJSON(0.25).toString(), '250m');
  assert.equal(quantityFromJSON(' 2Gi ').toString(), '2Gi');
  assert.equal(quantityFromJSON(null).toString(), '0');
});

test('bad quantities fail with Kubernetes messages', () => {
  for (const s of ['', 'abc', '1.2.3', '1Gb', '--1', '1 Gi', '1e', 'Ki1']) {
    assert.throws(() => parseQuantity(s), (e: Error) => e.message === ERR_FORMAT_WRONG || e.message === ERR_SUFFIX, s);
  }
  assert.throws(() => parseQuantity('1Gb'), { message: ERR_FORMAT_WRONG });
  assert.throws(() => parseQuantity('1KiB'), { message: ERR_FORMAT_WRONG });
  assert.throws(() => parseQuantity('1ki'), { message: ERR_SUFFIX });
  assert.equal(ERR_FORMAT_WRONG, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
});
