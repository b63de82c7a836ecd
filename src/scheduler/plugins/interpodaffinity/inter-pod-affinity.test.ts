/** InterPodAffinity: required anti-affinity spreads, required affinity co-locates, existing pods' anti-affinity is honoured. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, testCluster } from '../../testing/fixtures.js';
import { FitError } from '../../framework/fit-error.js';

const zone = (name: string, z: string) => makeNode(name, { labels: { 'topology.kubernetes.io/zone': z } });
const anti = (key: string, app: string) => ({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: key, labelSelector: { matchLabels: { app } } }] } } });
const aff = (key: string, app: string) => ({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: key, labelSelector: { matchLabels: { app } } }] } } });

describe('InterPodAffinity', () => {
  it('required anti-affinity on hostname: one replica per node, then no room', () => {
    const tc = testCluster([zone('a', 'z1'), zone('b', 'z1'), zone('c', 'z2')]);
    const placed = [0, 1, 2].map((i) => tc.schedule(makePod(`web-${i}`, { labels: { app: 'web' }, spec: anti('kubernetes.io/hostname', 'web') })));
    assert.deepEqual(placed.map(String).sort(), ['a', 'b', 'c']);
    const r = tc.schedule(makePod('web-3', { labels: { app: 'web' }, spec: anti('kubernetes.io/hostname', 'web') }));
    assert.ok(r instanceof FitError);
    assert.match(r.message, /^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\.$/);
  });

  it('existing pods\' anti-affinity keeps matching pods out of their zone', () => {
    const tc = testCluster([zone('a', 'z1'), zone('b', 'z1'), zone('c', 'z2')]);
    tc.place(makePod('db', { labels: { app: 'db' }, nodeName: 'a', spec: anti('topology.kubernetes.io/zone', 'web') }));
    for (let i = 0; i < 3; i++) assert.equal(tc.schedule(makePod(`web-${i}`, { labels: { app: 'web' } })), 'c');
  });

  it('required affinity co-locates with the selected pods; the first of a self-affine group may go anywhere', () => {
    const tc = testCluster([zone('a', 'z1'), zone('b', 'z2'), zone('c', 'z3')]);
    tc.place(makePod('cache', { labels: { app: 'cache' }, nodeName: 'b' }));
    assert.equal(tc.schedule(makePod('app', { spec: aff('topology.kubernetes.io/zone', 'cache') })), 'b');
    const r = tc.schedule(makePod('orphan', { spec: aff('topology.kubernetes.io/zone', 'nothing') }));
    assert.ok(r instanceof FitError && /didn't match pod affinity rules/.test(r.message));
    const first = tc.schedule(makePod('g0', { labels: { app: 'g' }, spec: aff('topology.kubernetes.io/zone', 'g') }));
    assert.equal(typeof first, 'string');
    assert.equal(tc.schedule(makePod('g1', { labels: { app: 'g' }, spec: aff('topology.kubernetes.io/zone', 'g') })), first);
  });

  it('namespaceSelector selects pods in labelled namespaces', () => {
    const tc = testCluster([zone('a', 'z1'), zone('b', 'z2')]);
    tc.namespaces.set('team-x', { team: 'x' });
    tc.place(makePod('svc', { ns: 'team-x', labels: { app: 'svc' }, nodeName: 'a' }));
    const spec = { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'topology.kubernetes.io/zone', namespaceSelector: { matchLabels: { team: 'x' } }, labelSelector: { matchLabels: { app: 'svc' } } }] } } };
    assert.equal(tc.schedule(makePod('client', { spec })), 'a');
  });

  it('preferred anti-affinity spreads when it can', () => {
    const tc = testCluster([zone('a', 'z1'), zone('b', 'z2')]);
    const spec = { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'w' } } } }] } } };
    const x = tc.schedule(makePod('w0', { labels: { app: 'w' }, spec }));
    const y = tc.schedule(makePod('w1', { labels: { app: 'w' }, spec }));
    assert.notEqual(x, y);
  });
});
