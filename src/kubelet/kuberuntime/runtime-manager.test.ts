import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { newHarness, newPod, ctr } from './testing/harness.js';
import { toAPIPodStatus } from './api-status.js';

test('sandbox then containers: config, labels, annotations, log path, events, running status', async () => {
  const h = newHarness();
  try {
    const pod = newPod({ containers: [ctr('app', { command: ['sh', '-c'], args: ['echo $(GREETING)'], env: [{ name: 'GREETING', value: 'hi' }], workingDir: '/w', ports: [{ containerPort: 80, hostPort: 8080 }] })] });
    const { result, status } = await h.sync(pod);
    assert.equal(result.error, undefined);
    assert.deepEqual(h.rt.calls, ['runPodSandbox web 0', 'pullImage busybox:1.36', 'createContainer app 0', 'startContainer app']);
    const sb = [...h.rt.sandboxes.values()][0].config;
    assert.equal(sb.hostname, 'web');
    assert.equal(sb.logDirectory, `${h.root}/pod-logs/default_web_${pod.metadata.uid}`);
    assert.deepEqual(sb.portMappings, [{ protocol: 'TCP', containerPort: 80, hostPort: 8080 }]);
    assert.equal(sb.labels!['io.kubernetes.pod.uid'], pod.metadata.uid);
    assert.equal(sb.linux!.cgroupParent, `/kubepods/besteffort/pod${pod.metadata.uid}`);
    assert.equal(sb.linux!.securityContext!.namespaceOptions!.network, 'POD');
    const c = [...h.rt.containers.values()][0].config;
    assert.deepEqual(c.args, ['echo hi']);
    assert.equal(c.workingDir, '/w');
    assert.equal(c.logPath, 'app/0.log');
    assert.equal(c.labels!['io.kubernetes.container.name'], 'app');
    assert.equal(c.annotations!['io.kubernetes.container.restartCount'], '0');
    assert.equal(c.annotations!['io.kubernetes.pod.terminationGracePeriod'], '30');
    assert.ok(c.annotations!['io.kubernetes.container.hash']);
    assert.ok(c.envs!.some((e) => e.key === 'GREETING' && e.value === 'hi'));
    const tm = c.mounts!.find((m) => m.containerPath === '/dev/termination-log');
    assert.equal(tm?.hostPath, `${h.root}/pods/${pod.metadata.uid}/containers/app/0`);
    assert.ok(fs.existsSync(tm!.hostPath));
    assert.deepEqual(h.events.map((e) => e.reason), ['Pulling', 'Pulled', 'Created', 'Started']);
    assert.match(h.events[1].message, /^Successfully pulled image "busybox:1.36" in \S+/);
    assert.equal(h.events[2].message, 'Created container app');
    const api = toAPIPodStatus(pod, status, result, 'fake', {});
    assert.equal(api.podIP, status.ips[0]);
    assert.equal(api.qosClass, 'BestEffort');
    const cs = api.containerStatuses[0];
    assert.ok(cs.state.running.startedAt);
    assert.equal(cs.restartCount, 0);
    assert.match(cs.containerID, /^fake:\/\/c/);
    assert.match(cs.imageID, /^sha256:/);
    // A second sync with nothing changed does nothing (and a restarted kubelet adopts the same way).
    h.rt.calls.length = 0;
    await h.sync(pod);
    assert.deepEqual(h.rt.calls, []);
  } finally { h.cleanup(); }
});

test('init containers run one at a time, in order, before app containers', async () => {
  const h = newHarness();
  try {
    const pod = newPod({ initContainers: [ctr('init-a'), ctr('init-b')], containers: [ctr('app')] });
    let r = await h.sync(pod);
    assert.deepEqual(h.rt.calls.filter((c) => c.startsWith('start')), ['startContainer init-a']);
    let api = toAPIPodStatus(pod, r.status, r.result, 'fake', {});
    assert.equal(api.containerStatuses[0].state.waiting.reason, 'PodInitializing');
    await h.sync(pod); // init-a still running: nothing
    assert.deepEqual(h.rt.calls.filter((c) => c.startsWith('start')), ['startContainer init-a']);
    h.rt.exit(h.rt.newest('init-a')!.id, 0);
    await h.sync(pod);
    assert.deepEqual(h.rt.calls.filter((c) => c.startsWith('start')), ['startContainer init-a', 'startContainer init-b']);
    h.rt.exit(h.rt.newest('init-b')!.id, 0);
    r = await h.sync(pod);
    assert.deepEqual(h.rt.calls.filter((c) => c.startsWith('start')), ['startContainer init-a', 'startContainer init-b', 'startContainer app']);
    api = toAPIPodStatus(pod, r.status, r.result, 'fake', {});
    assert.deepEqual(api.initContainerStatuses.map((s: any) => s.state.terminated.reason), ['Completed', 'Completed']);
    assert.ok(api.containerStatuses[0].state.running);
  } finally { h.cleanup(); }
});

