/**
 * End-to-end: the Deployment controller and the ReplicaSet controller in a controller manager
 * against a real `skiff server`. There is no kubelet here: a small loop in the test plays one,
 * marking every pod of the chosen namespaces Running and Ready. Shown: a Deployment's first
 * ReplicaSet and pods; a rolling update that never runs more than replicas+maxSurge pods nor
 * fewer than replicas-maxUnavailable ready ones; a rollback that reuses the old ReplicaSet with a
 * new revision; adoption and release of ReplicaSets; pause and resume; proportional scaling in the
 * middle of a rollout; Recreate (old pods gone before new ones start); the revision
 * history limit; a progress deadline that passes; and the real kubectl's rollout status / history / undo.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { runControllers, until, type RunningControllers } from '../support/controllers.js';
import { kubectlVersions, kubectlOk } from '../support/kubectl.js';
import { Informer } from '../../src/client/informer.js';
import type { Clientset } from '../../src/client/clientset.js';
import { descriptor as deploymentDescriptor } from '../../src/controllers/deployment/index.js';
import { descriptor as replicasetDescriptor } from '../../src/controllers/replicaset/index.js';

const REVISION = 'deployment.kubernetes.io/revision';
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function deployment(name: string, image: string, spec: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: {
      replicas: 3, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
      ...spec,
    },
  };
}

const isReady = (p: any) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
const live = (p: any) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

/** The test's kubelet: every pod in `namespaces` becomes Running and Ready as soon as it is seen. */
function fakeKubelet(cs: Clientset, namespaces: Set<string>): { stop(): void } {
  const pods = new Informer(cs.pods);
  const markReady = (p: any) => {
    if (!namespaces.has(p.metadata.namespace) || !live(p) || isReady(p)) return;
    const t = now();
    const status = {
      phase: 'Running', startTime: t,
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: t }, { type: 'ContainersReady', status: 'True', lastTransitionTime: t },
        { type: 'Ready', status: 'True', lastTransitionTime: t }, { type: 'PodScheduled', status: 'True', lastTransitionTime: t },
      ],
    };
    cs.pods.updateStatus(p.metadata.namespace, { ...p, status }).catch(() => { /* changed meanwhile: the next event retries */ });
  };
  pods.addEventHandler({ add: markReady, update: (_, p) => markReady(p) });
  void pods.start();
  return { stop: () => pods.stop() };
}

