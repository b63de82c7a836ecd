/** The scheduler cache: assumed pods count at once, are confirmed by the informer, forgotten on a failed bind. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from './cache.js';
import { PodInfo } from '../framework/pod-info.js';
import { makeNode, makePod } from '../testing/fixtures.js';

describe('scheduler cache', () => {
  it('assume, confirm, forget, remove keep the node totals right', () => {
    const c = new SchedulerCache();
    c.addOrUpdateNode(makeNode('n1', { cpu: '2' }));
    const pod = makePod('p', { cpu: '500m', nodeName: 'n1', spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }], resources: { requests: { cpu: '500m' } } }] } });
    const pi = new PodInfo(pod);
    c.assumePod(pi);
    assert.ok(c.isAssumed(pi.uid));
    assert.equal(c.get('n1')!.requested.milliCPU, 500);
    assert.ok(c.get('n1')!.portConflicts({ protocol: 'TCP', ip: '0.0.0.0', port: 8080 }));
    // The informer's bound pod confirms it without counting it twice.
    c.addPod(new PodInfo({ ...pod, metadata: { ...pod.metadata, resourceVersion: '9' } }));
    assert.ok(!c.isAssumed(pi.uid));
    assert.equal(c.get('n1')!.requested.milliCPU, 500);
    c.forgetPod(pi); // no effect once confirmed
    assert.equal(c.get('n1')!.pods.length, 1);
    c.removePod(pi.uid);
    assert.equal(c.get('n1')!.requested.milliCPU, 0);
    assert.ok(!c.get('n1')!.portConflicts({ protocol: 'TCP', ip: '0.0.0.0', port: 8080 }));

    const other = new PodInfo(makePod('q', { cpu: '1', nodeName: 'n1' }));
    c.assumePod(other);
    c.forgetPod(other);
    assert.equal(c.get('n1')!.pods.length, 0);
    assert.equal(c.podCount, 0);
  });

  it('pods seen before their node wait on a placeholder; nodes track images and affinity pods', () => {
    const c = new SchedulerCache();
    const aff = makePod('a', { nodeName: 'late', spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: {} }] } } } });
    c.addPod(new PodInfo(aff));
    assert.equal(c.list().length, 0);
    c.addOrUpdateNode(makeNode('late', { images: [{ names: ['img:1'], sizeBytes: 1 }] }));
    assert.equal(c.list().length, 1);
    assert.equal(c.get('late')!.pods.length, 1);
    assert.equal([...c.havePodsWithRequiredAntiAffinity()].length, 1);
    assert.equal(c.imageNodeCount('img:1'), 1);
    c.removeNode('late');
    assert.equal(c.imageNodeCount('img:1'), 0);
    assert.equal(c.list().length, 0);
  });
});
