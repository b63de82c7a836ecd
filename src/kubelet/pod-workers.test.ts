import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodWorkers, type PodSyncer } from './pod-workers.js';

const pod = (uid: string, v: number, extra: any = {}) => ({ metadata: { uid, name: uid, namespace: 'ns', resourceVersion: String(v), ...extra }, spec: { terminationGracePeriodSeconds: 30 } });

/** A syncer that records what ran, and checks one pod's syncs never overlap. */
function recorder(opts: { syncMs?: number; terminalAfter?: number } = {}) {
  const log: string[] = [];
  const busy = new Set<string>();
  let overlaps = 0;
  const wrap = (kind: string) => async (p: any, grace?: number) => {
    const uid = p.metadata.uid;
    if (busy.has(uid)) overlaps++;
    busy.add(uid);
    log.push(`${kind} ${uid}@${p.metadata.resourceVersion}${kind === 'terminating' ? ` grace=${grace}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.syncMs ?? 5));
    busy.delete(uid);
  };
  let syncs = 0;
  const syncer: PodSyncer = {
    syncPod: async (p) => { await wrap('sync')(p); syncs++; return { terminal: opts.terminalAfter !== undefined && syncs >= opts.terminalAfter }; },
    syncTerminatingPod: (p, g) => wrap('terminating')(p, g),
    syncTerminatedPod: (p) => wrap('terminated')(p),
    forgetPod: (p) => { log.push(`forget ${p.metadata.uid}`); },
  };
  return { log, syncer, overlaps: () => overlaps };
}

test('syncs of one pod are serial and coalesce to the latest update', async () => {
  const r = recorder({ syncMs: 20 });
  const w = new PodWorkers({ syncer: r.syncer, resyncMs: 60_000 });
  w.updatePod(pod('a', 1), 'create');
  for (let v = 2; v <= 6; v++) w.updatePod(pod('a', v), 'update');
  await w.waitIdle();
  assert.equal(r.overlaps(), 0);
  assert.deepEqual(r.log, ['sync a@1', 'sync a@6']);
  w.stop();
});

test('pods progress independently', async () => {
  const r = recorder({ syncMs: 20 });
  const w = new PodWorkers({ syncer: r.syncer, resyncMs: 60_000 });
  const t0 = Date.now();
  for (const u of ['a', 'b', 'c', 'd']) w.updatePod(pod(u, 1), 'create');
  await w.waitIdle();
  assert.ok(Date.now() - t0 < 70, 'four pods synced in parallel');
  w.stop();
});

test('kill: terminating with the deletion grace period, then terminated, then forgotten once removed', async () => {
  const r = recorder();
  const w = new PodWorkers({ syncer: r.syncer, resyncMs: 60_000 });
  w.updatePod(pod('a', 1), 'create');
  await w.waitIdle();
  w.updatePod(pod('a', 2, { deletionTimestamp: 'T', deletionGracePeriodSeconds: 5 }), 'update');
  await w.waitIdle();
  assert.deepEqual(r.log, ['sync a@1', 'terminating a@2 grace=5', 'terminated a@2']);
  assert.ok(w.isTerminationRequested('a'));
  // A later update never restarts it.
  w.updatePod(pod('a', 3, { deletionTimestamp: 'T' }), 'update');
  await w.waitIdle();
  w.updatePod(pod('a', 4), 'kill', { removed: true });
  await w.waitIdle();
  assert.equal(r.log.at(-1), 'forget a');
  assert.ok(!w.knows('a'));
  w.stop();
});

test('a pod that turns terminal is stopped once and never synced again', async () => {
  const r = recorder({ terminalAfter: 1 });
  const w = new PodWorkers({ syncer: r.syncer, resyncMs: 20 });
  w.updatePod(pod('a', 1), 'create');
  await w.waitIdle();
  await new Promise((res) => setTimeout(res, 60));
  w.updatePod(pod('a', 2), 'update');
  await w.waitIdle();
  assert.deepEqual(r.log, ['sync a@1', 'terminating a@1 grace=30', 'terminated a@1']);
  assert.deepEqual(w.activePods(), []);
  w.stop();
});

test('periodic resync, and a failed sync is retried', async () => {
  let n = 0;
  const w = new PodWorkers({ resyncMs: 30, syncer: {
    syncPod: async () => { n++; if (n === 1) throw new Error('boom'); return {}; },
    syncTerminatingPod: async () => {}, syncTerminatedPod: async () => {},
  } });
  w.updatePod(pod('a', 1), 'create');
  const deadline = Date.now() + 3000;
  while (n < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(n >= 3, `synced ${n} times`);
  w.stop();
});
