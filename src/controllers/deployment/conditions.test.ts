import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEPLOYMENT_AVAILABLE, DEPLOYMENT_PROGRESSING, calculateStatus, deploymentComplete, deploymentProgressing, deploymentTimedOut, getCondition,
  newCondition, setCondition, statusEqual,
} from './conditions.js';

const dep = (status: any = {}) => ({
  metadata: { name: 'web', generation: 2 },
  spec: { replicas: 3, progressDeadlineSeconds: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } },
  status,
});
const rs = (replicas: number, available: number) => ({ metadata: { name: 'x' }, spec: { replicas }, status: { replicas, readyReplicas: available, availableReplicas: available } });

describe('deployment status and conditions', () => {
  it('counts from the ReplicaSets, Available by replicas-maxUnavailable', () => {
    const neu = rs(2, 1), old = rs(2, 2);
    const s = calculateStatus([old, neu], neu, dep(), 0);
    assert.equal(s.observedGeneration, 2);
    assert.equal(s.replicas, 4);
    assert.equal(s.updatedReplicas, 2);
    assert.equal(s.availableReplicas, 3);
    assert.equal(s.unavailableReplicas, 1);
    assert.equal(getCondition(s, DEPLOYMENT_AVAILABLE)!.reason, 'MinimumReplicasAvailable');
    const low = calculateStatus([rs(3, 1)], undefined, dep(), 0);
    assert.equal(getCondition(low, DEPLOYMENT_AVAILABLE)!.status, 'False');
    assert.equal(getCondition(low, DEPLOYMENT_AVAILABLE)!.reason, 'MinimumReplicasUnavailable');
  });

  it('a condition keeps its lastTransitionTime while its status stays; same status and reason changes nothing', () => {
    const s: any = {};
    setCondition(s, newCondition(DEPLOYMENT_PROGRESSING, 'True', 'NewReplicaSetCreated', 'a', 1_000_000));
    setCondition(s, newCondition(DEPLOYMENT_PROGRESSING, 'True', 'ReplicaSetUpdated', 'b', 5_000_000));
    const c = getCondition(s, DEPLOYMENT_PROGRESSING)!;
    assert.equal(c.reason, 'ReplicaSetUpdated');
    assert.equal(c.lastTransitionTime, '1970-01-01T00:16:40Z');
    assert.equal(c.lastUpdateTime, '1970-01-01T01:23:20Z');
    setCondition(s, newCondition(DEPLOYMENT_PROGRESSING, 'True', 'ReplicaSetUpdated', 'c', 9_000_000));
    assert.equal(getCondition(s, DEPLOYMENT_PROGRESSING)!.message, 'b');
    setCondition(s, newCondition(DEPLOYMENT_PROGRESSING, 'False', 'ProgressDeadlineExceeded', 'd', 9_000_000));
    assert.equal(getCondition(s, DEPLOYMENT_PROGRESSING)!.lastTransitionTime, '1970-01-01T02:30:00Z');
    assert.equal(s.conditions.length, 1);
  });

  it('complete, progressing, timed out', () => {
    assert.ok(deploymentComplete(dep(), { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 2 }));
    assert.ok(!deploymentComplete(dep(), { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }));
    assert.ok(deploymentProgressing(dep({ replicas: 4, updatedReplicas: 1 }), { replicas: 4, updatedReplicas: 2 }));
    assert.ok(deploymentProgressing(dep({ replicas: 4, updatedReplicas: 2 }), { replicas: 3, updatedReplicas: 2 }), 'fewer old replicas');
    assert.ok(!deploymentProgressing(dep({ replicas: 4, updatedReplicas: 2 }), { replicas: 4, updatedReplicas: 2 }));
    const s = { conditions: [newCondition(DEPLOYMENT_PROGRESSING, 'True', 'ReplicaSetUpdated', 'x', 1_000_000)] };
    assert.ok(!deploymentTimedOut(dep(), s, 1_000_000 + 9_000));
    assert.ok(deploymentTimedOut(dep(), s, 1_000_000 + 11_000));
    const done = { conditions: [newCondition(DEPLOYMENT_PROGRESSING, 'True', 'NewReplicaSetAvailable', 'x', 0)] };
    assert.ok(!deploymentTimedOut(dep(), done, 1e12));
  });

  it('statuses compare as the wire shows them: zero counts omitted', () => {
    assert.ok(statusEqual({ replicas: 2 }, { replicas: 2, readyReplicas: 0, unavailableReplicas: 0 }));
    assert.ok(!statusEqual({ replicas: 2 }, { replicas: 2, collisionCount: 0 }));
  });
});
