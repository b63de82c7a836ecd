import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ObjectCodec, serialize, type ValueTransformer } from './codec.js';

const pod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'd', resourceVersion: '7', labels: { x: 'y' }, gone: undefined }, spec: { containers: [{ name: 'c' }] } });

test('decoding a value just written gives what parsing it gives, a new object each time', () => {
  const codec = new ObjectCodec();
  const obj = pod();
  const value = codec.encode(obj, '/registry/pods/d/a');
  assert.equal(obj.metadata.resourceVersion, '7', 'encode leaves the caller its resourceVersion');
  assert.ok(!value.includes('resourceVersion'), 'storage does not hold the resourceVersion');
  obj.metadata.labels.x = 'changed after encode';
  const first = codec.decode({ key: '/registry/pods/d/a', value, createRevision: 9, modRevision: 9 });
  const parsed = JSON.parse(value);
  parsed.metadata.resourceVersion = '9';
  assert.deepEqual(first, parsed);
  assert.ok(!('gone' in first.metadata), 'undefined-valued keys are dropped, as JSON drops them');
  const second = codec.decode({ key: '/registry/pods/d/a', value, createRevision: 9, modRevision: 9 });
  assert.deepEqual(second, first);
  assert.notEqual(second, first, 'each decode after the first gets its own object');
});

test('a value other than the one just encoded for the key is parsed', () => {
  const codec = new ObjectCodec();
  codec.encode(pod(), '/registry/pods/d/a');
  const other = JSON.stringify({ ...pod(), metadata: { name: 'a', namespace: 'd' }, spec: { containers: [{ name: 'other' }] } });
  const got = codec.decode({ key: '/registry/pods/d/a', value: other, createRevision: 3, modRevision: 4 });
  assert.equal(got.spec.containers[0].name, 'other');
  assert.equal(got.metadata.resourceVersion, '4');
});

test('with a transformer the stored (transformed) value is matched and never shown as plaintext', () => {
  const t: ValueTransformer = { toStorage: (s) => `enc:${Buffer.from(s).toString('base64')}`, fromStorage: (s) => Buffer.from(s.slice(4), 'base64').toString() };
  const codec = new ObjectCodec(t);
  const value = codec.encode(pod(), '/registry/secrets/d/a');
  assert.ok(value.startsWith('enc:'));
  const a = codec.decode({ key: '/registry/secrets/d/a', value, createRevision: 2, modRevision: 2 });
  const b = codec.decode({ key: '/registry/secrets/d/a', value, createRevision: 2, modRevision: 2 });
  assert.deepEqual(a, b);
});

test('a write is serialised once: storage gets it without resourceVersion, the answer and the watch event with it', () => {
  for (const start of [pod(), { ...pod(), metadata: { name: 'b', namespace: 'd' } }, { apiVersion: 'v1', kind: 'X', metadata: {} }]) {
    const codec = new ObjectCodec();
    const obj: any = structuredClone(start);
    delete obj.metadata.gone;
    const value = codec.encode(obj, '/registry/x/d/b');
    const plain = structuredClone(obj);
    delete plain.metadata.resourceVersion;
    assert.equal(value, JSON.stringify(plain), 'the stored JSON is exactly the object without resourceVersion');
    obj.metadata.resourceVersion = '12';
    assert.equal(serialize(obj), JSON.stringify(obj), 'the answer is the object as it is now');
    const cached = codec.decode({ key: '/registry/x/d/b', value, createRevision: 12, modRevision: 12 });
    assert.deepEqual(JSON.parse(serialize(cached)), cached, 'the watch event is the decoded object (the resourceVersion where the write had it)');
  }
  assert.equal(serialize({ kind: 'Status', code: 404 }), '{"kind":"Status","code":404}', 'anything not encoded is stringified');
});

test('a stored value cannot forge the resourceVersion placeholder', () => {
  const codec = new ObjectCodec();
  const obj: any = { ...pod(), data: { note: '"resourceVersion":"\u0000rv-' } };
  delete obj.metadata.gone;
  const value = codec.encode(obj, '/registry/x/d/c');
  assert.deepEqual(JSON.parse(value).data, obj.data);
  obj.metadata.resourceVersion = '3';
  assert.deepEqual(JSON.parse(serialize(obj)), obj);
});
