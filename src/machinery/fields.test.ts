import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFieldSelector, escapeValue } from './fields.js';

test('parses =, == and !=, sorted, and matches with missing fields as empty', () => {
  const s = parseFieldSelector('spec.nodeName!=,metadata.name==x');
  assert.equal(s.toString(), 'metadata.name=x,spec.nodeName!=');
  assert.equal(s.matches({ 'metadata.name': 'x', 'spec.nodeName': 'n1' }), true);
  assert.equal(s.matches({ 'metadata.name': 'x' }), false);
  assert.equal(s.requiresExactMatch('metadata.name'), 'x');
  assert.equal(s.requiresExactMatch('spec.nodeName'), undefined);
  assert.equal(parseFieldSelector('').empty(), true);
  assert.equal(parseFieldSelector('a=b,,').toString(), 'a=b');
});

test('escaping round-trips', () => {
  const s = parseFieldSelector(`metadata.name=${escapeValue('a,b=c\\d')}`);
  assert.equal(s.terms[0].value, 'a,b=c\\d');
  assert.equal(s.toString(), 'metadata.name=a\\,b\\=c\\\\d');
});

test('unsupported operators and bad escapes fail with Kubernetes messages', () => {
  assert.throws(() => parseFieldSelector('status.phase in (a)'), { message: "invalid selector: 'status.phase in (a)'; can't understand 'status.phase in (a)'" });
  assert.throws(() => parseFieldSelector('a=b=c'), { message: 'invalid field selector: unescaped character in value: 61' });
  assert.throws(() => parseFieldSelector('a=b\\x'), { message: 'invalid field selector: invalid escape sequence: \\x' });
  assert.throws(() => parseFieldSelector('a=b\\'), { message: 'invalid field selector: invalid escape sequence: \\' });
});

test('transform renames fields and drops emptied terms', () => {
  const s = parseFieldSelector('name=x,b=y').transform((f, v) => (f === 'name' ? ['metadata.name', v] : ['', '']));
  assert.equal(s.toString(), 'metadata.name=x');
});