test('a failed init container fails a Never pod; with Always it is restarted with back-off', async () => {
  const h = newHarness();
  try {
    const never = newPod({ restartPolicy: 'Never', initContainers: [ctr('init')], containers: [ctr('app')] }, 'job');
    await h.sync(never);
    h.rt.exit(h.rt.newest('init')!.id, 3);
    const r = await h.sync(never);
    assert.equal(r.result.podFailed, true);
    assert.equal((r.result.error as any).podFailed, true);
    assert.equal(h.rt.newest('app'), undefined);
    const api = toAPIPodStatus(never, r.status, r.result, 'fake', {});
    assert.equal(api.initContainerStatuses[0].state.terminated.exitCode, 3);
    assert.equal(api.initContainerStatuses[0].state.terminated.reason, 'Error');
    assert.equal(api.containerStatuses[0].state.waiting.reason, 'PodInitializing');

    const always = newPod({ initContainers: [ctr('init')], containers: [ctr('app')] }, 'svc');
    await h.sync(always);
    h.rt.exit([...h.rt.containers.values()].filter((c) => c.status.labels['io.kubernetes.pod.uid'] === always.metadata.uid)[0].status.id, 1);
    let s = await h.sync(always); // first failure: restarted at once (back-off starts at 10 s)
    const inits = () => [...h.rt.containers.values()].filter((c) => c.status.labels['io.kubernetes.pod.uid'] === always.metadata.uid);
    assert.equal(inits().length, 2);
    h.rt.exit(inits().sort((a, b) => b.status.createdAtMs - a.status.createdAtMs)[0].status.id, 1);
    s = await h.sync(always);
    assert.equal(s.result.waiting.get('init')?.reason, 'CrashLoopBackOff');
    assert.equal(inits().length, 2);
  } finally { h.cleanup(); }
});

test('restart policies: Always restarts any exit, OnFailure only failures, Never none', async () => {
  const h = newHarness();
  try {
    const cases: [string, number, boolean][] = [['Always', 0, true], ['Always', 1, true], ['OnFailure', 0, false], ['OnFailure', 2, true], ['Never', 1, false], ['Never', 0, false]];
    for (const [policy, code, restarts] of cases) {
      const pod = newPod({ restartPolicy: policy, containers: [ctr('app')] }, `p-${policy.toLowerCase()}-${code}`);
      await h.sync(pod);
      const first = (await h.status(pod)).containers[0];
      h.rt.exit(first.id, code);
      const r = await h.sync(pod);
      assert.equal(r.status.containers.length, restarts ? 2 : 1, `${policy} exit ${code}`);
      if (!restarts) {
        // Nothing left to run: the sandbox is stopped, and no new one is made for a Never pod.
        assert.equal(r.status.sandboxes[0].state, 'SANDBOX_NOTREADY', `${policy} exit ${code}`);
        const again = await h.sync(pod);
        assert.equal(again.status.sandboxes.length, 1);
        const api = toAPIPodStatus(pod, again.status, again.result, 'fake', {});
        assert.equal(api.containerStatuses[0].state.terminated.exitCode, code);
        assert.equal(api.containerStatuses[0].state.terminated.reason, code === 0 ? 'Completed' : 'Error');
      }
    }
  } finally { h.cleanup(); }
});

