/** ImageLocality: nodes that already hold a large image score higher. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, testCluster } from '../../testing/fixtures.js';
import { normalizedImageName } from './image-locality.js';
import { PodInfo } from '../../framework/pod-info.js';

describe('ImageLocality', () => {
  it('normalizes untagged names to :latest', () => {
    assert.equal(normalizedImageName('nginx'), 'nginx:latest');
    assert.equal(normalizedImageName('nginx:1.25'), 'nginx:1.25');
    assert.equal(normalizedImageName('localhost:5000/app'), 'localhost:5000/app:latest');
    assert.equal(normalizedImageName('app@sha256:abc'), 'app@sha256:abc');
  });

  it('prefers the node that has the image', () => {
    const big = [{ names: ['example.com/big:1'], sizeBytes: 900 * 1024 * 1024 }];
    const tc = testCluster([makeNode('a'), makeNode('b', { images: big }), makeNode('c')]);
    const pod = makePod('p', { spec: { containers: [{ name: 'c', image: 'example.com/big:1' }] } });
    const s = tc.fw.plugins.get('ImageLocality') as any;
    const scores = tc.cache.list().map((n) => s.score(null, new PodInfo(pod), n));
    assert.equal(scores[0], 0);
    assert.ok(scores[1] > 0);
    assert.equal(tc.schedule(pod), 'b');
  });
});
