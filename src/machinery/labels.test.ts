import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelector, fromLabelSelector, selectorString, validateLabelSelector, selectorFromSet, isQualifiedName } from './labels.js';

test('parses every operator and prints the canonical form sorted by key', () => {
  const s = parseSelector('x in (foo,,baz),y,z notin (),!w,a=b,c==d,e!=f,g>1,h<10');
  assert.equal(s.toString(), 'a=b,c==d,e!=f,g>1,h<10,!w,x in (,baz,foo),y,z notin ()');
  assert.equal(s.requirements.length, 9);
});

test('matches like Kubernetes', () => {
  const m = (sel: string, labels: Record<string, string>) => parseSelector(sel).matches(labels);
  assert.equal(m('', {}), true);
  assert.equal(m('a=b', { a: 'b' }), true);
  assert.equal(m('a=b', { a: 'c' }), false);
  assert.equal(m('a!=b', {}), true);
  assert.equal(m('a in (x,y)', { a: 'y' }), true);
  assert.equal(m('a notin (x,y)', { a: 'y' }), false);
  assert.equal(m('a notin (x,y)', {}), true);
  assert.equal(m('a', { a: '' }), true);
  assert.equal(m('!a', { a: '' }), false);
  assert.equal(m('a>5', { a: '6' }), true);
  assert.equal(m('a>5', { a: 'x' }), false);
  assert.equal(m('a<5', {}), false);
  assert.equal(m('a=', { a: '' }), true);
  assert.equal(m('a=b,c=d', { a: 'b' }), false);
  // `in` and `notin` are values where values are expected.
  assert.equal(m('a in (in,notin)', { a: 'notin' }), true);
});

test('errors carry Kubernetes messages', () => {
  const err = (s: string) => { try { parseSelector(s); } catch (e) { return (e as Error).message; } return 'no error'; };
  assert.equal(err('a in'), "unable to parse requirement: found '' expected: '('");
  assert.equal(err('a in (b'), "unable to parse requirement: found '', expected: ',' or ')'");
  assert.equal(err('a b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  assert.equal(err('a=b c'), "found 'c', expected: ',' or 'end of string'");
  assert.equal(err('a=b,'), "found '', expected: identifier after ','");
  assert.equal(err('=a'), "found '=', expected: !, identifier, or 'end of string'");
  assert.equal(err('a>b'), `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`);
  assert.match(err('a/b/c=d'), /^unable to parse requirement: <nil>: Invalid value: "a\/b\/c": a qualified name must consist of/);
  assert.match(err('a=-x'), /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-x": a valid label must be an empty string/);
});

test('metav1.LabelSelector conversion, printing and validation', () => {
  assert.equal(fromLabelSelector(null).matches({}), false);
  assert.equal(fromLabelSelector({}).matches({ any: 'x' }), true);
  const s = fromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }, { key: 'x', operator: 'DoesNotExist' }] });
  assert.equal(s.toString(), 'app=web,tier in (a,b),!x');
  assert.equal(s.matches({ app: 'web', tier: 'a' }), true);
  assert.equal(s.matches({ app: 'web', tier: 'a', x: '1' }), false);
  assert.equal(s.requiresExactMatch('app'), 'web');
  assert.equal(selectorString(undefined), '<none>');
  assert.equal(selectorString({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
  assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), { message: '"Gt" is not a valid label selector operator' });
  const errs = validateLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'Foo' }] }, 'spec.selector');
  assert.deepEqual(errs.map((e) => [e.type, e.field]), [
    ['FieldValueRequired', 'spec.selector.matchExpressions[0].values'],
    ['FieldValueForbidden', 'spec.selector.matchExpressions[1].values'],
    ['FieldValueInvalid', 'spec.selector.matchExpressions[2].operator'],
  ]);
  assert.equal(selectorFromSet({ b: '2', a: '1' }).toString(), 'a=1,b=2');
  assert.deepEqual(isQualifiedName('example.com/name'), []);
  assert.equal(isQualifiedName('x'.repeat(64)).length, 1);
});

test('matching a thousand objects does not re-parse or allocate per requirement', () => {
  const s = parseSelector('app=web,tier in (a,b,c),!legacy');
  const labels = { app: 'web', tier: 'b' };
  let n = 0;
  for (let i = 0; i < 1000; i++) if (s.matches(labels)) n++;
  assert.equal(n, 1000);
});
