import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeHash, equalIgnoreHash, fnv32a, safeEncodeString } from './hash.js';

const tpl = (image: string, labels: Record<string, string> = { app: 'web' }) => ({
  metadata: { labels }, spec: { containers: [{ name: 'c', image, ports: [] }], restartPolicy: 'Always' },
});

describe('pod-template-hash', () => {
  it('FNV-32a matches the published vectors', () => {
    const b = (s: string) => Buffer.from(s);
    assert.equal(fnv32a(b('')), 0x811c9dc5);
    assert.equal(fnv32a(b('a')), 0xe40c292c);
    assert.equal(fnv32a(b('foobar')), 0xbf9cf968);
  });

  it('encodes decimal digits in the safe alphabet, as rand.SafeEncodeString', () => {
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });

  it('is stable across key order and empty fields, changes with the template and the collision count', () => {
    const a = computeHash(tpl('nginx:1'));
    assert.match(a, /^[456789bcdf]+$/);
    assert.equal(computeHash({ spec: { restartPolicy: 'Always', containers: [{ image: 'nginx:1', name: 'c' }] }, metadata: { labels: { app: 'web' }, annotations: {} } }), a);
    assert.notEqual(computeHash(tpl('nginx:2')), a);
    assert.notEqual(computeHash(tpl('nginx:1'), 0), a, 'collisionCount 0 is not the same as none');
    assert.notEqual(computeHash(tpl('nginx:1'), 1), computeHash(tpl('nginx:1'), 0));
  });

  it('compares templates ignoring the pod-template-hash label', () => {
    assert.ok(equalIgnoreHash(tpl('nginx:1'), tpl('nginx:1', { app: 'web', 'pod-template-hash': 'abc' })));
    assert.ok(!equalIgnoreHash(tpl('nginx:1'), tpl('nginx:2', { app: 'web', 'pod-template-hash': 'abc' })));
    assert.ok(!equalIgnoreHash(tpl('nginx:1'), tpl('nginx:1', { app: 'web', tier: 'x' })));
  });
});
