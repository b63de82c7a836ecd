import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canAdmitPod } from './predicate.js';

const node = { metadata: { labels: { disk: 'ssd' } }, status: { allocatable: { cpu: '2', memory: '1Gi', pods: '2' } } };
const pod = (cpu: string, extra: any = {}) => ({ spec: { containers: [{ name: 'c', resources: { requests: { cpu } } }], ...extra } });

test('admits what fits, rejects with upstream reasons and messages', () => {
  assert.deepEqual(canAdmitPod(pod('1'), [pod('500m')], node), { admit: true });
  const r = canAdmitPod(pod('2'), [pod('500m')], node);
  assert.equal(r.reason, 'OutOfcpu');
  assert.equal(r.message, "Node didn't have enough resource: cpu, requested: 2000, used: 500, capacity: 2000");
  assert.equal(canAdmitPod(pod('1'), [pod('0'), pod('0')], node).reason, 'OutOfpods');
  assert.equal(canAdmitPod(pod('1', { nodeSelector: { disk: 'hdd' } }), [], node).reason, 'NodeAffinity');
  const m = { spec: { containers: [{ name: 'c', resources: { requests: { memory: '2Gi' } } }] } };
  assert.equal(canAdmitPod(m, [], node).reason, 'OutOfmemory');
});
