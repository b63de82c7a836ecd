/**
 * Unit tests of the scheduling algorithm: how many nodes are searched, the rotating start, the
 * pick among the best scores, the assumed pods' effect on the next cycle, and the FitError
 * message exactly as upstream formats it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { numFeasibleNodesToFind, selectHost } from './schedule-one.js';
import { fitErrorMessage, FitError } from './framework/fit-error.js';
import { Code, Status } from './framework/status.js';
import { NodeInfo } from './framework/node-info.js';
import { PodInfo } from './framework/pod-info.js';
import { makeNode, makePod, testCluster } from './testing/fixtures.js';

describe('scheduling algorithm', () => {
  it('numFeasibleNodesToFind is adaptive as upstream: all below 100 nodes, 50% - n/125, at least 5% and 100', () => {
    assert.equal(numFeasibleNodesToFind(0, 50), 50);
    assert.equal(numFeasibleNodesToFind(0, 100), 100);
    assert.equal(numFeasibleNodesToFind(0, 1000), 420);
    assert.equal(numFeasibleNodesToFind(0, 5000), 500);
    assert.equal(numFeasibleNodesToFind(0, 6000), 300);
    assert.equal(numFeasibleNodesToFind(0, 100_000), 5000);
    assert.equal(numFeasibleNodesToFind(30, 1000), 300);
    assert.equal(numFeasibleNodesToFind(100, 5000), 5000);
  });

  it('selectHost picks the highest score and spreads ties at random', () => {
    const nodes = ['a', 'b', 'c'].map((n) => new NodeInfo(n));
    assert.equal(selectHost(nodes, [10, 30, 20]).name, 'b');
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(selectHost(nodes, [50, 50, 10]).name);
    assert.deepEqual([...seen].sort(), ['a', 'b']);
  });

  it('the FitError message counts reasons over nodes, sorted, with the preemption part', () => {
    const st = (r: string) => new Status(Code.Unschedulable, [r]);
    const m = new Map([['n1', st('Insufficient cpu')], ['n2', st('Insufficient cpu')], ['n3', new Status(Code.UnschedulableAndUnresolvable, ['node(s) had untolerated taint {dedicated: gpu}'])]]);
    assert.equal(fitErrorMessage(3, '', m), '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu.');
    const e = new FitError(3, m);
    e.postFilterMsg = 'preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    assert.equal(e.message, '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..');
    assert.equal(new FitError(0, new Map()).message, 'no nodes available to schedule pods');
  });

  it('a pod bigger than every node fails with upstream\'s message, including the preemption part', () => {
    const tc = testCluster([makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2' }), makeNode('n3', { cpu: '2' })]);
    const r = tc.scheduleWithPreemption(makePod('big', { cpu: '16' }));
    assert.equal(r.node, undefined);
    assert.equal(r.message, '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..');
  });

  it('assumed pods count at once: pods fill nodes without double-booking', () => {
    const tc = testCluster([makeNode('n1', { cpu: '1' }), makeNode('n2', { cpu: '1' })]);
    const placed = [0, 1, 2, 3].map((i) => tc.schedule(makePod(`p${i}`, { cpu: '500m' })));
    assert.deepEqual(placed.map(String).sort(), ['n1', 'n1', 'n2', 'n2']);
    const fifth = tc.schedule(makePod('p4', { cpu: '500m' }));
    assert.ok(fifth instanceof FitError);
    assert.match(fifth.message, /0\/2 nodes are available: 2 Insufficient cpu\./);
  });

  it('LeastAllocated + BalancedAllocation spread pods over equal nodes', () => {
    const tc = testCluster(['a', 'b', 'c', 'd'].map((n) => makeNode(n)));
    const counts = new Map<string, number>();
    for (let i = 0; i < 40; i++) { const n = tc.schedule(makePod(`p${i}`, { cpu: '100m', memory: '128Mi' })) as string; counts.set(n, (counts.get(n) ?? 0) + 1); }
    assert.deepEqual([...counts.values()], [10, 10, 10, 10]);
  });

  it('with percentageOfNodesToScore, only part of the nodes are filtered, from a rotating start', () => {
    const nodes = Array.from({ length: 300 }, (_, i) => makeNode(`n${i}`));
    const tc = testCluster(nodes);
    const first = new Set<string>();
    for (let i = 0; i < 6; i++) first.add(tc.schedule(makePod(`p${i}`, { cpu: '10m' }), 34) as string);
    // 34% of 300 = 102 nodes per cycle; six cycles walk over more than one window of nodes.
    assert.ok(first.size >= 2);
  });

  it('a nominated higher-priority pod keeps its room from lower-priority pods', () => {
    const tc = testCluster([makeNode('n1', { cpu: '1' })]);
    const high = makePod('high', { cpu: '800m', priority: 1000 });
    tc.nominator.add(new PodInfo(high), 'n1');
    const low = tc.schedule(makePod('low', { cpu: '500m', priority: 0 }));
    assert.ok(low instanceof FitError);
    const equal = tc.schedule(makePod('other-high', { cpu: '100m', priority: 1000 }));
    assert.equal(equal, 'n1');
  });
});
