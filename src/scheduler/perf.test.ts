/**
 * A cheap in-memory throughput check: 5,000 nodes, pods scheduled and assumed one after another
 * through the whole default profile (no API server). The real figure is measured by the bench;
 * this only guards against a per-pod cost that grows with the cluster.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, testCluster } from './testing/fixtures.js';

it('schedules well over 300 pods/s at 5,000 nodes (scheduling cycles only)', () => {
  const zones = ['z1', 'z2', 'z3'];
  const nodes = Array.from({ length: 5000 }, (_, i) => makeNode(`node-${i}`, { cpu: '32', memory: '128Gi', labels: { 'topology.kubernetes.io/zone': zones[i % 3] } }));
  const tc = testCluster(nodes);
  const pods = Array.from({ length: 1000 }, (_, i) => makePod(`p${i}`, { cpu: '100m', memory: '128Mi', labels: { app: 'bench' } }));
  const t0 = performance.now();
  for (const p of pods) assert.equal(typeof tc.schedule(p), 'string');
  const ms = performance.now() - t0;
  const rate = (pods.length / ms) * 1000;
  assert.ok(rate > 600, `only ${rate.toFixed(0)} pods/s`);
});