test('CrashLoopBackOff: 10 s doubling to 5 min, message and lastState; reset after 10 min of running', async () => {
  const h = newHarness();
  try {
    const pod = newPod({ containers: [ctr('crash')] }, 'crashy');
    await h.sync(pod);
    const seen: string[] = [];
    for (let i = 0; i < 7; i++) {
      h.clock.t += 1000;
      h.rt.exit(h.rt.newest('crash')!.id, 1);
      const before = h.rt.containers.size;
      let r = await h.sync(pod);
      if (i === 0) { assert.equal(h.rt.containers.size, before + 1); continue; } // the first restart is immediate
      assert.equal(h.rt.containers.size, before);
      const w = r.result.waiting.get('crash')!;
      assert.equal(w.reason, 'CrashLoopBackOff');
      seen.push(/back-off (\S+) /.exec(w.message)![1]);
      assert.equal(w.message, `back-off ${seen.at(-1)} restarting failed container=crash pod=crashy_default(${pod.metadata.uid})`);
      const api = toAPIPodStatus(pod, r.status, r.result, 'fake', {});
      const cs = api.containerStatuses[0];
      assert.equal(cs.state.waiting.reason, 'CrashLoopBackOff');
      assert.equal(cs.lastState.terminated.exitCode, 1);
      assert.equal(cs.restartCount, i);
      // Still backing off just before the delay ends; restarted once it has passed.
      const delayMs = h.m.backoff.get(`crashy_default_${pod.metadata.uid}_crash_${h.rt.newest('crash')!.annotations['io.kubernetes.container.hash']}`);
      h.clock.t += delayMs - 500;
      r = await h.sync(pod);
      assert.equal(r.result.waiting.get('crash')?.reason, 'CrashLoopBackOff');
      h.clock.t += 1000;
      r = await h.sync(pod);
      assert.equal(r.result.waiting.size, 0);
      assert.equal(h.rt.containers.size, before + 1);
    }
    assert.deepEqual(seen, ['10s', '20s', '40s', '1m20s', '2m40s', '5m0s']);
    assert.ok(h.events.some((e) => e.reason === 'BackOff' && e.message === `Back-off restarting failed container crash in pod crashy_default(${pod.metadata.uid})`));
    // Runs for 11 minutes, then crashes: the back-off starts over at 10 s.
    h.clock.t += 11 * 60_000;
    h.rt.exit(h.rt.newest('crash')!.id, 1);
    const before = h.rt.containers.size;
    await h.sync(pod);
    assert.equal(h.rt.containers.size, before + 1, 'restarted at once after a long run');
    h.clock.t += 1000;
    h.rt.exit(h.rt.newest('crash')!.id, 1);
    const r = await h.sync(pod);
    assert.match(r.result.waiting.get('crash')!.message, /^back-off 10s /);
  } finally { h.cleanup(); }
});

