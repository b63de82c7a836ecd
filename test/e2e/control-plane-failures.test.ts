/**
 * End-to-end: the seed's "what happens if it fails" for the scheduler, the controller manager and
 * a kubelet, with each control-plane component as its own process (`skiff scheduler`,
 * `skiff controller-manager`) against a `skiff server` that runs neither, and simulated nodes.
 * - scheduler stopped: new pods stay Pending, and are bound as soon as it is back;
 * - controller manager stopped: a deleted pod is not replaced until it is back;
 * - a node stops heartbeating: NotReady (Unknown), tainted, its pods evicted after their
 *   tolerationSeconds and replaced on the other nodes;
 * - two schedulers: one leads; when it dies (SIGKILL, no goodbye) the other takes over within the lease.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { startSkiff, type SkiffProcess } from '../support/skiff-process.js';
import { until } from '../support/controllers.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { configFromKubeconfig } from '../../src/client/transport.js';

const LEADER_FLAGS = ['--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '500ms'];

function deployment(name: string, replicas: number, tolerationSeconds?: number): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m' } } }],
          ...(tolerationSeconds !== undefined ? { tolerations: [
            { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds },
            { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds }] } : {}),
        },
      },
    },
  };
}

describe('control-plane failures, each component its own process', () => {
  let srv: SkiffServer;
  let cs: Clientset;
  let scheduler: SkiffProcess | undefined;
  let kcm: SkiffProcess | undefined;
  const startScheduler = () => startSkiff(['scheduler', '--kubeconfig', srv.kubeconfig, ...LEADER_FLAGS], /leading as/);
  const startKCM = () => startSkiff(['controller-manager', '--kubeconfig', srv.kubeconfig, ...LEADER_FLAGS,
    '--node-monitor-grace-period', '3s', '--node-monitor-period', '500ms'], /controllers running/);
  const running = async (app: string) => (await cs.pods.list('default', { labelSelector: `app=${app}` })).items
    .filter((p: any) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running');

  before(async () => {
    srv = await startSkiffServer({ args: ['--disable-scheduler', '--disable-controller-manager', '--simulated-nodes', '3'] });
    cs = newClientset(configFromKubeconfig(srv.kubeconfig));
    [scheduler, kcm] = await Promise.all([startScheduler(), startKCM()]);
  });
  after(async () => { await scheduler?.stop(); await kcm?.stop(); cs?.close(); await srv?.stop(); });

  it('with the scheduler stopped new pods stay Pending; they are bound as soon as it restarts', async () => {
    await scheduler!.stop();
    await cs.deployments.create('default', deployment('sched-down', 2));
    await until(async () => (await cs.pods.list('default', { labelSelector: 'app=sched-down' })).items.length === 2, 'two pods created by the controllers');
    // Nothing binds them while no scheduler runs (a window, not a race: nothing else can bind).
    await new Promise((r) => setTimeout(r, 1500));
    const pending = (await cs.pods.list('default', { labelSelector: 'app=sched-down' })).items;
    assert.ok(pending.every((p: any) => !p.spec.nodeName && p.status.phase === 'Pending'));
    scheduler = await startScheduler();
    await until(async () => (await running('sched-down')).length === 2, 'both pods bound and Running after the restart');
  });

  it('with the controller manager stopped a deleted pod is not replaced until it restarts', async () => {
    await cs.deployments.create('default', deployment('kcm-down', 3));
    await until(async () => (await running('kcm-down')).length === 3, 'three Running pods');
    await kcm!.stop();
    const victim = (await running('kcm-down'))[0];
    await cs.pods.delete('default', victim.metadata.name);
    await until(async () => (await cs.pods.list('default', { labelSelector: 'app=kcm-down' })).items.length === 2, 'the pod gone');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await cs.pods.list('default', { labelSelector: 'app=kcm-down' })).items.length, 2, 'no replacement without the controller manager');
    kcm = await startKCM();
    await until(async () => (await running('kcm-down')).length === 3, 'the replacement Running after the restart');
  });

  it('a node that stops heartbeating goes NotReady, and its pods are replaced on the other nodes', async () => {
    await cs.deployments.create('default', deployment('node-down', 3, 2));
    await until(async () => (await running('node-down')).length === 3, 'three Running pods');
    const pods = await running('node-down');
    const dead = pods[0].spec.nodeName;
    const onDead = pods.filter((p: any) => p.spec.nodeName === dead).map((p: any) => p.metadata.name);
    await cs.nodes.patch('', dead, { metadata: { annotations: { 'simulated.skiff.dev/kubelet': 'stopped' } } });
    const node = await until(async () => {
      const n = await cs.nodes.get('', dead);
      return n.status.conditions.find((c: any) => c.type === 'Ready')?.status === 'Unknown' ? n : undefined;
    }, 'the silent node Unknown');
    assert.equal(node.status.conditions.find((c: any) => c.type === 'Ready').reason, 'NodeStatusUnknown');
    await until(async () => (await cs.nodes.get('', dead)).spec.taints?.some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'), 'the unreachable taint');
    await until(async () => {
      const live = await running('node-down');
      return live.length === 3 && live.every((p: any) => p.spec.nodeName !== dead && !onDead.includes(p.metadata.name));
    }, 'three Running replacements on the other nodes');
    const evicted = await cs.pods.get('default', onDead[0]);
    assert.ok(evicted.metadata.deletionTimestamp, 'the pod on the dead node is being deleted (its kubelet is gone, so it stays Terminating)');
    assert.equal(evicted.status.conditions.find((c: any) => c.type === 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
    // The kubelet comes back: the node is Ready again and the taints go.
    await cs.nodes.patch('', dead, { metadata: { annotations: { 'simulated.skiff.dev/kubelet': null } } });
    await until(async () => {
      const n = await cs.nodes.get('', dead);
      return n.status.conditions.find((c: any) => c.type === 'Ready')?.status === 'True' && !(n.spec.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/unreachable');
    }, 'the node Ready and untainted again');
  });

  it('two schedulers: the standby takes over within the lease duration when the leader dies', async () => {
    const standby = await startSkiff(['scheduler', '--kubeconfig', srv.kubeconfig, ...LEADER_FLAGS], /started as/);
    try {
      const lease = await cs.leases.get('kube-system', 'kube-scheduler');
      const standbyId = /started as (\S+)/.exec(standby.log())![1];
      assert.notEqual(lease.spec.holderIdentity, standbyId, 'the first scheduler still leads');
      const t0 = Date.now();
      await scheduler!.stop('SIGKILL');
      await standby.waitFor(/leading as/, 15_000);
      // The lease (3 s) plus one retry period (0.5 s), with room for a loaded machine.
      assert.ok(Date.now() - t0 < 3000 + 500 + 2500, `took over in ${Date.now() - t0} ms (lease 3 s, retry 0.5 s)`);
      await cs.deployments.create('default', deployment('after-failover', 1));
      await until(async () => (await running('after-failover')).length === 1, 'a pod scheduled by the new leader');
    } finally { await standby.stop(); }
  });
});
