import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attrsFor, fakeClient } from './fake-client.js';
import { limitRangerPlugin } from './limit-ranger.js';

function setup(limits: any[]) {
  const c = fakeClient();
  c.seed('', 'limitranges', { metadata: { name: 'lr', namespace: 'ns' }, spec: { limits } });
  return limitRangerPlugin(c);
}
const podWith = (containers: any[], initContainers?: any[]): any =>
  ({ metadata: { name: 'x', namespace: 'ns' }, spec: { containers, ...(initContainers ? { initContainers } : {}) } });

describe('LimitRanger', () => {
  it('is named as in Kubernetes and handles pod creates only', () => {
    const p = setup([]);
    assert.equal(p.name, 'LimitRanger');
    assert.ok(p.handles(attrsFor('CREATE', 'pods', 'ns', podWith([]))));
    assert.equal(p.handles(attrsFor('UPDATE', 'pods', 'ns', podWith([]))), false);
    assert.equal(p.handles({ ...attrsFor('CREATE', 'pods', 'ns', podWith([])), subresource: 'binding' }), false);
  });

  it('fills missing requests and limits and records them in the annotation', async () => {
    const p = setup([{ type: 'Container', default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '256Mi' } }]);
    const pod = podWith([{ name: 'a', image: 'i' }, { name: 'b', image: 'i', resources: { requests: { cpu: '200m' }, limits: { cpu: '1', memory: '1Gi' } } }], [{ name: 'init', image: 'i' }]);
    const a = attrsFor('CREATE', 'pods', 'ns', pod);
    await p.admit!(a);
    assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
    assert.deepEqual(pod.spec.containers[1].resources, { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    assert.deepEqual(pod.spec.initContainers[0].resources.requests, { cpu: '100m', memory: '256Mi' });
    assert.equal((pod.metadata as any).annotations['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container a; cpu, memory limit for container a; memory request for container b; cpu, memory request for init container init; cpu, memory limit for init container init');
    await p.validate!(a);
  });

  it('defaults requests from default limits when no defaultRequest is given', async () => {
    const p = setup([{ type: 'Container', default: { cpu: '300m' } }]);
    const pod = podWith([{ name: 'a', image: 'i' }]);
    await p.admit!(attrsFor('CREATE', 'pods', 'ns', pod));
    assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '300m' }, requests: { cpu: '300m' } });
  });

  it('leaves a pod with everything set alone (no annotation)', async () => {
    const p = setup([{ type: 'Container', default: { cpu: '300m' } }]);
    const pod = podWith([{ name: 'a', image: 'i', resources: { requests: { cpu: '1' }, limits: { cpu: '1' } } }]);
    await p.admit!(attrsFor('CREATE', 'pods', 'ns', pod));
    assert.equal((pod.metadata as any).annotations, undefined);
  });

  it('refuses containers outside min and max with Kubernetes messages', async () => {
    const p = setup([{ type: 'Container', min: { cpu: '100m' }, max: { memory: '1Gi' } }]);
    const pod = podWith([{ name: 'a', image: 'i', resources: { requests: { cpu: '50m', memory: '100Mi' }, limits: { memory: '2Gi' } } }]);
    await assert.rejects(p.validate!(attrsFor('CREATE', 'pods', 'ns', pod)), (e: any) => {
      assert.equal(e.code, 403);
      assert.equal(e.message, 'pods "x" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum memory usage per Container is 1Gi, but limit is 2Gi]');
      return true;
    });
  });

  it('reports a single violation without brackets, and missing values', async () => {
    const p = setup([{ type: 'Container', max: { cpu: '1' } }]);
    const pod = podWith([{ name: 'a', image: 'i' }]);
    await assert.rejects(p.validate!(attrsFor('CREATE', 'pods', 'ns', pod)),
      { message: 'pods "x" is forbidden: maximum cpu usage per Container is 1.  No limit is specified' });
  });

  it('admit then validate: the max becomes the default limit', async () => {
    const p = setup([{ type: 'Container', max: { cpu: '1' }, min: { cpu: '100m' } }]);
    const pod = podWith([{ name: 'a', image: 'i' }]);
    const a = attrsFor('CREATE', 'pods', 'ns', pod);
    await p.admit!(a);
    assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '1' }, requests: { cpu: '1' } });
    await p.validate!(a);
  });

  it('checks limit/request ratio and Pod-type totals', async () => {
    const ratio = setup([{ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }]);
    const pod = podWith([{ name: 'a', image: 'i', resources: { requests: { cpu: '100m' }, limits: { cpu: '500m' } } }]);
    await assert.rejects(ratio.validate!(attrsFor('CREATE', 'pods', 'ns', pod)),
      { message: 'pods "x" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000' });
    const podMax = setup([{ type: 'Pod', max: { memory: '1Gi' } }]);
    const big = podWith([
      { name: 'a', image: 'i', resources: { requests: { memory: '600Mi' }, limits: { memory: '600Mi' } } },
      { name: 'b', image: 'i', resources: { requests: { memory: '600Mi' }, limits: { memory: '600Mi' } } },
    ]);
    await assert.rejects(podMax.validate!(attrsFor('CREATE', 'pods', 'ns', big)),
      { message: 'pods "x" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi' });
  });
});
