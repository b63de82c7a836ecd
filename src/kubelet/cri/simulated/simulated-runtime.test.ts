/**
 * @module kubelet/cri/simulated/simulated-runtime.test
 * The runtime contract against the simulated runtime (the parts a runtime with no processes can
 * keep), and its own scripted behaviour: `exit N` after `sleep S`, failing pulls, pod IPs, checkpoint.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRuntimeContract } from '../testing/contract.js';
import { SimulatedRuntime, scriptedExit } from './simulated-runtime.js';
import { PodIPs } from './pod-ips.js';
import type { PodSandboxConfig } from '../api.js';

runRuntimeContract('simulated', async () => {
  const runtime = new SimulatedRuntime();
  return { runtime, image: 'busybox', capabilities: { exec: false, oom: false, network: true, processes: false, mounts: false }, cleanup: () => runtime.close() };
});

const sandbox = (name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig =>
  ({ metadata: { name, uid: `uid-${name}`, namespace: 'ns', attempt: 0 }, logDirectory: '/nonexistent/logs', ...extra });

describe('SimulatedRuntime', () => {
  it('parses exit N and the sleep before it', () => {
    assert.deepEqual(scriptedExit(['sh', '-c', 'sleep 2; exit 4']), { code: 4, afterMs: 2000 });
    assert.deepEqual(scriptedExit(['sh', '-c', 'exit 0']), { code: 0, afterMs: 0 });
    assert.equal(scriptedExit(['sleep', '1000']), undefined);
  });

  it('fails pulls of images named does-not-exist with a registry-like message', async () => {
    const rt = new SimulatedRuntime();
    await assert.rejects(rt.pullImage({ image: 'example.com/does-not-exist:v1' }),
      /failed to pull and unpack image "example.com\/does-not-exist:v1": failed to resolve reference .*: not found/);
    assert.match(await rt.pullImage({ image: 'nginx' }), /^sha256:[0-9a-f]{64}$/);
    assert.ok(await rt.imageStatus({ image: 'docker.io/library/nginx:latest' }), 'normalized names are the same image');
  });

  it('gives sandboxes distinct IPs from the pod CIDR, none for host network, and reuses released ones', async () => {
    const rt = new SimulatedRuntime({ podCIDR: '10.244.3.0/24' });
    const a = await rt.runPodSandbox(sandbox('a'));
    const b = await rt.runPodSandbox(sandbox('b'));
    const h = await rt.runPodSandbox(sandbox('h', { linux: { securityContext: { namespaceOptions: { network: 'NODE' } } } }));
    assert.equal((await rt.podSandboxStatus(a)).network?.ip, '10.244.3.2');
    assert.equal((await rt.podSandboxStatus(b)).network?.ip, '10.244.3.3');
    assert.equal((await rt.podSandboxStatus(h)).network, undefined);
    await rt.removePodSandbox(a);
    const ips = new PodIPs('10.0.0.0/30');
    assert.equal(ips.allocate(), '10.0.0.2');
    assert.throws(() => ips.allocate(), /no IP addresses available/);
  });

  it('exits after the scripted sleep, and a stopped container does not exit later', async () => {
    const rt = new SimulatedRuntime();
    await rt.pullImage({ image: 'busybox' });
    const sb = await rt.runPodSandbox(sandbox('s'));
    const id = await rt.createContainer(sb, { metadata: { name: 'c', attempt: 0 }, image: { image: 'busybox' }, command: ['sh', '-c', 'sleep 0.2; exit 7'] }, sandbox('s'));
    await rt.startContainer(id);
    assert.equal((await rt.containerStatus(id)).state, 'CONTAINER_RUNNING');
    const deadline = Date.now() + 5000;
    while ((await rt.containerStatus(id)).state !== 'CONTAINER_EXITED' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const st = await rt.containerStatus(id);
    assert.equal(st.exitCode, 7);
    assert.equal(st.reason, 'Error');
    assert.equal((await rt.execSync(await (async () => {
      const id2 = await rt.createContainer(sb, { metadata: { name: 'd', attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '1000'] }, sandbox('s'));
      await rt.startContainer(id2);
      return id2;
    })(), ['sh', '-c', 'exit 2'], 1)).exitCode, 2);
  });

  it('adopts its containers from the checkpoint in a new instance', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'simulated-runtime-'));
    try {
      const rt = new SimulatedRuntime({ stateDir });
      await rt.pullImage({ image: 'busybox' });
      const sb = await rt.runPodSandbox(sandbox('p'));
      const id = await rt.createContainer(sb, { metadata: { name: 'c', attempt: 0 }, image: { image: 'busybox' }, command: ['sleep', '1000'] }, sandbox('p'));
      await rt.startContainer(id);
      await rt.close();
      const again = new SimulatedRuntime({ stateDir });
      assert.equal((await again.containerStatus(id)).state, 'CONTAINER_RUNNING');
      assert.equal((await again.podSandboxStatus(sb)).network?.ip, '10.88.0.2');
      const other = await again.runPodSandbox(sandbox('q'));
      assert.equal((await again.podSandboxStatus(other)).network?.ip, '10.88.0.3', 'the adopted IP stays taken');
    } finally { await rm(stateDir, { recursive: true, force: true }); }
  });
});