test('image pulls: ErrImagePull with the registry message, then ImagePullBackOff; Never and default policies', async () => {
  const h = newHarness();
  try {
    h.rt.pullErrors.set('registry.local/nope:1', 'rpc error: code = NotFound desc = failed to pull and unpack image "registry.local/nope:1": not found');
    const pod = newPod({ containers: [ctr('app', { image: 'registry.local/nope:1' })] });
    let r = await h.sync(pod);
    assert.deepEqual(r.result.waiting.get('app'), { reason: 'ErrImagePull', message: 'rpc error: code = NotFound desc = failed to pull and unpack image "registry.local/nope:1": not found' });
    assert.ok(h.events.some((e) => e.type === 'Warning' && e.reason === 'Failed' && e.message.startsWith('Failed to pull image "registry.local/nope:1": rpc error')));
    let api = toAPIPodStatus(pod, r.status, r.result, 'fake', {});
    assert.equal(api.containerStatuses[0].state.waiting.reason, 'ErrImagePull');
    h.clock.t += 5000;
    r = await h.sync(pod);
    assert.deepEqual(r.result.waiting.get('app'), { reason: 'ImagePullBackOff', message: 'Back-off pulling image "registry.local/nope:1"' });
    assert.ok(h.events.some((e) => e.reason === 'BackOff' && e.message === 'Back-off pulling image "registry.local/nope:1"'));
    assert.equal(h.rt.calls.filter((c) => c.startsWith('pullImage')).length, 1);
    h.clock.t += 6000;
    r = await h.sync(pod);
    assert.equal(r.result.waiting.get('app')?.reason, 'ErrImagePull');
    assert.equal(h.rt.calls.filter((c) => c.startsWith('pullImage')).length, 2);
    h.rt.pullErrors.clear();
    h.clock.t += 21_000;
    r = await h.sync(pod);
    assert.equal(r.result.waiting.size, 0);
    api = toAPIPodStatus(pod, r.status, r.result, 'fake', {});
    assert.ok(api.containerStatuses[0].state.running);

    const never = newPod({ containers: [ctr('app', { image: 'missing:1', imagePullPolicy: 'Never' })] }, 'never');
    r = await h.sync(never);
    assert.deepEqual(r.result.waiting.get('app'), { reason: 'ErrImageNeverPull', message: 'Container image "missing:1" is not present with pull policy of Never' });

    // No policy: ":latest" and untagged pull every time; a tag already present is not pulled again.
    await h.rt.pullImage({ image: 'busybox:1.36' });
    h.rt.calls.length = 0;
    const d = newPod({ containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox:latest' }, { name: 'c', image: 'busybox:1.36' }] }, 'defaults');
    await h.sync(d);
    assert.deepEqual(h.rt.calls.filter((c) => c.startsWith('pullImage')), ['pullImage busybox', 'pullImage busybox:latest']);
  } finally { h.cleanup(); }
});

test('liveness failure kills and restarts the container with the kubelet message', async () => {
  const h = newHarness();
  try {
    const pod = newPod({ containers: [ctr('app'), ctr('side')] });
    await h.sync(pod);
    const app = h.rt.newest('app')!;
    h.liveness.set(app.id, 'Failure');
    const r = await h.sync(pod);
    const killing = h.events.filter((e) => e.reason === 'Killing');
    assert.deepEqual(killing.map((e) => e.message), ['Container app failed liveness probe, will be restarted']);
    assert.equal(h.rt.stopTimeouts.get(app.id), 30);
    assert.equal(h.rt.newest('app')!.metadata.attempt, 1);
    assert.equal(h.rt.newest('side')!.metadata.attempt, 0);
    const api = toAPIPodStatus(pod, r.status, r.result, 'fake', {});
    const s = api.containerStatuses.find((c: any) => c.name === 'app');
    assert.equal(s.restartCount, 1);
    assert.ok(s.state.running);
    assert.equal(s.lastState.terminated.exitCode, 0);
    assert.deepEqual(api.containerStatuses.map((c: any) => c.name), ['app', 'side']);
  } finally { h.cleanup(); }
});

test('a changed spec (new image) restarts the container even under Never', async () => {
  const h = newHarness();
  try {
    const pod = newPod({ restartPolicy: 'Never', containers: [ctr('app')] });
    await h.sync(pod);
    const changed = structuredClone(pod);
    changed.spec.containers[0].image = 'busybox:1.37';
    await h.sync(changed);
    assert.ok(h.events.some((e) => e.reason === 'Killing' && e.message === 'Container app definition changed, will be restarted'));
    assert.equal(h.rt.newest('app')!.metadata.attempt, 1);
    assert.equal(h.rt.newest('app')!.state, 'CONTAINER_RUNNING');
  } finally { h.cleanup(); }
});

test('killPod: preStop hooks run first and their time counts against the grace period', async () => {
  const h = newHarness();
  try {
    const pod = newPod({
      terminationGracePeriodSeconds: 5,
      containers: [ctr('exec', { lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 0'] } } } }), ctr('sleeper', { lifecycle: { preStop: { sleep: { seconds: 1 } } } }), ctr('plain')],
    });
    await h.sync(pod);
    h.rt.calls.length = 0;
    await h.m.killPod(pod, await h.status(pod));
    const order = h.rt.calls.filter((c) => /execSync|stopContainer exec|stopPodSandbox/.test(c));
    assert.deepEqual(order.map((c) => c.split(' ')[0]), ['execSync', 'stopContainer', 'stopPodSandbox']);
    assert.equal(h.rt.stopTimeouts.get(h.rt.newest('exec')!.id), 5);
    assert.equal(h.rt.stopTimeouts.get(h.rt.newest('sleeper')!.id), 4);
    assert.equal(h.rt.stopTimeouts.get(h.rt.newest('plain')!.id), 5);
    assert.equal(h.events.filter((e) => e.reason === 'Killing').length, 3);
    assert.ok(h.events.some((e) => e.message === 'Stopping container plain'));
    const st = await h.status(pod);
    assert.ok(st.containers.every((c) => c.state === 'CONTAINER_EXITED'));
    assert.equal(st.sandboxes[0].state, 'SANDBOX_NOTREADY');
    // A deletion with grace 0 still gets the runtime's minimum (the override wins).
    const p2 = newPod({ containers: [ctr('x')] }, 'quick');
    await h.sync(p2);
    await h.m.killPod(p2, await h.status(p2), 0);
    assert.equal(h.rt.stopTimeouts.get(h.rt.newest('x')!.id), 0);
    // Orphans (no API pod) use the grace annotation.
    const p3 = newPod({ terminationGracePeriodSeconds: 7, containers: [ctr('o')] }, 'orphan');
    await h.sync(p3);
    assert.ok((await h.m.listRuntimePods()).some((p) => p.uid === p3.metadata.uid && p.name === 'orphan' && p.namespace === 'default'));
    await h.m.killPod(undefined, await h.status(p3));
    assert.equal(h.rt.stopTimeouts.get(h.rt.newest('o')!.id), 7);
    await h.m.removeTerminatedPod(await h.status(p3));
    assert.ok(!(await h.m.listRuntimePods()).some((p) => p.uid === p3.metadata.uid));
  } finally { h.cleanup(); }
});

test('a failing postStart hook kills the container with PostStartHookError', async () => {
  const h = newHarness();
  try {
    h.rt.execHandler = () => ({ stdout: Buffer.from('nope'), stderr: Buffer.alloc(0), exitCode: 1 });
    const pod = newPod({ containers: [ctr('app', { lifecycle: { postStart: { exec: { command: ['false'] } } } })] });
    const r = await h.sync(pod);
    const w = r.result.waiting.get('app')!;
    assert.equal(w.reason, 'PostStartHookError');
    assert.match(w.message, /^Exec lifecycle hook \(\[false\]\) for Container "app" in Pod "web_default\(uid-\d+\)" failed - error: command 'false' exited with 1: , message: "nope"$/);
    assert.ok(h.events.some((e) => e.reason === 'FailedPostStartHook'));
    assert.equal(h.rt.newest('app')!.state, 'CONTAINER_EXITED');
  } finally { h.cleanup(); }
});

test('config errors: env -> CreateContainerConfigError; mount failures keep the pod creating', async () => {
  const h = newHarness();
  try {
    const pod = newPod({ containers: [ctr('app', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'missing', key: 'k' } } }] })] });
    // The clientset double has no configmaps: the env helper's error surfaces as a config error.
    const r = await h.sync(pod);
    assert.equal(r.result.waiting.get('app')?.reason, 'CreateContainerConfigError');
    const api = toAPIPodStatus(pod, r.status, r.result, 'fake', {});
    assert.equal(api.containerStatuses[0].state.waiting.reason, 'CreateContainerConfigError');
    assert.ok(h.events.some((e) => e.reason === 'Failed' && e.message.startsWith('Error: ')));
  } finally { h.cleanup(); }
  const h2 = newHarness({ mountError: new Error('MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found') });
  try {
    const pod = newPod({ containers: [ctr('app')] });
    const r = await h2.sync(pod);
    assert.match(r.result.error!.message, /MountVolume.SetUp failed/);
    assert.equal(h2.rt.containers.size, 0);
    const api = toAPIPodStatus(pod, r.status, r.result, 'fake', {});
    assert.equal(api.containerStatuses[0].state.waiting.reason, 'ContainerCreating');
  } finally { h2.cleanup(); }
});

