/**
 * End-to-end: the Kubelet against a real `skiff server` (no controllers, no scheduler, no embedded
 * agent), in-process on the simulated runtime, with an admin clientset. It registers its Node and
 * Lease and turns Ready; runs a pod bound to it to Running with conditions; finishes a graceful
 * deletion; mirrors a static pod; and, restarted, adopts the running containers instead of
 * restarting them (the seed's kubelet failure), while removing those of pods deleted meanwhile.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { NO_COMPONENTS, until } from '../support/controllers.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { Kubelet, type KubeletOptions } from '../../src/kubelet/kubelet.js';
import { SimulatedRuntime } from '../../src/kubelet/cri/simulated/simulated-runtime.js';

const NS = 'kubelet-e2e';
const NODE = `kubelet-e2e-${process.pid}`;

const pod = (name: string, extra: any = {}) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
  spec: { nodeName: NODE, automountServiceAccountToken: false, terminationGracePeriodSeconds: 5, containers: [{ name: 'web', image: 'registry.local/web:1', imagePullPolicy: 'IfNotPresent' }], ...extra },
});

describe('kubelet on the simulated runtime', () => {
  let srv: SkiffServer;
  let cs: Clientset;
  let dir: string;
  let runtime: SimulatedRuntime;
  let kubelet: Kubelet;
  const podCIDRs: string[] = [];

  const options = (): KubeletOptions => ({
    nodeName: NODE, cs, runtime, runtimeName: 'simulated', rootDir: join(dir, 'kubelet'), nodeIP: '127.0.0.1', kubeletPort: 10250,
    staticPodPath: join(dir, 'manifests'), resyncMs: 1_000, nodeStatusUpdateMs: 1_000, leaseRenewMs: 500, staticPodPollMs: 200, onPodCIDR: (c) => podCIDRs.push(c),
  });
  const getPod = (name: string) => cs.pods.get(NS, name);
  const cond = (p: any, type: string) => p.status?.conditions?.find((c: any) => c.type === type)?.status;

  before(async () => {
    srv = await startSkiffServer({ args: NO_COMPONENTS });
    cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-e2e/kubelet' });
    dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-e2e-'));
    await mkdir(join(dir, 'manifests'));
    await cs.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await cs.serviceaccounts.create(NS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } }).catch(() => {});
    runtime = new SimulatedRuntime();
    kubelet = new Kubelet(options());
    await kubelet.start();
  });

  after(async () => {
    await kubelet?.stop();
    await runtime?.close();
    cs?.close();
    await srv?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('registers its Node (capacity, addresses, nodeInfo) and Lease, and turns Ready', async () => {
    const node = await until(async () => { const n = await cs.nodes.get('', NODE); return cond(n, 'Ready') === 'True' && n; }, 'node Ready');
    assert.equal(node.status.capacity.pods, '110');
    assert.ok(Number(node.status.capacity.cpu) >= 1);
    assert.match(node.status.capacity.memory, /^\d+Ki$/);
    assert.deepEqual(node.status.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE }]);
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^simulated:\/\//);
    assert.equal(node.status.nodeInfo.kubeletVersion, 'v1.32.4-skiff');
    assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, 10250);
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], NODE);
    const lease = await cs.leases.get('kube-node-lease', NODE);
    assert.equal(lease.spec.holderIdentity, NODE);
    assert.equal(lease.spec.leaseDurationSeconds, 40);
    assert.equal(lease.metadata.ownerReferences[0].uid, node.metadata.uid);
    await until(async () => (await cs.leases.get('kube-node-lease', NODE)).spec.renewTime !== lease.spec.renewTime, 'lease renewed');
    const events = await until(async () => { const ev = (await cs.events.list('default')).items.filter((e: any) => e.involvedObject?.name === NODE); return ev.length >= 2 && ev; }, 'node events');
    assert.deepEqual(events.map((e: any) => e.reason).sort(), ['NodeReady', 'Starting']);
  });

  it('re-posts Ready over a status the node lifecycle controller changed, and learns its podCIDR', async () => {
    const n = await cs.nodes.get('', NODE);
    const conditions = n.status.conditions.map((c: any) => c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' } : c);
    await cs.nodes.patch('', NODE, { status: { conditions } }, 'merge', 'status');
    await until(async () => cond(await cs.nodes.get('', NODE), 'Ready') === 'True' && (await cs.nodes.get('', NODE)).status.conditions.find((c: any) => c.type === 'Ready').reason === 'KubeletReady', 'Ready re-posted');
    await cs.nodes.patch('', NODE, { spec: { podCIDR: '10.244.7.0/24', podCIDRs: ['10.244.7.0/24'] } }, 'merge');
    await until(() => podCIDRs.includes('10.244.7.0/24'), 'onPodCIDR called');
  });

  it('runs a pod bound to it: Running, Ready, conditions, container status', async () => {
    await cs.pods.create(NS, pod('web'));
    const p = await until(async () => { const x = await getPod('web'); return x.status?.phase === 'Running' && cond(x, 'Ready') === 'True' && x; }, 'pod web Running and Ready');
    for (const t of ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'PodScheduled']) assert.equal(cond(p, t), 'True', t);
    assert.equal(p.status.hostIP, '127.0.0.1');
    assert.ok(p.status.startTime);
    const c = p.status.containerStatuses[0];
    assert.equal(c.name, 'web');
    assert.match(c.containerID, /^simulated:\/\//);
    assert.equal(c.ready, true);
    assert.equal(c.restartCount, 0);
    assert.ok(c.state.running);
    // The kubelet API's view: the pod by name, its container, its sandbox, and /stats/summary.
    assert.equal(kubelet.getPodByName(NS, 'web')?.metadata.uid, p.metadata.uid);
    const ctr = await kubelet.containerFor(p.metadata.uid, 'web');
    assert.equal(`simulated://${ctr?.id}`, c.containerID);
    assert.equal(await kubelet.containerFor(p.metadata.uid, 'web', true), undefined);
    assert.ok(await kubelet.sandboxFor(p.metadata.uid));
    const summary = await kubelet.statsSummary();
    assert.equal(summary.node.nodeName, NODE);
    assert.deepEqual(summary.pods.find((x: any) => x.podRef.name === 'web')?.podRef, { name: 'web', namespace: NS, uid: p.metadata.uid });
    // Cheap: resyncs of an unchanged pod write nothing, and an unchanged node is not re-posted.
    const writes = kubelet.statusManager.writes, posts = kubelet.nodeStatus.posts;
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(kubelet.statusManager.writes, writes, 'no status write without a change');
    assert.equal(kubelet.nodeStatus.posts, posts, 'no node status post without a change');
  });

  it('a slow image pull shows Pending with ContainerCreating first; a missing image shows ErrImagePull, then ImagePullBackOff', async () => {
    // The simulated registry answers at once; make pulls of one image take a second, as a real one would.
    const pull = runtime.pullImage.bind(runtime);
    runtime.pullImage = async (img, ...rest) => { if (img.image.includes('/slow')) await new Promise((r) => setTimeout(r, 1_000)); return pull(img, ...rest); };
    await cs.pods.create(NS, pod('slow', { containers: [{ name: 'c', image: 'registry.local/slow:1' }] }));
    const pending = await until(async () => { const x = await getPod('slow'); return x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating' && x; }, 'slow pod ContainerCreating');
    assert.equal(pending.status.phase, 'Pending');
    assert.ok(pending.status.startTime);
    await until(async () => (await getPod('slow')).status?.phase === 'Running', 'slow pod Running');
    await cs.pods.create(NS, pod('badimage', { containers: [{ name: 'c', image: 'registry.local/does-not-exist:1' }] }));
    const seen = new Set<string>();
    await until(async () => { const x = await getPod('badimage'); const r = x.status?.containerStatuses?.[0]?.state?.waiting?.reason; if (r) seen.add(r); return seen.has('ImagePullBackOff') && x.status.phase === 'Pending'; }, 'ImagePullBackOff', 20_000);
    assert.ok(seen.has('ErrImagePull') || seen.has('ImagePullBackOff'));
    for (const n of ['slow', 'badimage']) await cs.pods.delete(NS, n, { gracePeriodSeconds: 0 });
  });

  it('rejects a pod that does not fit the node (OutOfcpu)', async () => {
    await cs.pods.create(NS, pod('huge', { containers: [{ name: 'c', image: 'registry.local/web:1', resources: { requests: { cpu: '1000' } } }] }));
    const p = await until(async () => { const x = await getPod('huge'); return x.status?.phase === 'Failed' && x; }, 'pod huge Failed');
    assert.equal(p.status.reason, 'OutOfcpu');
    assert.match(p.status.message, /^Pod was rejected: Node didn't have enough resource: cpu, requested: 1000000, used: \d+, capacity: \d+$/);
  });

  it('finishes a graceful deletion once the containers are stopped', async () => {
    await cs.pods.create(NS, pod('doomed'));
    const p = await until(async () => { const x = await getPod('doomed'); return x.status?.phase === 'Running' && x; }, 'pod doomed Running');
    await cs.pods.delete(NS, 'doomed', { gracePeriodSeconds: 5 });
    await until(async () => { try { await getPod('doomed'); return false; } catch (e: any) { return e.code === 404; } }, 'pod doomed gone');
    const left = await runtime.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': p.metadata.uid } });
    assert.ok(left.every((c: any) => c.state !== 'CONTAINER_RUNNING'), 'no container of the deleted pod still runs');
  });

  it('a restartPolicy Never pod that exits 0 ends Succeeded and is not restarted', async () => {
    await cs.pods.create(NS, pod('job', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'registry.local/web:1', command: ['sh', '-c', 'exit 0'] }] }));
    const p = await until(async () => { const x = await getPod('job'); return x.status?.phase === 'Succeeded' && x; }, 'pod job Succeeded');
    assert.equal(p.status.containerStatuses[0].state.terminated?.exitCode, 0);
    assert.equal(cond(p, 'Ready'), 'False');
  });

  it('a crashing container is restarted, then backs off (CrashLoopBackOff); the pod stays Running', async () => {
    await cs.pods.create(NS, pod('crash', { containers: [{ name: 'c', image: 'registry.local/web:1', command: ['sh', '-c', 'exit 1'] }] }));
    const p = await until(async () => {
      const x = await getPod('crash');
      const c = x.status?.containerStatuses?.[0];
      return c?.restartCount >= 1 && c.state?.waiting?.reason === 'CrashLoopBackOff' && x;
    }, 'container crash looping');
    assert.equal(p.status.phase, 'Running');
    assert.equal(p.status.containerStatuses[0].lastState.terminated.exitCode, 1);
    assert.equal(cond(p, 'Ready'), 'False');
    await cs.pods.delete(NS, 'crash', { gracePeriodSeconds: 0 });
  });

  it('runs a static pod from the manifests directory and mirrors it into the API', async () => {
    await writeFile(join(dir, 'manifests', 'static-web.yaml'), `apiVersion: v1\nkind: Pod\nmetadata:\n  name: static-web\n  namespace: ${NS}\nspec:\n  containers:\n  - name: web\n    image: registry.local/web:1\n`);
    const m = await until(async () => { try { const x = await getPod(`static-web-${NODE}`); return x.status?.phase === 'Running' && x; } catch { return false; } }, 'mirror pod Running');
    assert.ok(m.metadata.annotations['kubernetes.io/config.mirror']);
    assert.deepEqual(m.metadata.ownerReferences.map((o: any) => [o.kind, o.name]), [['Node', NODE]]);
    // Deleting the mirror does not stop the static pod: the kubelet puts the mirror back.
    await cs.pods.delete(NS, m.metadata.name, { gracePeriodSeconds: 0 });
    await until(async () => { try { const x = await getPod(m.metadata.name); return x.metadata.uid !== m.metadata.uid; } catch { return false; } }, 'mirror pod re-created');
    const staticUID = m.metadata.annotations['kubernetes.io/config.mirror'];
    const running = await runtime.listContainers({ state: 'CONTAINER_RUNNING', labelSelector: { 'io.kubernetes.pod.uid': staticUID } });
    assert.equal(running.length, 1, 'the static pod kept running through the mirror deletion');
    assert.equal((await runtime.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': staticUID } })).length, 1, 'and was not restarted');
  });

  it('removing a manifest stops the static pod and deletes its mirror', async () => {
    const name = `static-web-${NODE}`;
    const staticUID = (await getPod(name)).metadata.annotations['kubernetes.io/config.mirror'];
    await rm(join(dir, 'manifests', 'static-web.yaml'));
    await until(async () => { try { await getPod(name); return false; } catch (e: any) { return e.code === 404; } }, 'mirror pod deleted');
    await until(async () => (await runtime.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': staticUID } })).length === 0, 'static pod containers removed');
  });

  it('restarted, adopts running containers (same ids, same restartCount) and removes those of deleted pods', async () => {
    await cs.pods.create(NS, pod('orphan'));
    await until(async () => (await getPod('orphan')).status?.phase === 'Running', 'pod orphan Running');
    const orphanUID = (await getPod('orphan')).metadata.uid;
    const before = await getPod('web');
    await kubelet.stop();
    // While the kubelet is down: a pod is force-deleted from the API.
    await cs.pods.delete(NS, 'orphan', { gracePeriodSeconds: 0 });
    kubelet = new Kubelet(options());
    await kubelet.start();
    await until(async () => (await runtime.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': orphanUID } })).length === 0, 'orphaned containers removed');
    // Several resyncs later, the adopted pod still has its original container.
    await until(() => kubelet.podWorkers.knows(before.metadata.uid), 'new kubelet syncs pod web');
    await new Promise((r) => setTimeout(r, 2_500));
    const after = await getPod('web');
    assert.equal(after.status.containerStatuses[0].containerID, before.status.containerStatuses[0].containerID);
    assert.equal(after.status.containerStatuses[0].restartCount, before.status.containerStatuses[0].restartCount);
    assert.equal(after.status.phase, 'Running');
    const cs2 = await runtime.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': before.metadata.uid } });
    assert.equal(cs2.length, 1);
  });

  it('runs static pods while the API server cannot be reached', async () => {
    const offline = newClientset({ server: 'https://127.0.0.1:1', ca: srv.tls.ca, cert: srv.tls.cert, key: srv.tls.key, userAgent: 'skiff-e2e/kubelet-offline' });
    const rt = new SimulatedRuntime();
    const d = await mkdtemp(join(tmpdir(), 'skiff-kubelet-offline-'));
    await mkdir(join(d, 'manifests'));
    await writeFile(join(d, 'manifests', 'etcd.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n  namespace: kube-system\nspec:\n  containers:\n  - name: etcd\n    image: registry.local/etcd:3\n');
    const k = new Kubelet({ nodeName: 'offline-node', cs: offline, runtime: rt, runtimeName: 'simulated', rootDir: join(d, 'kubelet'), nodeIP: '127.0.0.1', kubeletPort: 10250, staticPodPath: join(d, 'manifests'), staticPodPollMs: 200 });
    try {
      await k.start();
      await until(async () => (await rt.listContainers({ state: 'CONTAINER_RUNNING', labelSelector: { 'io.kubernetes.container.name': 'etcd' } })).length === 1, 'static pod container running without an API server');
    } finally {
      await k.stop();
      await rt.close();
      offline.close();
      await rm(d, { recursive: true, force: true });
    }
  });
});
