import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ProcessRuntime } from '../cri/process/process-runtime.js';
import { KubeRuntimeManager } from './runtime-manager.js';
import { toAPIPodStatus } from './api-status.js';
import { newPod, ctr } from './testing/harness.js';

async function until<T>(f: () => Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('real processes: env and logs, termination message, preStop then SIGTERM within the grace period', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kuberuntime-proc-'));
  const rt = new ProcessRuntime({ stateDir: path.join(root, 'state'), pollMs: 50 });
  try {
    const events: string[] = [];
    const m = new KubeRuntimeManager({
      runtime: rt, runtimeName: 'process', nodeName: 'n', podLogsDir: path.join(root, 'kubelet', 'pod-logs'), cgroupRoot: '',
      volumes: { mountPod: async () => new Map() }, recorder: { event: (_o, _t, reason) => { events.push(reason); } },
      hostIP: '127.0.0.1', resolvConf: path.join(root, 'none'),
    });
    const marker = path.join(root, 'prestop-ran');
    const pod = newPod({
      restartPolicy: 'Never', terminationGracePeriodSeconds: 10,
      containers: [
        ctr('app', {
          image: 'busybox', command: ['sh', '-c'], args: ['trap "echo bye; exit 0" TERM; echo "hello $(WHO)"; while :; do sleep 0.1; done'],
          env: [{ name: 'WHO', value: 'world' }], lifecycle: { preStop: { exec: { command: ['sh', '-c', `echo ran > ${marker}`] } } },
        }),
        ctr('quit', { image: 'busybox', command: ['sh', '-c', 'printf "went wrong" > "$SKIFF_CONTAINER_ROOT/dev/termination-log"; exit 4'] }),
      ],
    }, 'proc');
    const st = () => m.getPodStatus(pod.metadata.uid, 'proc', 'default');
    const r = await m.syncPod(pod, await st());
    assert.equal(r.error, undefined, String(r.error));
    const s = await until(async () => {
      const s = await st();
      const byName = (n: string) => s.containers.find((c) => c.metadata.name === n);
      return byName('app')?.state === 'CONTAINER_RUNNING' && byName('quit')?.state === 'CONTAINER_EXITED' && s;
    }, 'app running and quit exited');
    const logFile = path.join(root, 'kubelet', 'pod-logs', `default_proc_${pod.metadata.uid}`, 'app', '0.log');
    await until(async () => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('hello world'), 'the log line');
    let api = toAPIPodStatus(pod, s, r, 'process', {});
    const quit = api.containerStatuses.find((c: any) => c.name === 'quit');
    assert.equal(quit.state.terminated.exitCode, 4);
    assert.equal(quit.state.terminated.reason, 'Error');
    assert.equal(quit.state.terminated.message, 'went wrong');
    // Never: the exited container stays down while the other runs.
    await m.syncPod(pod, await st());
    assert.equal((await st()).containers.length, 2);
    const started = Date.now();
    await m.killPod(pod, await st());
    assert.ok(Date.now() - started < 8000, 'stopped on SIGTERM, well before the grace ran out');
    assert.equal(fs.readFileSync(marker, 'utf8'), 'ran\n');
    const end = await until(async () => { const s = await st(); return s.containers.every((c) => c.state === 'CONTAINER_EXITED') && s; }, 'all exited');
    api = toAPIPodStatus(pod, end, undefined, 'process', {});
    const app = api.containerStatuses.find((c: any) => c.name === 'app');
    assert.equal(app.state.terminated.exitCode, 0);
    assert.equal(app.state.terminated.reason, 'Completed');
    assert.ok(fs.readFileSync(logFile, 'utf8').includes('bye'));
    assert.deepEqual(events.filter((e) => e === 'Killing'), ['Killing']);
    await m.removeTerminatedPod(await st());
    assert.deepEqual(await m.listRuntimePods(), []);
  } finally {
    for (const s of await rt.listPodSandbox().catch(() => [])) await rt.removePodSandbox(s.id).catch(() => undefined);
    await rt.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