test('status: termination message file, FallbackToLogsOnError, and sandbox re-creation', async () => {
  const h = newHarness();
  try {
    const pod = newPod({ restartPolicy: 'Never', containers: [ctr('msg'), ctr('logs', { terminationMessagePolicy: 'FallbackToLogsOnError' })] });
    await h.sync(pod);
    const msg = h.rt.newest('msg')!;
    fs.writeFileSync(msg.mounts.find((m) => m.containerPath === '/dev/termination-log')!.hostPath, 'all done');
    const logs = h.rt.newest('logs')!;
    fs.mkdirSync(logs.logPath.replace(/\/[^/]+$/, ''), { recursive: true });
    fs.writeFileSync(logs.logPath, '2024-01-01T00:00:00.000000000Z stdout F starting\n2024-01-01T00:00:01.000000000Z stderr P boom: \n2024-01-01T00:00:01.000000000Z stderr F disk full\n');
    h.rt.exit(msg.id, 0);
    h.rt.exit(logs.id, 2);
    const st = await h.status(pod);
    const api = toAPIPodStatus(pod, st, undefined, 'fake', {});
    const byName = Object.fromEntries(api.containerStatuses.map((c: any) => [c.name, c]));
    assert.equal(byName.msg.state.terminated.message, 'all done');
    assert.equal(byName.logs.state.terminated.message, 'starting\nboom: disk full\n');
    assert.equal(byName.logs.state.terminated.exitCode, 2);

    // An Always pod whose sandbox died gets a new one (attempt 1) and its containers again.
    const p2 = newPod({ containers: [ctr('app')] }, 'resandbox');
    await h.sync(p2);
    await h.rt.stopPodSandbox((await h.status(p2)).sandboxes[0].id);
    const r = await h.sync(p2);
    assert.equal(r.status.sandboxes[0].metadata.attempt, 1);
    assert.equal(r.status.sandboxes[0].state, 'SANDBOX_READY');
    assert.ok(h.events.some((e) => e.reason === 'SandboxChanged'));
    const a2 = toAPIPodStatus(p2, r.status, r.result, 'fake', {});
    assert.equal(a2.containerStatuses[0].restartCount, 1);
    assert.equal(a2.containerStatuses[0].lastState.terminated.exitCode, 137);
  } finally { h.cleanup(); }
});
