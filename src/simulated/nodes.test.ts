import { it } from 'node:test';
import assert from 'node:assert/strict';
import { statusUpdate } from './nodes.js';

it('a status write carries the pod as seen (resourceVersion as precondition) with the new status and no managedFields', () => {
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'u1', resourceVersion: '42', labels: { app: 'web' }, managedFields: [{ manager: 'kube-controller-manager', operation: 'Update' }] },
    spec: { nodeName: 'sim-1', containers: [{ name: 'c', image: 'pause' }] },
    status: { phase: 'Pending' },
  };
  const body = statusUpdate(pod, { phase: 'Running' });
  assert.deepEqual(body, {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'u1', resourceVersion: '42', labels: { app: 'web' } },
    spec: pod.spec, status: { phase: 'Running' },
  });
  assert.equal(pod.metadata.managedFields.length, 1, 'the informer\'s copy is left alone');
  assert.equal(pod.status.phase, 'Pending');
});
