import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../machinery/status.js';
import { StatusManager } from './status-manager.js';
import { mergePodStatus, podStatusEqual } from './equality.js';
import { KUBELET_CONDITIONS } from './generate.js';

/** A pods client double keeping one pod, with resourceVersion preconditions like the API server's. */
function fakePods(initial: any) {
  let cur = structuredClone(initial);
  const calls: string[] = [];
  return {
    calls,
    get current() { return cur; },
    bump(status: any) { cur = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(Number(cur.metadata.resourceVersion) + 1) }, status: { ...cur.status, ...status } }; },
    cs: { pods: {
      updateStatus: async (_ns: string, obj: any) => {
        calls.push('update');
        if (obj.metadata.resourceVersion !== cur.metadata.resourceVersion) throw new StatusError(409, 'Conflict', 'the object has been modified');
        cur = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(Number(obj.metadata.resourceVersion) + 1) } };
        return cur;
      },
      get: async () => { calls.push('get'); return cur; },
      delete: async (_ns: string, _n: string, opts: any) => { calls.push(`delete grace=${opts.gracePeriodSeconds} uid=${opts.preconditions.uid}`); },
    } } as any,
  };
}

const pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: '1' }, spec: {}, status: { phase: 'Pending', conditions: [{ type: 'DisruptionTarget', status: 'True' }] } };

test('equality ignores nulls and empty values; merge keeps foreign conditions and terminal phases', () => {
  assert.ok(podStatusEqual({ a: 1, b: null, c: [], d: {} }, { a: 1 }));
  assert.ok(!podStatusEqual({ a: 1 }, { a: 2 }));
  const m = mergePodStatus({ status: { phase: 'Failed', reason: 'Evicted', conditions: [{ type: 'DisruptionTarget', status: 'True' }] } }, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, KUBELET_CONDITIONS);
  assert.equal(m.phase, 'Failed');
  assert.deepEqual(m.conditions.map((c: any) => c.type), ['Ready', 'DisruptionTarget']);
});

test('writes once per change, nothing when unchanged', async () => {
  const f = fakePods(pod);
  const sm = new StatusManager({ cs: f.cs, apiPod: () => f.current });
  sm.setPodStatus(pod, { phase: 'Running' });
  await sm.flush('u1');
  assert.equal(f.current.status.phase, 'Running');
  assert.deepEqual(f.current.status.conditions.map((c: any) => c.type), ['DisruptionTarget']);
  sm.setPodStatus(pod, { phase: 'Running' });
  sm.setPodStatus(pod, { phase: 'Running' });
  await sm.flush('u1');
  assert.equal(sm.writes, 1);
});

test('latest status wins while a write is in flight', async () => {
  const f = fakePods(pod);
  const sm = new StatusManager({ cs: f.cs, apiPod: () => f.current });
  sm.setPodStatus(pod, { phase: 'Running', podIP: '1' });
  sm.setPodStatus(pod, { phase: 'Running', podIP: '2' });
  sm.setPodStatus(pod, { phase: 'Running', podIP: '3' });
  await sm.flush('u1');
  assert.equal(f.current.status.podIP, '3');
  assert.ok(sm.writes <= 2, `wrote ${sm.writes} times`);
});

test('a conflict re-reads the pod and retries', async () => {
  const f = fakePods(pod);
  const stale = structuredClone(pod);
  f.bump({ conditions: [{ type: 'DisruptionTarget', status: 'True' }, { type: 'example/gate', status: 'True' }] });
  const sm = new StatusManager({ cs: f.cs, apiPod: () => stale });
  sm.setPodStatus(pod, { phase: 'Running' });
  await sm.flush('u1');
  assert.deepEqual(f.calls, ['update', 'get', 'update']);
  assert.equal(f.current.status.phase, 'Running');
  assert.ok(f.current.status.conditions.some((c: any) => c.type === 'example/gate'));
});

test('finishDeletion deletes with grace 0 and the UID precondition, only for pods being deleted', async () => {
  const f = fakePods(pod);
  const sm = new StatusManager({ cs: f.cs, apiPod: () => f.current });
  await sm.finishDeletion(f.current);
  assert.deepEqual(f.calls, []);
  f.bump({});
  f.current.metadata.deletionTimestamp = 'T';
  await sm.finishDeletion(f.current);
  assert.deepEqual(f.calls, ['delete grace=0 uid=u1']);
});