describe('Deployment controller', () => {
  let srv: SkiffServer;
  let rc: RunningControllers;
  let cs: Clientset;
  let kubelet: { stop(): void };
  const readyNamespaces = new Set<string>();

  before(async () => {
    // The server's own controller manager and scheduler stay off: this test runs exactly the controllers it tests.
    srv = await startSkiffServer({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    rc = await runControllers(srv, [deploymentDescriptor, replicasetDescriptor]);
    cs = rc.cs;
    kubelet = fakeKubelet(cs, readyNamespaces);
  });
  after(async () => {
    kubelet?.stop();
    await rc?.stop();
    await srv?.stop();
  });

  async function namespace(name: string, ready = true): Promise<string> {
    await cs.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    if (ready) readyNamespaces.add(name);
    return name;
  }
  const get = (ns: string, name: string) => cs.deployments.get(ns, name);
  const replicaSets = async (ns: string) => (await cs.replicasets.list(ns)).items as any[];
  const pods = async (ns: string) => (await cs.pods.list(ns)).items as any[];
  const condition = (d: any, type: string) => d.status?.conditions?.find((c: any) => c.type === type);
  /** What `kubectl rollout status` waits for, plus the Progressing condition saying so. */
  const rolledOut = async (ns: string, name: string) => {
    const d = await get(ns, name);
    const want = d.spec.replicas;
    return d.status?.observedGeneration >= d.metadata.generation && d.status.updatedReplicas === want && d.status.replicas === want &&
      d.status.availableReplicas === want && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' ? d : undefined;
  };
  /** Read-modify-write, again on a conflict (the controller writes the Deployment's status meanwhile). */
  const modify = async (ns: string, name: string, change: (d: any) => void) => {
    for (;;) {
      const d = await get(ns, name);
      change(d);
      try { return await cs.deployments.update(ns, d); } catch (e) { if ((e as any).code !== 409) throw e; }
    }
  };
  const setTemplateImage = (ns: string, name: string, image: string) => modify(ns, name, (d) => { d.spec.template.spec.containers[0].image = image; });

  it('creates one ReplicaSet named by the template hash, with three pods, and reports the rollout', async () => {
    const ns = await namespace('d-create');
    await cs.deployments.create(ns, deployment('web', 'nginx:1'));
    const d = await until(() => rolledOut(ns, 'web'), 'the first rollout', 30_000);
    const [rs, ...more] = await replicaSets(ns);
    assert.equal(more.length, 0);
    const hash = rs.metadata.labels['pod-template-hash'];
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(rs.spec.selector.matchLabels['pod-template-hash'], hash);
    assert.equal(rs.spec.template.metadata.labels['pod-template-hash'], hash);
    assert.equal(rs.metadata.ownerReferences[0].uid, d.metadata.uid);
    assert.equal(rs.metadata.annotations[REVISION], '1');
    assert.equal(rs.metadata.annotations['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs.metadata.annotations['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(d.metadata.annotations[REVISION], '1');
    assert.equal(condition(d, 'Available').reason, 'MinimumReplicasAvailable');
    assert.equal((await pods(ns)).length, 3);
    const events = (await cs.events.list(ns)).items as any[];
    assert.ok(events.some((e) => e.reason === 'ScalingReplicaSet' && e.involvedObject.kind === 'Deployment' &&
      e.message === `Scaled up replica set ${rs.metadata.name} from 0 to 3`), 'the ScalingReplicaSet event');
  });

  it('rolls v1 -> v2 within maxSurge and maxUnavailable, then rolls back by copying the old template', async () => {
    const ns = await namespace('d-rolling');
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await cs.deployments.create(ns, deployment('web', 'nginx:1', { strategy }));
    await until(() => rolledOut(ns, 'web'), 'v1', 30_000);
    const [v1] = await replicaSets(ns);

    // Sample the pods at every change during the rollout.
    const watch = new Informer(cs.pods, ns);
    const violations: string[] = [];
    let samples = 0;
    let listed = false; // the first list arrives as one add per pod: not a state of the cluster
    const sample = () => {
      if (!listed) return;
      const ps = watch.list().filter(live);
      const ready = ps.filter(isReady).length;
      samples++;
      const at = ps.map((p) => `${p.metadata.name}${isReady(p) ? '' : '(unready)'}`).join(' ');
      if (ps.length > 3 + 1) violations.push(`${ps.length} pods > replicas+maxSurge: ${at}`);
      if (ready < 3 - 0) violations.push(`${ready} ready < replicas-maxUnavailable: ${at}`);
    };
    watch.addEventHandler({ add: sample, update: sample, delete: sample });
    await watch.start();
    listed = true;
    sample();
    try {
      await setTemplateImage(ns, 'web', 'nginx:2');
      await until(async () => (await get(ns, 'web')).metadata.annotations?.[REVISION] === '2' && rolledOut(ns, 'web'), 'v2', 60_000);
    } finally { watch.stop(); }
    assert.deepEqual(violations, []);
    assert.ok(samples > 6, `saw the rollout (${samples} samples)`);

    const rss = await replicaSets(ns);
    assert.equal(rss.length, 2);
    const v2 = rss.find((r) => r.metadata.uid !== v1.metadata.uid);
    assert.equal(v2.spec.replicas, 3);
    assert.equal(v2.metadata.annotations[REVISION], '2');
    assert.equal(rss.find((r) => r.metadata.uid === v1.metadata.uid).spec.replicas, 0);
    const live2 = (await pods(ns)).filter(live);
    assert.ok(live2.every((p) => p.metadata.labels['pod-template-hash'] === v2.metadata.labels['pod-template-hash']));

    // What `kubectl rollout undo` does today: the old ReplicaSet's template (without its hash) goes back into the Deployment.
    const template = structuredClone(v1.spec.template);
    delete template.metadata.labels['pod-template-hash'];
    await modify(ns, 'web', (d) => { d.spec.template = template; });
    await until(async () => (await get(ns, 'web')).metadata.annotations?.[REVISION] === '3' && rolledOut(ns, 'web'), 'the rollback', 60_000);
    const after = await replicaSets(ns);
    assert.equal(after.length, 2, 'no third ReplicaSet: the old one is reused');
    const back = after.find((r) => r.metadata.uid === v1.metadata.uid);
    assert.equal(back.spec.replicas, 3);
    assert.equal(back.metadata.annotations[REVISION], '3');
    assert.equal(back.metadata.annotations['deployment.kubernetes.io/revision-history'], '1');
  });

  it('adopts an orphan ReplicaSet its selector matches, and releases one it no longer matches', async () => {
    const ns = await namespace('d-adopt');
    const d = deployment('web', 'nginx:1', { replicas: 2 });
    const template = structuredClone(d.spec.template);
    template.metadata.labels['pod-template-hash'] = 'orphan';
    await cs.replicasets.create(ns, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-orphan', labels: { app: 'web', 'pod-template-hash': 'orphan' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web', 'pod-template-hash': 'orphan' } }, template },
    });
    const made = await cs.deployments.create(ns, d);
    await until(() => rolledOut(ns, 'web'), 'the rollout on the adopted ReplicaSet', 30_000);
    const [rs, ...more] = await replicaSets(ns);
    assert.equal(more.length, 0, 'the adopted ReplicaSet runs the template: no other is made');
    assert.equal(rs.metadata.name, 'web-orphan');
    assert.equal(rs.metadata.ownerReferences[0].uid, made.metadata.uid);
    assert.equal(rs.spec.replicas, 2);
    assert.equal(rs.metadata.annotations[REVISION], '1');

    await cs.replicasets.patch(ns, 'web-orphan', { metadata: { labels: { app: 'elsewhere', 'pod-template-hash': 'orphan' } } });
    await until(async () => !(await cs.replicasets.get(ns, 'web-orphan')).metadata.ownerReferences?.length, 'the release');
    await until(async () => (await replicaSets(ns)).length === 2 && rolledOut(ns, 'web'), 'a new ReplicaSet for the released one', 30_000);
  });

  it('pause stops rollouts but not scaling; resume rolls out', async () => {
    const ns = await namespace('d-pause');
    await cs.deployments.create(ns, deployment('web', 'nginx:1', { replicas: 2 }));
    await until(() => rolledOut(ns, 'web'), 'v1', 30_000);
    await cs.deployments.patch(ns, 'web', { spec: { paused: true } });
    await until(async () => condition(await get(ns, 'web'), 'Progressing')?.reason === 'DeploymentPaused', 'DeploymentPaused');
    const paused = condition(await get(ns, 'web'), 'Progressing');
    assert.equal(paused.status, 'Unknown');
    assert.equal(paused.message, 'Deployment is paused');

    await cs.deployments.patch(ns, 'web', { spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'nginx:2' }] } } } });
    const seen = await until(async () => {
      const d = await get(ns, 'web');
      return d.status.observedGeneration === d.metadata.generation && d.status.replicas === 3 ? d : undefined;
    }, 'the paused Deployment scaled to 3', 30_000);
    assert.equal((await replicaSets(ns)).length, 1, 'no new ReplicaSet while paused');
    assert.equal(seen.metadata.annotations[REVISION], '1');

    await cs.deployments.patch(ns, 'web', { spec: { paused: false } });
    await until(async () => (await get(ns, 'web')).metadata.annotations?.[REVISION] === '2' && rolledOut(ns, 'web'), 'the rollout after resume', 60_000);
    const rss = await replicaSets(ns);
    assert.equal(rss.length, 2);
    assert.equal(rss.find((r) => r.metadata.annotations[REVISION] === '2').spec.replicas, 3);
  });

  it('a Deployment scaled in the middle of a rollout scales its ReplicaSets in proportion', async () => {
    const ns = await namespace('d-proportional');
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await cs.deployments.create(ns, deployment('web', 'nginx:1', { strategy }));
    await until(() => rolledOut(ns, 'web'), 'v1', 30_000);
    const [v1] = await replicaSets(ns);
    readyNamespaces.delete(ns); // v2's pods never become ready: the rollout stays half-way
    await setTemplateImage(ns, 'web', 'nginx:2');
    const v2 = await until(async () => (await replicaSets(ns)).find((r) => r.metadata.uid !== v1.metadata.uid && r.spec.replicas === 1), 'v2 at 1 replica');
    await modify(ns, 'web', (d) => { d.spec.replicas = 6; });
    // 6 replicas + 1 surge = 7 where 4 were allowed: the old ReplicaSet (3 of 4) gets 5, the new one (1 of 4) gets 2.
    await until(async () => {
      const rss = await replicaSets(ns);
      const size = (uid: string) => rss.find((r) => r.metadata.uid === uid)?.spec.replicas;
      return size(v1.metadata.uid) === 5 && size(v2.metadata.uid) === 2;
    }, 'proportional scaling to 5 + 2', 30_000);
    const events = (await cs.events.list(ns)).items as any[];
    assert.ok(events.some((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set ${v1.metadata.name} from 3 to 5`));
    for (const rs of await replicaSets(ns)) {
      assert.equal(rs.metadata.annotations['deployment.kubernetes.io/desired-replicas'], '6');
      assert.equal(rs.metadata.annotations['deployment.kubernetes.io/max-replicas'], '7');
    }
  });

  it('Recreate: the old pods are gone before any new one exists', async () => {
    const ns = await namespace('d-recreate');
    await cs.deployments.create(ns, deployment('web', 'nginx:1', { replicas: 2, strategy: { type: 'Recreate' } }));
    await until(() => rolledOut(ns, 'web'), 'v1', 30_000);
    const watch = new Informer(cs.pods, ns);
    const mixed: string[] = [];
    let listed = false;
    const sample = () => {
      if (!listed) return;
      const hashes = new Set(watch.list().filter(live).map((p) => p.metadata.labels['pod-template-hash']));
      if (hashes.size > 1) mixed.push([...hashes].join('+'));
    };
    watch.addEventHandler({ add: sample, update: sample, delete: sample });
    await watch.start();
    listed = true;
    try {
      await setTemplateImage(ns, 'web', 'nginx:2');
      await until(async () => (await get(ns, 'web')).metadata.annotations?.[REVISION] === '2' && rolledOut(ns, 'web'), 'the recreate', 60_000);
    } finally { watch.stop(); }
    assert.deepEqual(mixed, []);
    assert.equal((await pods(ns)).filter(live).length, 2);
  });

  it('revisionHistoryLimit deletes the oldest zero-sized ReplicaSets', async () => {
    const ns = await namespace('d-history');
    await cs.deployments.create(ns, deployment('web', 'nginx:1', { replicas: 1, revisionHistoryLimit: 1 }));
    await until(() => rolledOut(ns, 'web'), 'v1', 30_000);
    for (const v of [2, 3, 4]) {
      await setTemplateImage(ns, 'web', `nginx:${v}`);
      await until(async () => (await get(ns, 'web')).metadata.annotations?.[REVISION] === String(v) && rolledOut(ns, 'web'), `v${v}`, 60_000);
    }
    const rss = await until(async () => { const r = await replicaSets(ns); return r.length === 2 ? r : undefined; }, 'the history trimmed to one old ReplicaSet', 30_000);
    assert.deepEqual(rss.map((r) => r.metadata.annotations[REVISION]).sort(), ['3', '4']);
  });

  it('a rollout whose pods never become ready exceeds its progress deadline', async () => {
    const ns = await namespace('d-deadline', false);
    await cs.deployments.create(ns, deployment('web', 'nginx:1', { replicas: 2, progressDeadlineSeconds: 2 }));
    const d = await until(async () => {
      const x = await get(ns, 'web');
      return condition(x, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? x : undefined;
    }, 'ProgressDeadlineExceeded', 30_000);
    const [rs] = await replicaSets(ns);
    const c = condition(d, 'Progressing');
    assert.equal(c.status, 'False');
    assert.equal(c.message, `ReplicaSet "${rs.metadata.name}" has timed out progressing.`);
    assert.equal(condition(d, 'Available').reason, 'MinimumReplicasUnavailable');
    assert.equal(d.status.unavailableReplicas, 2);
  });

  const kubectlBin = kubectlVersions()[0];
  it('kubectl rollout status, history and undo', { skip: kubectlBin ? false : 'no kubectl installed' }, async () => {
    const ns = await namespace('d-kubectl');
    const k = (args: string[]) => kubectlOk(kubectlBin!.path, srv.kubeconfig, ['-n', ns, ...args]);
    const d = deployment('web', 'nginx:1');
    d.metadata.annotations = { 'kubernetes.io/change-cause': 'first' };
    await cs.deployments.create(ns, d);
    assert.match(await k(['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
    await k(['set', 'image', 'deployment/web', 'app=nginx:2']);
    await k(['annotate', 'deployment/web', 'kubernetes.io/change-cause=second', '--overwrite']);
    assert.match(await k(['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
    const history = await k(['rollout', 'history', 'deployment/web']);
    assert.match(history, /REVISION\s+CHANGE-CAUSE/);
    assert.match(history, /1\s+first/);
    assert.match(history, /2\s+second/);
    await k(['rollout', 'undo', 'deployment/web']);
    assert.match(await k(['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
    const back = await get(ns, 'web');
    assert.equal(back.spec.template.spec.containers[0].image, 'nginx:1');
    assert.equal(back.metadata.annotations[REVISION], '3');
    assert.match(await k(['rollout', 'history', 'deployment/web']), /3\s+first/);
  });
});
