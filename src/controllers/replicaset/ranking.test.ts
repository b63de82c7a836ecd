import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podsToDelete } from './ranking.js';

const pod = (name: string, o: { node?: string; phase?: string; ready?: string; restarts?: number; created?: string } = {}) => ({
  metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
  spec: { nodeName: o.node },
  status: { phase: o.phase ?? 'Running', conditions: o.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: o.ready }] : [], containerStatuses: [{ restartCount: o.restarts ?? 0 }] },
});

test('scale-down deletes unscheduled, then pending, then unready, then recently ready, then restarting, then newer pods', () => {
  const pods = [
    pod('old-ready', { node: 'n', ready: '2026-01-01T00:00:00Z' }),
    pod('new-ready', { node: 'n', ready: '2026-01-02T00:00:00Z' }),
    pod('unready', { node: 'n' }),
    pod('pending', { node: 'n', phase: 'Pending' }),
    pod('unscheduled', { phase: 'Pending' }),
    pod('restarty', { node: 'n', ready: '2026-01-01T00:00:00Z', restarts: 3 }),
  ];
  assert.deepEqual(podsToDelete(pods, 6).map((p) => p.metadata.name), ['unscheduled', 'pending', 'unready', 'new-ready', 'restarty', 'old-ready']);
  assert.deepEqual(podsToDelete(pods, 2).map((p) => p.metadata.name), ['unscheduled', 'pending']);
});
