import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SimulatedRuntime } from '../cri/simulated/simulated-runtime.js';
import { KubeRuntimeManager } from './runtime-manager.js';
import { toAPIPodStatus } from './api-status.js';
import { newPod, ctr } from './testing/harness.js';

/** The manager on the shared simulated runtime, with a movable clock; `until` polls for async exits. */
function setup(rt: SimulatedRuntime, clock: { t: number }, root: string) {
  const events: { reason: string; message: string }[] = [];
  const m = new KubeRuntimeManager({
    runtime: rt, runtimeName: 'simulated', nodeName: 'n', podLogsDir: path.join(root, 'pod-logs'), cgroupRoot: '/kubepods',
    volumes: { mountPod: async () => new Map() }, probes: { livenessResult: () => undefined },
    recorder: { event: (_o, _t, reason, message) => { events.push({ reason, message }); } },
    hostIP: '192.0.2.1', memoryCapacityBytes: 1 << 30, now: () => clock.t, resolvConf: path.join(root, 'none'),
  });
  return { m, events };
}

async function until<T>(f: () => Promise<T | undefined | false>, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('on the simulated runtime: crash loop with growing back-off, pull failure, and adoption by a new manager', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kuberuntime-sim-'));
  const clock = { t: 1_700_000_000_000 };
  const rt = new SimulatedRuntime({ now: () => clock.t });
  try {
    const { m, events } = setup(rt, clock, root);
    const crash = newPod({ containers: [ctr('c', { command: ['sh', '-c', 'exit 2'] })] }, 'crash');
    const st = () => m.getPodStatus(crash.metadata.uid, 'crash', 'default');
    await m.syncPod(crash, await st());
    const exited = (n: number) => until(async () => { const s = await st(); return s.containers.length === n && s.containers[0].state === 'CONTAINER_EXITED' && s; }, `${n} exited`);
    await exited(1);
    await m.syncPod(crash, await st()); // restarted at once
    let s = await exited(2);
    let r = await m.syncPod(crash, s);
    assert.equal(r.waiting.get('c')?.reason, 'CrashLoopBackOff');
    assert.match(r.waiting.get('c')!.message, /^back-off 10s restarting failed container=c pod=crash_default\(/);
    clock.t += 11_000;
    await m.syncPod(crash, await st());
    s = await exited(3);
    r = await m.syncPod(crash, s);
    assert.match(r.waiting.get('c')!.message, /^back-off 20s /);
    const api = toAPIPodStatus(crash, s, r, 'simulated', {});
    assert.equal(api.containerStatuses[0].restartCount, 2);
    assert.equal(api.containerStatuses[0].state.waiting.reason, 'CrashLoopBackOff');
    assert.equal(api.containerStatuses[0].lastState.terminated.exitCode, 2);
    assert.match(api.containerStatuses[0].containerID, /^simulated:\/\//);

    const bad = newPod({ containers: [ctr('c', { image: 'registry.local/does-not-exist:1' })] }, 'bad');
    r = await m.syncPod(bad, await m.getPodStatus(bad.metadata.uid, 'bad', 'default'));
    assert.equal(r.waiting.get('c')?.reason, 'ErrImagePull');
    assert.match(r.waiting.get('c')!.message, /not found/);
    r = await m.syncPod(bad, await m.getPodStatus(bad.metadata.uid, 'bad', 'default'));
    assert.equal(r.waiting.get('c')?.reason, 'ImagePullBackOff');

    // A long-running pod survives a "kubelet restart": a fresh manager adopts it, changing nothing.
    const web = newPod({ containers: [ctr('app', { command: ['sleep', '3600'] })] }, 'web');
    await m.syncPod(web, await m.getPodStatus(web.metadata.uid, 'web', 'default'));
    const before = await m.getPodStatus(web.metadata.uid, 'web', 'default');
    assert.equal(before.containers[0].state, 'CONTAINER_RUNNING');
    const fresh = setup(rt, clock, root);
    assert.ok((await fresh.m.listRuntimePods()).some((p) => p.uid === web.metadata.uid));
    const r2 = await fresh.m.syncPod(web, before);
    assert.equal(r2.error, undefined);
    const after = await fresh.m.getPodStatus(web.metadata.uid, 'web', 'default');
    assert.deepEqual(after.containers.map((c) => [c.id, c.state]), before.containers.map((c) => [c.id, c.state]));
    assert.deepEqual(fresh.events, []);
    assert.ok(events.some((e) => e.reason === 'Started'));
    for (const p of [crash, web, bad]) {
      const ps = await m.getPodStatus(p.metadata.uid, p.metadata.name, 'default');
      await m.killPod(p, ps, 0);
      await m.removeTerminatedPod(await m.getPodStatus(p.metadata.uid, p.metadata.name, 'default'));
    }
    assert.deepEqual(await m.listRuntimePods(), []);
  } finally {
    await rt.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
