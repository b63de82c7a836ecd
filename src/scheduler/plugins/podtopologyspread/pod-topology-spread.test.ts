/** PodTopologySpread: maxSkew across zones (DoNotSchedule), minDomains, and ScheduleAnyway scoring. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, testCluster } from '../../testing/fixtures.js';
import { FitError } from '../../framework/fit-error.js';

const zone = (name: string, z: string) => makeNode(name, { labels: { 'topology.kubernetes.io/zone': z } });
const spread = (when: string, extra: any = {}) => ({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: when, labelSelector: { matchLabels: { app: 'web' } }, ...extra }] });

describe('PodTopologySpread', () => {
  it('DoNotSchedule keeps zone counts within maxSkew', () => {
    const tc = testCluster([zone('a1', 'z1'), zone('a2', 'z1'), zone('b1', 'z2'), zone('c1', 'z3')]);
    const zones = new Map<string, number>();
    const zoneOf: Record<string, string> = { a1: 'z1', a2: 'z1', b1: 'z2', c1: 'z3' };
    for (let i = 0; i < 6; i++) {
      const n = tc.schedule(makePod(`w${i}`, { labels: { app: 'web' }, spec: spread('DoNotSchedule') })) as string;
      zones.set(zoneOf[n], (zones.get(zoneOf[n]) ?? 0) + 1);
    }
    assert.deepEqual([...zones.values()], [2, 2, 2]);
  });

  it('rejects nodes that would exceed the skew, and nodes without the key as unresolvable', () => {
    const tc = testCluster([zone('a', 'z1'), zone('b', 'z2'), makeNode('nolabel')]);
    tc.place(makePod('x1', { labels: { app: 'web' }, nodeName: 'a' }), makePod('x2', { labels: { app: 'web' }, nodeName: 'a' }));
    assert.equal(tc.schedule(makePod('w', { labels: { app: 'web' }, spec: spread('DoNotSchedule') })), 'b');
    tc.place(makePod('x3', { labels: { app: 'web' }, nodeName: 'a' }));
    const full = testCluster([zone('a', 'z1')], {});
    full.place(makePod('y', { labels: { app: 'web' }, nodeName: 'a' }));
    const r = full.schedule(makePod('w2', { labels: { app: 'web' }, spec: spread('DoNotSchedule', { minDomains: 2 }) }));
    assert.ok(r instanceof FitError);
    assert.equal(r.message, "0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints.");
    const nolabel = testCluster([makeNode('n')]);
    const r2 = nolabel.schedule(makePod('w3', { labels: { app: 'web' }, spec: spread('DoNotSchedule') }));
    assert.ok(r2 instanceof FitError && r2.message.includes('(missing required label)'));
  });

  it('ScheduleAnyway prefers the emptier zone', () => {
    const tc = testCluster([zone('a', 'z1'), zone('b', 'z2')]);
    tc.place(...[0, 1, 2].map((i) => makePod(`x${i}`, { labels: { app: 'web' }, nodeName: 'a' })));
    assert.equal(tc.schedule(makePod('w', { labels: { app: 'web' }, spec: spread('ScheduleAnyway') })), 'b');
  });
});
