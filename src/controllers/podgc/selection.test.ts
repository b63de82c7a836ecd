import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orphanedPods, terminatedPodsToDelete, terminatingOnOutOfServiceNodes, unscheduledTerminating } from './selection.js';

const pod = (name: string, o: { phase?: string; reason?: string; created?: string; node?: string; deleting?: boolean } = {}) => ({
  metadata: { name, namespace: 'ns', creationTimestamp: o.created ?? '2026-01-01T00:00:00Z', ...(o.deleting ? { deletionTimestamp: '2026-01-02T00:00:00Z' } : {}) },
  spec: { nodeName: o.node }, status: { phase: o.phase ?? 'Running', reason: o.reason },
});

test('terminated pods beyond the threshold: evicted first, then the oldest', () => {
  const pods = [
    pod('running'),
    pod('old', { phase: 'Succeeded', created: '2026-01-01T00:00:00Z' }),
    pod('new', { phase: 'Failed', created: '2026-01-03T00:00:00Z' }),
    pod('evicted', { phase: 'Failed', reason: 'Evicted', created: '2026-01-04T00:00:00Z' }),
  ];
  assert.deepEqual(terminatedPodsToDelete(pods, 1).map((p) => p.metadata.name), ['evicted', 'old']);
  assert.deepEqual(terminatedPodsToDelete(pods, 3), []);
});

test('orphaned, unscheduled terminating, and out-of-service pods', () => {
  const pods = [pod('a', { node: 'gone' }), pod('b', { node: 'here' }), pod('c', { deleting: true }), pod('d', { node: 'oos', deleting: true })];
  assert.deepEqual(orphanedPods(pods, new Set(['gone'])).map((p) => p.metadata.name), ['a']);
  assert.deepEqual(unscheduledTerminating(pods).map((p) => p.metadata.name), ['c']);
  const nodes = [{ metadata: { name: 'oos' }, spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }] }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }];
  assert.deepEqual(terminatingOnOutOfServiceNodes(pods, nodes).map((p) => p.metadata.name), ['d']);
});
