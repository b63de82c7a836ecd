/** DefaultPreemption: victims chosen as upstream does, nomination, and the cases where it does not help. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeNode, makePod, testCluster } from '../../testing/fixtures.js';
import { pickOneNodeForPreemption } from './candidates.js';
import { PodInfo } from '../../framework/pod-info.js';

describe('DefaultPreemption', () => {
  it('evicts the fewest, lowest-priority pods and nominates their node', async () => {
    const deleted: string[] = [];
    const tc = testCluster([makeNode('a', { cpu: '2' }), makeNode('b', { cpu: '2' })], { deleted });
    tc.place(
      makePod('a-low', { cpu: '1', priority: 10, nodeName: 'a' }), makePod('a-mid', { cpu: '1', priority: 500, nodeName: 'a' }),
      makePod('b-low1', { cpu: '1', priority: 30, nodeName: 'b' }), makePod('b-low2', { cpu: '1', priority: 40, nodeName: 'b' }),
    );
    const r = tc.scheduleWithPreemption(makePod('high', { cpu: '1', priority: 1000 }));
    assert.equal(r.nominated, 'a');
    // On a only a-low (10) need go (a-mid is reprieved); on b the least victim would be b-low1 (30).
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(deleted, ['default/a-low']);
    assert.equal(r.message, '0/2 nodes are available: 2 Insufficient cpu.');
  });

  it('does not help when no lower-priority pods exist or the node is unresolvable', () => {
    const tc = testCluster([makeNode('a', { cpu: '1' }), makeNode('t', { cpu: '8', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] })]);
    tc.place(makePod('same', { cpu: '1', priority: 1000, nodeName: 'a' }));
    const r = tc.scheduleWithPreemption(makePod('p', { cpu: '1', priority: 1000 }));
    assert.equal(r.nominated, '');
    assert.equal(r.message, '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling..');
  });

  it('preemptionPolicy Never is respected', () => {
    const tc = testCluster([makeNode('a', { cpu: '1' })]);
    tc.place(makePod('low', { cpu: '1', priority: 0, nodeName: 'a' }));
    const r = tc.scheduleWithPreemption(makePod('p', { cpu: '1', priority: 1000, spec: { preemptionPolicy: 'Never' } }));
    assert.equal(r.nominated, undefined);
    assert.equal(r.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..');
  });

  it('picks the node whose most important victim has the lowest priority, then fewer victims', () => {
    const v = (name: string, priority: number) => new PodInfo(makePod(name, { priority }));
    assert.equal(pickOneNodeForPreemption([{ node: 'x', victims: [v('1', 100)] }, { node: 'y', victims: [v('2', 50), v('3', 40)] }])!.node, 'y');
    assert.equal(pickOneNodeForPreemption([{ node: 'x', victims: [v('1', 50), v('2', 50)] }, { node: 'y', victims: [v('3', 50)] }])!.node, 'y');
  });
});
