import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredTaints, reconcileTaints, evictionTime, TAINT_UNREACHABLE } from './taints.js';

test('an Unknown node gets the unreachable taints; a ready one loses them and keeps others', () => {
  const node = { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } };
  const want = desiredTaints(node);
  assert.deepEqual(want.map((t) => `${t.key}:${t.effect}`), [`${TAINT_UNREACHABLE}:NoSchedule`, `${TAINT_UNREACHABLE}:NoExecute`]);
  const next = reconcileTaints([{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }], want, 'T')!;
  assert.equal(next.length, 3);
  assert.equal(next.find((t) => t.effect === 'NoExecute')!.timeAdded, 'T');
  assert.equal(reconcileTaints(next, want, 'T2'), null);
  assert.deepEqual(reconcileTaints(next, [], 'T3'), [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
});

test('eviction: no toleration means now; tolerationSeconds counts from the taint; unbounded never', () => {
  const taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' };
  const t0 = Date.parse(taint.timeAdded);
  assert.equal(evictionTime({ spec: {} }, [taint], t0), 0);
  assert.equal(evictionTime({ spec: { tolerations: [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] } }, [taint], t0), t0 + 300_000);
  assert.equal(evictionTime({ spec: { tolerations: [{ operator: 'Exists' }] } }, [taint], t0), Infinity);
});
