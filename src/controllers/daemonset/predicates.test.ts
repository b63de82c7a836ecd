import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeShouldRunDaemonPod, requiredNodeAffinityMatches } from './predicates.js';
import { createPodTemplate, getTargetNodeName, replaceDaemonSetPodNodeNameNodeAffinity, scaledValue } from './util.js';
import { rollingUpdate, surgeAndUnavailable } from './update.js';

const node = (name: string, labels: Record<string, string> = {}, taints: any[] = []) => ({ metadata: { name, labels }, spec: { taints } });
const ds = (spec: any = {}, ru: any = { maxUnavailable: 1, maxSurge: 0 }) => ({
  metadata: { name: 'agent', namespace: 'ns', uid: 'ds-uid' },
  spec: { selector: { matchLabels: { app: 'agent' } }, updateStrategy: { type: 'RollingUpdate', rollingUpdate: ru }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'a' }], ...spec } } },
});
const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
const pod = (name: string, nodeName: string, hash: string, status: any = ready) => ({ metadata: { name, labels: { 'controller-revision-hash': hash }, creationTimestamp: '2024-01-01T00:00:00Z' }, spec: { nodeName }, status });

describe('DaemonSet predicates', () => {
  it('nodeSelector and required node affinity choose the nodes', () => {
    assert.equal(nodeShouldRunDaemonPod(node('a', { disk: 'ssd' }), ds({ nodeSelector: { disk: 'ssd' } })).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('b'), ds({ nodeSelector: { disk: 'ssd' } })).shouldRun, false);
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c'] }] },
    ] } } };
    assert.equal(requiredNodeAffinityMatches({ affinity }, node('a', { zone: 'z1' })), true);
    assert.equal(requiredNodeAffinityMatches({ affinity }, node('b', { zone: 'z2' })), false);
    assert.equal(requiredNodeAffinityMatches({ affinity }, node('c')), true);
    assert.equal(requiredNodeAffinityMatches({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'cpus', operator: 'Gt', values: ['4'] }] }] } } } }, node('x', { cpus: '8' })), true);
  });

  it('taints: an untolerated NoSchedule keeps new pods off but lets a running one stay; NoExecute evicts; the daemon tolerations apply', () => {
    const noSchedule = node('a', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    assert.deepEqual(nodeShouldRunDaemonPod(noSchedule, ds()), { shouldRun: false, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'dedicated', effect: 'NoExecute' }]), ds()), { shouldRun: false, shouldContinueRunning: false });
    assert.equal(nodeShouldRunDaemonPod(noSchedule, ds({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] })).shouldRun, true);
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key, effect: 'NoExecute' }]), ds()).shouldRun, true, key);
    }
    for (const key of ['node.kubernetes.io/unschedulable', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure']) {
      assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key, effect: 'NoSchedule' }]), ds()).shouldRun, true, key);
    }
    assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds()).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds({ hostNetwork: true })).shouldRun, true);
  });

  it('a daemon pod targets its node through required node affinity, which replaces other required terms', () => {
    const a = replaceDaemonSetPodNodeNameNodeAffinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'x', operator: 'Exists' }] }] }, preferredDuringSchedulingIgnoredDuringExecution: [] } }, 'n1');
    assert.deepEqual(a.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] });
    assert.deepEqual(a.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution, []);
    assert.equal(getTargetNodeName({ spec: { affinity: a } }), 'n1');
    assert.equal(getTargetNodeName({ spec: { nodeName: 'n2', affinity: a } }), 'n2');
    const t = createPodTemplate(ds().spec.template, 3, 'abc');
    assert.equal(t.metadata.labels['controller-revision-hash'], 'abc');
    assert.equal(t.metadata.labels['pod-template-generation'], '3');
    assert.equal(t.spec.tolerations.length, 6);
  });

  it('maxUnavailable and maxSurge scale with the number of nodes, rounding up', () => {
    assert.equal(scaledValue('25%', 10, 0), 3);
    assert.deepEqual(surgeAndUnavailable(ds({}, { maxUnavailable: 0, maxSurge: 0 }), 3), { maxSurge: 0, maxUnavailable: 1 });
    assert.deepEqual(surgeAndUnavailable(ds({}, { maxUnavailable: 0, maxSurge: '50%' }), 3), { maxSurge: 2, maxUnavailable: 0 });
  });

  it('rolling update without surge deletes old pods up to maxUnavailable; with surge it starts new pods beside the old', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const pods = new Map([['a', [pod('p-a', 'a', 'old')]], ['b', [pod('p-b', 'b', 'old')]], ['c', [pod('p-c', 'c', 'new')]]]);
    assert.deepEqual(rollingUpdate(ds(), nodes, pods, 'new'), { podsToDelete: ['p-a'], nodesToCreate: [] });
    const notReady = new Map(pods);
    notReady.set('c', [pod('p-c', 'c', 'new', { phase: 'Pending' })]);
    assert.deepEqual(rollingUpdate(ds(), nodes, notReady, 'new').podsToDelete, [], 'an unavailable new pod uses up maxUnavailable');
    const surge = ds({}, { maxUnavailable: 0, maxSurge: 1 });
    assert.deepEqual(rollingUpdate(surge, nodes, pods, 'new'), { podsToDelete: [], nodesToCreate: ['a'] });
    const surged = new Map(pods);
    surged.set('a', [pod('p-a', 'a', 'old'), pod('p-a2', 'a', 'new')]);
    assert.deepEqual(rollingUpdate(surge, nodes, surged, 'new'), { podsToDelete: ['p-a'], nodesToCreate: ['b'] });
  });
});
