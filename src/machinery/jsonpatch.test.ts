import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJSONPatch, JSONPatchError } from './jsonpatch.js';

const doc = () => ({ metadata: { name: 'p', labels: { a: '1' } }, spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } });

test('add, remove, replace, move, copy, test', () => {
  const d = doc();
  const out = applyJSONPatch(d, [
    { op: 'add', path: '/metadata/labels/b', value: '2' },
    { op: 'add', path: '/spec/containers/-', value: { name: 'c3' } },
    { op: 'add', path: '/spec/containers/0', value: { name: 'c0' } },
    { op: 'remove', path: '/spec/containers/1' },
    { op: 'replace', path: '/metadata/name', value: 'q' },
    { op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' },
    { op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/z' },
    { op: 'test', path: '/metadata/name', value: 'q' },
    { op: 'add', path: '/metadata/labels/x~1y', value: 'slash' },
  ]);
  assert.deepEqual(out, {
    metadata: { name: 'q', labels: { b: '2', z: '1', 'x/y': 'slash' }, annotations: { a: '1', b: '2' } },
    spec: { containers: [{ name: 'c0' }, { name: 'c2' }, { name: 'c3' }] },
  });
  assert.deepEqual(d, doc(), 'input untouched');
});

test('errors read like evanphx/json-patch v4', () => {
  const err = (ops: unknown) => { try { applyJSONPatch(doc(), ops); } catch (e) { return [(e as JSONPatchError).code, (e as Error).message]; } return 'ok'; };
  assert.deepEqual(err([{ op: 'add', path: '/x/y', value: 1 }]), [422, 'add operation does not apply: doc is missing path: "/x/y": missing value']);
  assert.deepEqual(err([{ op: 'remove', path: '/metadata/nope' }]), [422, "error in remove for path: '/metadata/nope': Unable to remove nonexistent key: nope: missing value"]);
  assert.deepEqual(err([{ op: 'replace', path: '/spec/containers/5', value: 1 }]), [422, 'replace operation does not apply: doc is missing key: /spec/containers/5: missing value']);
  assert.deepEqual(err([{ op: 'test', path: '/metadata/name', value: 'x' }]), [422, 'testing value /metadata/name failed: test failed']);
  assert.deepEqual(err([{ op: 'add', path: '/spec/containers/9', value: 1 }]), [422, "error in add for path: '/spec/containers/9': Unable to access invalid index: 9: invalid index referenced"]);
  assert.deepEqual(err([{ op: 'add', path: '/spec/containers/x', value: 1 }]), [422, `error in add for path: '/spec/containers/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`]);
  assert.deepEqual(err([{ op: 'frob', path: '/a' }]), [422, 'Unexpected kind: frob']);
  assert.deepEqual(err({}), [400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch']);
  assert.deepEqual(err(new Array(10001).fill({ op: 'test', path: '/metadata/name', value: 'p' })), [413, 'The allowed maximum operations in a JSON patch is 10000, got 10001']);
});

test('negative indices, replace of a missing key, copy size limit', () => {
  assert.deepEqual(applyJSONPatch({ a: [1, 2, 3] }, [{ op: 'remove', path: '/a/-1' }]), { a: [1, 2] });
  assert.deepEqual(applyJSONPatch({ a: {} }, [{ op: 'replace', path: '/a/b', value: 1 }]), { a: { b: 1 } });
  const big = { a: 'x'.repeat(1000) } as Record<string, unknown>;
  const ops = Array.from({ length: 20 }, (_, i) => ({ op: 'copy', from: i ? `/c${i - 1}` : '/a', path: `/c${i}` }));
  assert.throws(() => applyJSONPatch(big, ops, { maxCopyBytes: 5000 }), /accumulated size increase of copy/);
});

test('__proto__ is a plain key', () => {
  const out = applyJSONPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<string, unknown>;
  assert.equal(({} as any).polluted, undefined);
  assert.deepEqual(Object.keys(out), ['__proto__']);
});
