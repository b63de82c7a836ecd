import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newRSNewReplicas, planOldReplicaSetsScaleDown, planScale } from './plan.js';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION } from './annotations.js';

let clock = 0;
function rs(name: string, replicas: number, available = replicas, annotations: Record<string, string> = {}): any {
  clock += 1000;
  return {
    metadata: { name, uid: `uid-${name}`, creationTimestamp: new Date(clock).toISOString().replace(/\.\d+Z$/, 'Z'), annotations },
    spec: { replicas }, status: { replicas, availableReplicas: available, readyReplicas: available },
  };
}
const dep = (replicas: number, maxSurge: number | string, maxUnavailable: number | string, statusReplicas = replicas) =>
  ({ metadata: { name: 'web', generation: 1 }, spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } }, status: { replicas: statusReplicas } });
const sizes = (steps: { rs: any; to: number }[]) => steps.map((s) => `${s.rs.metadata.name}:${s.to}`);

describe('rolling update plan', () => {
  it('the new ReplicaSet grows only into the surge room', () => {
    const d = dep(3, 1, 0);
    const old = rs('old', 3), neu = rs('new', 0);
    assert.equal(newRSNewReplicas(d, [old, neu], neu), 1);
    const neu1 = rs('new', 1, 0);
    assert.equal(newRSNewReplicas(d, [old, neu1], neu1), 1, 'at replicas+maxSurge already');
    assert.equal(newRSNewReplicas(dep(10, '25%', '25%'), [rs('o', 8), rs('n', 0)], rs('n', 0)), 5);
    assert.equal(newRSNewReplicas({ spec: { replicas: 4, strategy: { type: 'Recreate' } } }, [], rs('n', 0)), 4);
  });

  it('old replicas go only as the new ones become available (maxUnavailable 0)', () => {
    const d = dep(3, 1, 0);
    const old = rs('old', 3);
    assert.deepEqual(planOldReplicaSetsScaleDown(d, [old, rs('new', 1, 0)], [old], rs('new', 1, 0)), []);
    const neu = rs('new', 1, 1);
    assert.deepEqual(sizes(planOldReplicaSetsScaleDown(d, [old, neu], [old], neu)), ['old:2']);
  });

  it('maxUnavailable lets old replicas go before new ones are ready, oldest ReplicaSet first', () => {
    const d = dep(4, 0, 2);
    const a = rs('a', 2), b = rs('b', 2), neu = rs('new', 0, 0);
    assert.deepEqual(sizes(planOldReplicaSetsScaleDown(d, [a, b, neu], [a, b], neu)), ['a:0']);
  });

  it('unhealthy old replicas are cleaned up first, within what availability allows', () => {
    const d = dep(4, 0, 1);
    const broken = rs('broken', 2, 0), good = rs('good', 2, 2), neu = rs('new', 0, 0);
    // 4 pods, 3 must stay available, none of the new ones missing: one may go — an unavailable one.
    assert.deepEqual(sizes(planOldReplicaSetsScaleDown(d, [broken, good, neu], [broken, good], neu)), ['broken:1']);
    // With more room, the cleanup takes every unhealthy one, then the scale-down takes healthy ones.
    const d2 = dep(4, 0, 3);
    assert.deepEqual(sizes(planOldReplicaSetsScaleDown(d2, [broken, good, neu], [broken, good], neu)), ['broken:0', 'good:1']);
  });
});

describe('scaling a Deployment', () => {
  it('one active ReplicaSet simply takes the new size', () => {
    const neu = rs('new', 3);
    assert.deepEqual(sizes(planScale(dep(5, 1, 0), neu, [rs('old', 0)])), ['new:5']);
    assert.deepEqual(planScale(dep(3, 1, 0), neu, []), []);
  });

  it('a saturated new ReplicaSet means every old one goes to zero', () => {
    const neu = rs('new', 3, 3, { [DESIRED_REPLICAS_ANNOTATION]: '3' });
    assert.deepEqual(sizes(planScale(dep(3, 1, 0), neu, [rs('old', 1)])), ['old:0']);
  });

  it('mid-rollout, a scale-up is spread in proportion to each ReplicaSet\'s size', () => {
    const ann = { [MAX_REPLICAS_ANNOTATION]: '13', [DESIRED_REPLICAS_ANNOTATION]: '10' };
    const old = rs('old', 7, 7, ann), neu = rs('new', 6, 0, ann);
    // 10 -> 20 replicas, maxSurge 25%: room for 25 where 13 were allowed.
    const steps = planScale(dep(20, '25%', '25%', 13), neu, [old]);
    assert.deepEqual(sizes(steps).sort(), ['new:12', 'old:13']);
    assert.ok(steps.every((s: any) => s.op === 'up' && s.force));
  });

  it('mid-rollout, a scale-down takes from the largest first, leftovers to the largest', () => {
    const ann = { [MAX_REPLICAS_ANNOTATION]: '13', [DESIRED_REPLICAS_ANNOTATION]: '10' };
    const old = rs('old', 7, 7, ann), neu = rs('new', 6, 0, ann);
    assert.deepEqual(sizes(planScale(dep(5, '25%', '25%', 13), neu, [old])), ['old:4', 'new:3']);
    assert.deepEqual(sizes(planScale(dep(0, '25%', '25%', 13), neu, [old])), ['old:0', 'new:0']);
  });
});
