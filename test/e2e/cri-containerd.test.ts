/**
 * End to end: skiff's CRI v1 gRPC client against a real containerd 1.6 with runc, CNI bridge and
 * host-local from Debian, pulling from a real docker-registry on loopback. First the shared runtime
 * contract, then what only a real containerd shows: a failed pull carries the registry's words, pods
 * get addresses from the node's podCIDR and the host reaches them over the node's bridge, nothing
 * turns on ip_forward, and a stopped test containerd leaves no mounts, netns, bridge or files.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runRuntimeContract } from '../../src/kubelet/cri/testing/contract.js';
import type { PodSandboxConfig } from '../../src/kubelet/cri/api.js';
import { mountsUnder } from '../../src/kubelet/containerd/cleanup.js';
import { startContainerd } from '../../src/kubelet/containerd/containerd.js';
import { linkExists } from '../../src/kubelet/network/bridge.js';
import { nodeCniConfDir } from '../../src/kubelet/network/node-network.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushTestImages, type TestImages } from '../support/images.js';
import { startTestContainerd, type TestContainerd } from '../support/containerd.js';
import { until } from '../support/controllers.js';

let registry: Promise<{ reg: TestRegistry; images: TestImages }> | undefined;
/** One registry for the whole file, started on first use. */
function testRegistry(): Promise<{ reg: TestRegistry; images: TestImages }> {
  registry ??= (async () => { const reg = await startRegistry(); return { reg, images: await pushTestImages(reg.host) }; })();
  return registry;
}
after(async () => { if (registry) await (await registry).reg.stop(); });

const ipForward = (): string => readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();

runRuntimeContract('containerd', async () => {
  const { reg, images } = await testRegistry();
  const t = await startTestContainerd({ registryHost: reg.host, sandboxImage: images.pause });
  return { runtime: t.runtime, image: images.busybox, cleanup: t.stop, capabilities: { oom: true, readonlyMounts: true }, waitMs: 30_000 };
});

