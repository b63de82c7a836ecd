/** NodeResourcesFit and BalancedAllocation on in-memory nodes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NodeResourcesFit } from './fit.js';
import { BalancedAllocation } from './balanced-allocation.js';
import { CycleState } from '../../framework/cycle-state.js';
import { NodeInfo } from '../../framework/node-info.js';
import { PodInfo } from '../../framework/pod-info.js';
import { computePodRequests } from '../../framework/resource.js';
import { makeNode, makePod } from '../../testing/fixtures.js';

const nodeInfo = (n: any, ...pods: any[]) => { const ni = new NodeInfo(n.metadata.name); ni.setNode(n); for (const p of pods) ni.addPod(new PodInfo(p)); return ni; };

describe('NodeResourcesFit', () => {
  const fit = new NodeResourcesFit();
  const s = new CycleState();

  it('rejects with every insufficient resource, as upstream names them', () => {
    const ni = nodeInfo(makeNode('n', { cpu: '1', memory: '1Gi', extra: { 'example.com/gpu': '1' } }), makePod('x', { cpu: '600m', memory: '512Mi' }));
    assert.equal(fit.filter(s, new PodInfo(makePod('ok', { cpu: '400m', memory: '512Mi' })), ni), null);
    assert.deepEqual(fit.filter(s, new PodInfo(makePod('p', { cpu: '500m', memory: '600Mi' })), ni)?.reasons, ['Insufficient cpu', 'Insufficient memory']);
    const gpu = makePod('g', { spec: { containers: [{ name: 'c', resources: { requests: { 'example.com/gpu': '2' } } }] } });
    assert.deepEqual(fit.filter(s, new PodInfo(gpu), ni)?.reasons, ['Insufficient example.com/gpu']);
  });

  it('counts pods against allocatable pods', () => {
    const ni = nodeInfo(makeNode('n', { pods: '1' }), makePod('x'));
    assert.deepEqual(fit.filter(s, new PodInfo(makePod('p')), ni)?.reasons, ['Too many pods']);
  });

  it('pod requests: sum of containers, max with init containers (sidecars added), plus overhead', () => {
    const pod = makePod('p', { spec: {
      containers: [{ name: 'a', resources: { requests: { cpu: '100m', memory: '100Mi' } } }, { name: 'b', resources: { requests: { cpu: '200m' } } }],
      initContainers: [{ name: 'i', resources: { requests: { cpu: '1', memory: '50Mi' } } }, { name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } }],
      overhead: { cpu: '10m' },
    } });
    const r = computePodRequests(pod);
    assert.equal(r.requests.milliCPU, 1010);
    assert.equal(r.requests.memory, 100 * 1024 * 1024);
    // Scoring's non-zero: b and the sidecar set no memory, so 200Mi stands in for each.
    assert.equal(r.nonZeroMemory, 500 * 1024 * 1024);
  });

  it('LeastAllocated prefers the emptier node; BalancedAllocation the more even one', () => {
    const empty = nodeInfo(makeNode('a', { cpu: '4', memory: '4Gi' }));
    const busy = nodeInfo(makeNode('b', { cpu: '4', memory: '4Gi' }), makePod('x', { cpu: '2', memory: '1Gi' }));
    const p = new PodInfo(makePod('p', { cpu: '1', memory: '1Gi' }));
    assert.ok(fit.score(s, p, empty) > fit.score(s, p, busy));
    assert.equal(fit.score(s, p, empty), 75);
    const ba = new BalancedAllocation();
    assert.equal(ba.score(s, p, empty), 100);
    assert.equal(ba.score(s, p, busy), 87);
  });
});
