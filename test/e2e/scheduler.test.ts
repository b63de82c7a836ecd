/**
 * End-to-end: skiff's scheduler, in-process with an admin client, against a real `skiff server`
 * (started without its own scheduler and controller manager, so nothing else binds pods or
 * taints the hand-made nodes). Three Nodes made through the API, one per zone; pods are created
 * and their spec.nodeName, PodScheduled condition and events read back. Bound pods have no
 * kubelet, so the test plays the kubelet where one is needed: it force-deletes terminating pods.
 */
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { until } from '../support/controllers.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { SharedInformerFactory } from '../../src/client/informer-factory.js';
import { Recorder } from '../../src/client/record/recorder.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';

const NS = 'sched';
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const NODES = ['node-a', 'node-b', 'node-c'];

function pod(name: string, o: { cpu?: string; labels?: Record<string, string>; spec?: any } = {}): any {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: o.labels ?? {} },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: o.cpu ?? '100m', memory: '64Mi' } } }], ...(o.spec ?? {}) },
  };
}

describe('the scheduler against skiff', () => {
  let srv: SkiffServer;
  let cs: Clientset;
  let informers: SharedInformerFactory;
  let recorder: Recorder;
  let sched: Scheduler;

  const nodeOf = async (name: string): Promise<string> => until(async () => (await cs.pods.get(NS, name)).spec.nodeName, `pod ${name} bound`);
  const condition = async (name: string) => (await cs.pods.get(NS, name)).status?.conditions?.find((c: any) => c.type === 'PodScheduled');
  // (gracePeriodSeconds as a query parameter: the client cannot send a DELETE body yet.)
  const forceDelete = (name: string) => cs.transport.request('DELETE', `${cs.pods.path(NS, name)}?gracePeriodSeconds=0`);
  const eventsFor = async (name: string) => (await cs.events.list(NS)).items.filter((e: any) => e.involvedObject?.name === name);

  before(async () => {
    srv = await startSkiffServer({ args: ['--disable-scheduler', '--disable-controller-manager'] });
    cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-e2e/scheduler' });
    await cs.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (let i = 0; i < 3; i++) {
      const node = await cs.nodes.create('', {
        apiVersion: 'v1', kind: 'Node',
        metadata: { name: NODES[i], labels: { 'kubernetes.io/hostname': NODES[i], 'topology.kubernetes.io/zone': ZONES[i], 'kubernetes.io/os': 'linux' } },
        spec: {},
      });
      const capacity = { cpu: '2', memory: '4Gi', pods: '110' };
      node.status = { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }] };
      await cs.nodes.updateStatus('', node);
    }
    informers = new SharedInformerFactory(cs);
    recorder = new Recorder(cs.events, 'default-scheduler');
    sched = new Scheduler({ client: cs, informers, recorder });
    await sched.run();
    await until(() => sched.cache.list().filter((n) => n.allocatable.milliCPU === 2000).length === 3, 'three nodes in the scheduler cache');
  });

  afterEach(async () => {
    // As a kubelet would: terminating pods go away; then every test pod is removed at once.
    for (const p of (await cs.pods.list(NS)).items) await forceDelete(p.metadata.name);
    let left = '';
    await until(async () => {
      const items = (await cs.pods.list(NS)).items;
      left = `${items.map((p: any) => `${p.metadata.name}${p.metadata.deletionTimestamp ? '(terminating)' : ''}`).join(' ')}; cache ${sched.cache.podCount}`;
      return items.length === 0 && sched.cache.podCount === 0;
    }, 'test pods gone', 15_000).catch((e) => { throw new Error(`${e.message}: ${left}`); });
  });

  after(async () => {
    await sched?.stop();
    informers?.stop();
    await recorder?.flush();
    cs?.close();
    await srv?.stop();
  });

  it('binds a pod that fits and records Scheduled; a pod bigger than every node stays Pending with upstream\'s message', async () => {
    await cs.pods.create(NS, pod('small'));
    const node = await nodeOf('small');
    assert.ok(NODES.includes(node));
    await until(async () => (await eventsFor('small')).find((e: any) => e.reason === 'Scheduled' && e.message === `Successfully assigned ${NS}/small to ${node}` && e.source?.component === 'default-scheduler'), 'the Scheduled event');
    assert.equal((await condition('small'))?.status, 'True');

    await cs.pods.create(NS, pod('huge', { cpu: '16' }));
    const msg = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..';
    const c = await until(async () => { const c = await condition('huge'); return c?.status === 'False' && c; }, 'PodScheduled=False');
    assert.equal(c.reason, 'Unschedulable');
    assert.equal(c.message, msg);
    const ev = await until(async () => (await eventsFor('huge')).find((e: any) => e.reason === 'FailedScheduling'), 'the FailedScheduling event');
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.message, msg);
    assert.equal((await cs.pods.get(NS, 'huge')).spec.nodeName, undefined);
  });

  it('keeps pods off tainted nodes unless they tolerate the taint', async () => {
    const n = await cs.nodes.get('', 'node-a');
    n.spec.taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
    await cs.nodes.update('', n);
    try {
      await until(() => sched.cache.get('node-a')?.taints.length === 1, 'the taint in the cache');
      for (let i = 0; i < 6; i++) await cs.pods.create(NS, pod(`plain-${i}`));
      for (let i = 0; i < 6; i++) assert.notEqual(await nodeOf(`plain-${i}`), 'node-a');
      await cs.pods.create(NS, pod('gpu-job', { spec: {
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
        nodeSelector: { 'kubernetes.io/hostname': 'node-a' },
      } }));
      assert.equal(await nodeOf('gpu-job'), 'node-a');
    } finally {
      const n2 = await cs.nodes.get('', 'node-a');
      n2.spec.taints = [];
      await cs.nodes.update('', n2);
      await until(() => sched.cache.get('node-a')?.taints.length === 0, 'the taint gone from the cache');
    }
  });

  it('honours required node affinity, preferred node affinity and nodeSelector', async () => {
    const label = async (node: string, labels: Record<string, string | null>) => cs.nodes.patch('', node, { metadata: { labels } });
    await label('node-c', { 'workload-type': 'backend' });
    await label('node-b', { disktype: 'ssd' });
    try {
      await until(() => sched.cache.get('node-c')?.labels['workload-type'] === 'backend' && sched.cache.get('node-b')?.labels.disktype === 'ssd', 'labels in the cache');
      await cs.pods.create(NS, pod('zone-b-only', { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-b'] }] }] } } } } }));
      assert.equal(await nodeOf('zone-b-only'), 'node-b');
      // The seed's example: prefer nodes labelled workload-type=backend.
      for (let i = 0; i < 3; i++) {
        await cs.pods.create(NS, pod(`backend-${i}`, { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 80, preference: { matchExpressions: [{ key: 'workload-type', operator: 'In', values: ['backend'] }] } }] } } } }));
        assert.equal(await nodeOf(`backend-${i}`), 'node-c');
      }
      await cs.pods.create(NS, pod('fast-disk', { spec: { nodeSelector: { disktype: 'ssd' } } }));
      assert.equal(await nodeOf('fast-disk'), 'node-b');
      await cs.pods.create(NS, pod('nowhere', { spec: { nodeSelector: { disktype: 'nvme' } } }));
      const c = await until(async () => { const c = await condition('nowhere'); return c?.status === 'False' && c; }, 'nowhere unschedulable');
      assert.equal(c.message, "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..");
    } finally {
      await label('node-c', { 'workload-type': null });
      await label('node-b', { disktype: null });
    }
  });

  it('spreads replicas with required pod anti-affinity, one per node', async () => {
    const spec = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } }] } } };
    for (let i = 0; i < 4; i++) await cs.pods.create(NS, pod(`web-${i}`, { labels: { app: 'web' }, spec }));
    const bound = await until(async () => {
      const items = (await cs.pods.list(NS, { labelSelector: 'app=web' })).items;
      const nodes = items.map((p: any) => p.spec.nodeName).filter(Boolean);
      return nodes.length === 3 && nodes;
    }, 'three web replicas bound');
    assert.deepEqual([...bound].sort(), NODES);
    const pending = (await cs.pods.list(NS, { labelSelector: 'app=web' })).items.find((p: any) => !p.spec.nodeName);
    const c = await until(async () => { const c = await condition(pending.metadata.name); return c?.status === 'False' && c; }, 'the fourth replica unschedulable');
    assert.match(c.message, /^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\. preemption: /);
  });

  it('spreads pods across zones with a topology spread constraint', async () => {
    const spec = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }] };
    // A head start in zone-a, so that the spread, not the resource scores, decides.
    await cs.pods.create(NS, pod('seed', { labels: { app: 'spread' }, spec: { nodeSelector: { 'kubernetes.io/hostname': 'node-a' } } }));
    await nodeOf('seed');
    for (let i = 0; i < 5; i++) await cs.pods.create(NS, pod(`spread-${i}`, { labels: { app: 'spread' }, spec }));
    const zones = new Map<string, number>();
    for (let i = 0; i < 5; i++) { const z = ZONES[NODES.indexOf(await nodeOf(`spread-${i}`))]; zones.set(z, (zones.get(z) ?? 0) + 1); }
    zones.set('zone-a', (zones.get('zone-a') ?? 0) + 1);
    assert.deepEqual([...zones.values()].sort(), [2, 2, 2]);
  });

  it('preempts a lower-priority pod for a higher-priority one', async () => {
    const pc = (name: string, value: number) => cs.priorityclasses.create('', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value });
    await pc('e2e-low', 100);
    await pc('e2e-high', 1000);
    try {
      for (let i = 0; i < 3; i++) await cs.pods.create(NS, pod(`low-${i}`, { cpu: '1500m', spec: { priorityClassName: 'e2e-low' } }));
      for (let i = 0; i < 3; i++) await nodeOf(`low-${i}`);
      await cs.pods.create(NS, pod('vip', { cpu: '1500m', spec: { priorityClassName: 'e2e-high' } }));
      assert.equal((await cs.pods.get(NS, 'vip')).spec.priority, 1000);
      const nominated = await until(async () => (await cs.pods.get(NS, 'vip')).status?.nominatedNodeName, 'the preemptor nominated');
      // The victim is the low pod on the nominated node; its deletion was requested.
      const victim = await until(async () => {
        const items = (await cs.pods.list(NS)).items;
        return items.find((p: any) => p.metadata.name.startsWith('low-') && p.spec.nodeName === nominated && p.metadata.deletionTimestamp)
          ?? (items.filter((p: any) => p.metadata.name.startsWith('low-')).length === 2 ? { metadata: { name: '(deleted)' } } : undefined);
      }, 'the victim being deleted');
      // Play the kubelet: the terminating victim goes away.
      if (victim.metadata.name !== '(deleted)') {
        assert.ok(victim.status.conditions.some((c: any) => c.type === 'DisruptionTarget' && c.reason === 'PreemptionByScheduler'));
        await forceDelete(victim.metadata.name);
      }
      assert.equal(await nodeOf('vip'), nominated);
      assert.equal((await cs.pods.list(NS)).items.filter((p: any) => p.metadata.name.startsWith('low-')).length, 2);
      await until(async () => (await cs.events.list(NS)).items.find((e: any) => e.reason === 'Preempted' && e.message.startsWith('Preempted by pod ')), 'the Preempted event');
    } finally {
      await cs.priorityclasses.delete('', 'e2e-low').catch(() => undefined);
      await cs.priorityclasses.delete('', 'e2e-high').catch(() => undefined);
    }
  });
});