describe('containerd node runtime', () => {
  let t: TestContainerd;
  let images: TestImages;
  let regHost: string;
  const forwardBefore = ipForward();

  before(async () => {
    const r = await testRegistry();
    images = r.images;
    regHost = r.reg.host;
    t = await startTestContainerd({ registryHost: regHost, sandboxImage: images.pause });
    // Reported, not asserted: how long a managed containerd takes to answer CRI.
    console.log(`# containerd ready in ${t.containerd.startMs} ms`);
  });
  after(async () => { if (t) await t.stop(); });

  function sandboxConfig(name: string): PodSandboxConfig {
    const uid = randomBytes(8).toString('hex');
    const logDirectory = join(t.logRoot, `default_${name}_${uid}`);
    mkdirSync(logDirectory, { recursive: true });
    return { metadata: { name, uid, namespace: 'default', attempt: 0 }, hostname: name, logDirectory, labels: { 'io.kubernetes.pod.uid': uid }, linux: {} };
  }

  it('a pull of a missing image fails with the registry\'s message', async () => {
    const ref = `${regHost}/skiff/does-not-exist:1`;
    await assert.rejects(t.runtime.pullImage({ image: ref }), (e: Error) => {
      assert.match(e.message, /^rpc error: code = \w+ desc = failed to pull and unpack image/);
      assert.ok(e.message.includes(ref), e.message);
      assert.match(e.message, /not found/, e.message);
      return true;
    });
  });

  it('a pull from a registry that is not there says why', async () => {
    await assert.rejects(t.runtime.pullImage({ image: '127.0.0.1:1/skiff/busybox:1.35' }), /connection refused/);
  });

  it('reports the image filesystem under its own root', async () => {
    const [fs] = await t.runtime.imageFsInfo();
    assert.ok(fs?.mountpoint.startsWith(t.containerd.layout.root), fs?.mountpoint);
  });

  it('pulls by tag and reports the image by its id, tag and digest', async () => {
    const ref = await t.runtime.pullImage({ image: images.doctorBackend });
    assert.match(ref, /^sha256:[0-9a-f]{64}$/);
    const img = await t.runtime.imageStatus({ image: images.doctorBackend });
    assert.equal(img?.id, ref);
    assert.ok(img?.repoTags.includes(images.doctorBackend));
    assert.ok(img?.repoDigests.some((d) => d.endsWith(images.digests.doctorBackend)), JSON.stringify(img?.repoDigests));
    assert.ok((img?.size ?? 0) > 0);
  });

  it('a pod gets an address from the podCIDR and the host reaches its httpd over the bridge', async () => {
    const cfg = sandboxConfig('doctor');
    const sb = await t.runtime.runPodSandbox(cfg);
    const st = await t.runtime.podSandboxStatus(sb);
    const ip = st.network?.ip ?? '';
    const prefix = t.podCIDR.split('.').slice(0, 3).join('.') + '.';
    assert.ok(ip.startsWith(prefix) && ip !== t.gateway, `pod IP ${ip} in ${t.podCIDR}`);
    mkdirSync(join(cfg.logDirectory!, 'backend'), { recursive: true });
    const c = await t.runtime.createContainer(sb, { metadata: { name: 'backend', attempt: 0 }, image: { image: images.doctorBackend }, logPath: 'backend/0.log' }, cfg);
    await t.runtime.startContainer(c);
    let body = '';
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      try { body = await (await fetch(`http://${ip}:8000/health`, { signal: AbortSignal.timeout(2_000) })).text(); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
    }
    assert.equal(body.trim(), 'ok');
    // Stats for `kubectl top`: cumulative CPU and working set, named by container and sandbox.
    const stats = await until(async () => (await t.runtime.listContainerStats({ podSandboxId: sb })).find((x) => x.id === c && (x.memoryWorkingSetBytes ?? 0) > 0), 'container stats');
    assert.equal(stats.name, 'backend');
    assert.equal(stats.podSandboxId, sb);
    assert.ok((stats.cpuUsageCoreNanoSeconds ?? 0) > 0);
    const all = await t.runtime.listContainerStats();
    assert.equal(all.find((x) => x.id === c)?.podSandboxId, sb);
    // The pod has no route beyond its subnet: no default route, so nothing leaves the machine.
    const routes = await t.runtime.execSync(c, ['ip', 'route'], 10);
    assert.doesNotMatch(routes.stdout.toString(), /default/);
    await t.runtime.stopPodSandbox(sb);
    await t.runtime.removePodSandbox(sb);
  });

  it('containers keep running while containerd restarts, and the new one finds them', async () => {
    await t.runtime.pullImage({ image: images.busybox });
    const cfg = sandboxConfig('survivor');
    const sb = await t.runtime.runPodSandbox(cfg);
    mkdirSync(join(cfg.logDirectory!, 'main'), { recursive: true });
    const c = await t.runtime.createContainer(sb, { metadata: { name: 'main', attempt: 0 }, image: { image: images.busybox }, command: ['sh', '-c', 'echo hi; sleep 1000'], logPath: 'main/0.log' }, cfg);
    await t.runtime.startContainer(c);
    const before = await t.runtime.containerStatus(c);
    const oldPid = t.containerd.pid;
    // A second start while it runs adopts it rather than fighting over the socket.
    const again = await startContainerd({ dir: t.containerd.layout.dir, sandboxImage: images.pause, cniConfDir: nodeCniConfDir(t.dir) });
    assert.equal(again.adopted, true);
    assert.equal(again.pid, oldPid);
    await t.restartContainerd();
    assert.notEqual(t.containerd.pid, oldPid);
    assert.equal(t.containerd.adopted, false);
    const after = await t.runtime.containerStatus(c);
    assert.equal(after.state, 'CONTAINER_RUNNING');
    assert.equal(after.startedAtMs, before.startedAtMs, 'the same run, not a restart');
    assert.equal(after.podSandboxId, sb);
    const r = await t.runtime.execSync(c, ['cat', '/proc/1/cmdline'], 10);
    assert.match(r.stdout.toString(), /sleep|sh/);
    await t.runtime.removePodSandbox(sb);
  });

  it('nothing turned on net.ipv4.ip_forward', () => {
    assert.equal(ipForward(), forwardBefore);
  });

  it('stop leaves no containerd, mounts, shims, bridge or files behind', async () => {
    const r = await testRegistry();
    const u = await startTestContainerd({ registryHost: r.reg.host, sandboxImage: r.images.pause });
    const cfg = { metadata: { name: 'leftover', uid: randomBytes(8).toString('hex'), namespace: 'default', attempt: 0 }, linux: {} };
    // A pod left running on purpose: stop() must take it down.
    const sb = await u.runtime.runPodSandbox(cfg);
    assert.ok(sb);
    assert.ok(mountsUnder(u.dir).length > 0, 'a running pod has mounts under the containerd dir');
    // Its network namespace among them: pinned under this containerd's state dir, not the shared /var/run/netns.
    const nsfs = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(' nsfs ') && l.split(' ')[4]?.startsWith(u.dir + '/'));
    assert.equal(nsfs.length, 1, 'one netns mount under the containerd dir');
    const pid = u.containerd.pid;
    await u.stop();
    assert.throws(() => process.kill(pid, 0), 'containerd is gone');
    assert.deepEqual(mountsUnder(u.dir), []);
    assert.equal(existsSync(u.dir), false);
    assert.equal(await linkExists(u.bridge), false);
  });
});
