/**
 * End-to-end: the DaemonSet controller against a real `skiff server`, acting as its own
 * ServiceAccount. There is no kubelet or scheduler: the test registers Nodes through the API and
 * plays the kubelet by marking pods Ready. Shown: one pod per node, each aimed at its node by
 * required node affinity (`matchFields metadata.name In [node]`) with the daemon tolerations; a
 * node added gets a pod; a tainted node the pod does not tolerate gets none; a NoExecute taint and
 * a removed node take the pod away; a rolling update replaces pods within maxUnavailable.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { runControllers, until, type RunningControllers } from '../support/controllers.js';
import { descriptor } from '../../src/controllers/daemonset/index.js';
import type { Clientset } from '../../src/client/clientset.js';

const NS = 'ds';
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

describe('DaemonSet controller', () => {
  let srv: SkiffServer;
  let run: RunningControllers;
  let cs: Clientset;

  async function addNode(name: string, taints: any[] = []): Promise<void> {
    await cs.nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: { taints } });
    // A patch, not a PUT: the server's own node bookkeeping may have written the Node meanwhile.
    await cs.nodes.patch('', name, { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now(), lastTransitionTime: now() }] } }, 'merge', 'status');
  }
  const targetOf = (p: any) => p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
  const daemonPods = async () => ((await cs.pods.list(NS, { labelSelector: 'app=agent' })).items as any[]).filter((p) => !p.metadata.deletionTimestamp);
  const byNode = async () => new Map((await daemonPods()).map((p) => [targetOf(p), p]));
  /** Play the kubelet: every daemon pod not yet Ready becomes Running and Ready. */
  async function readyAll(): Promise<void> {
    for (const p of await daemonPods()) {
      if (p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) continue;
      await cs.pods.patch(NS, p.metadata.name, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now() }] } }, 'merge', 'status')
        .catch(() => { /* deleted meanwhile: the next round sees its replacement */ });
    }
  }
  const status = async () => (await cs.daemonsets.get(NS, 'agent')).status ?? {};

  before(async () => {
    // Only the controller under test: no node lifecycle controller tainting the Lease-less test
    // nodes, no scheduler binding the pods (the test checks the affinity that aims them instead).
    srv = await startSkiffServer({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    run = await runControllers(srv, [descriptor]);
    cs = run.cs;
    await cs.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await addNode('n1');
    await addNode('n2');
  });
  after(async () => { await run?.stop(); await srv?.stop(); });

  it('runs one pod per node, aimed at its node by required node affinity, with the daemon tolerations', async () => {
    const ds = await cs.daemonsets.create(NS, {
      apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: NS },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'agent:1' }] } } },
    });
    const pods = await until(async () => { const m = await byNode(); return m.size === 2 && m.has('n1') && m.has('n2') ? m : undefined; }, 'a pod for n1 and for n2');
    const p = pods.get('n1');
    assert.ok(p.metadata.name.startsWith('agent-'));
    assert.equal(p.spec.nodeName, undefined, 'the scheduler binds it, not the controller');
    assert.deepEqual(p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]);
    const tolerated = p.spec.tolerations.map((t: any) => `${t.key}:${t.effect}`).sort();
    assert.deepEqual(tolerated, ['node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unschedulable:NoSchedule']);
    assert.deepEqual(p.metadata.ownerReferences.map((r: any) => [r.kind, r.uid, r.controller]), [['DaemonSet', ds.metadata.uid, true]]);
    const hash = p.metadata.labels['controller-revision-hash'];
    const rev = await cs.controllerrevisions.get(NS, `agent-${hash}`);
    assert.equal(rev.revision, 1);
    await until(async () => { const s = await status(); return s.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 && s.updatedNumberScheduled === 2 && s.numberReady === 0; }, 'status: 2 desired, 2 scheduled, 0 ready');
    await readyAll();
    const s = await until(async () => { const s = await status(); return s.numberReady === 2 && s.numberAvailable === 2 ? s : undefined; }, 'status: 2 ready and available');
    assert.equal(s.numberMisscheduled, 0);
    assert.equal(s.observedGeneration, 1);
    await until(async () => (await cs.events.list(NS)).items.some((e: any) => e.involvedObject.name === 'agent' && e.reason === 'SuccessfulCreate' && /^Created pod: agent-/.test(e.message)), 'the SuccessfulCreate event');
  });

  it('a new node gets a pod; a node with a taint the pod does not tolerate gets none', async () => {
    await addNode('n3');
    await addNode('tainted', [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    await addNode('n4');
    await until(async () => { const m = await byNode(); return m.has('n3') && m.has('n4'); }, 'pods for n3 and n4');
    assert.equal((await byNode()).has('tainted'), false);
    await readyAll();
    await until(async () => { const s = await status(); return s.desiredNumberScheduled === 4 && s.numberReady === 4; }, 'status: 4 desired and ready');
  });

  it('a NoExecute taint and a removed node take their pods away', async () => {
    await cs.nodes.patch('', 'n3', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
    await cs.nodes.delete('', 'n4');
    await until(async () => { const m = await byNode(); return !m.has('n3') && !m.has('n4') && m.size === 2; }, 'the pods on n3 and n4 gone');
    await until(async () => { const s = await status(); return s.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2; }, 'status: 2 desired');
  });

  it('a rolling update replaces pods one node at a time (maxUnavailable 1)', async () => {
    const oldHash = (await daemonPods())[0].metadata.labels['controller-revision-hash'];
    await cs.daemonsets.patch(NS, 'agent', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } }, 'strategic');
    let maxNotReady = 0;
    const done = await until(async () => {
      const pods = await daemonPods();
      const notReady = pods.filter((p) => !p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length + (2 - pods.length);
      maxNotReady = Math.max(maxNotReady, notReady);
      await readyAll();
      const s = await status();
      return pods.length === 2 && pods.every((p) => p.metadata.labels['controller-revision-hash'] !== oldHash && p.spec.containers[0].image === 'agent:2') &&
        s.updatedNumberScheduled === 2 && s.numberAvailable === 2 && s.observedGeneration === 2 ? pods : undefined;
    }, 'every pod at the new revision', 30_000);
    assert.ok(maxNotReady <= 1, `at most one node without a ready pod at a time (saw ${maxNotReady})`);
    assert.equal(new Set(done.map(targetOf)).size, 2);
    const revs = (await cs.controllerrevisions.list(NS)).items.filter((r: any) => r.metadata.ownerReferences?.[0]?.name === 'agent');
    assert.deepEqual(revs.map((r: any) => r.revision).sort(), [1, 2]);
  });
});
