/**
 * End-to-end: the StatefulSet controller against a real `skiff server`, acting as its own
 * ServiceAccount. There is no kubelet: the test plays it, marking pods Running and Ready through
 * the status subresource. Shown: ordered creation web-0, web-1, web-2 (each waits for the previous
 * to be Ready), PVCs from volumeClaimTemplates, a rolling update that stops at the partition,
 * a deleted pod recreated under its name, reverse-order scale-down, and the PVC retention policy.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { runControllers, until, type RunningControllers } from '../support/controllers.js';
import { descriptor } from '../../src/controllers/statefulset/index.js';
import type { Clientset } from '../../src/client/clientset.js';

const NS = 'sts';

function statefulSet(name: string, replicas: number, extra: any = {}): any {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: NS },
    spec: {
      replicas, serviceName: name, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...extra,
    },
  };
}

describe('StatefulSet controller', () => {
  let srv: SkiffServer;
  let run: RunningControllers;
  let cs: Clientset;
  let watch: { stop(): void } | undefined;
  const seen: string[] = [];

  const pod = (name: string) => cs.pods.get(NS, name).catch(() => undefined);
  /** Play the kubelet: the pod is Running and Ready. */
  async function makeReady(name: string): Promise<void> {
    await until(() => pod(name), `pod ${name}`);
    await cs.pods.patch(NS, name, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } }, 'merge', 'status');
  }

  before(async () => {
    // Only the controller under test: no in-server controller manager, no scheduler.
    srv = await startSkiffServer({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    run = await runControllers(srv, [descriptor]);
    cs = run.cs;
    await cs.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    watch = cs.pods.watch(NS, {}, (ev) => { if (ev.type === 'ADDED' || ev.type === 'DELETED') seen.push(`${ev.type} ${ev.object.metadata.name}`); }, () => {});
  });
  after(async () => { watch?.stop(); await run?.stop(); await srv?.stop(); });

  it('creates web-0, web-1, web-2 in order, each after the previous is Ready, with PVCs from the templates', async () => {
    await cs.statefulsets.create(NS, statefulSet('web', 3));
    const p0 = await until(() => pod('web-0'), 'web-0');
    assert.equal(p0.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(p0.metadata.labels['apps.kubernetes.io/pod-index'], '0');
    assert.ok(p0.metadata.labels['controller-revision-hash'].startsWith('web-'));
    assert.equal(p0.spec.hostname, 'web-0');
    assert.equal(p0.spec.subdomain, 'web');
    assert.deepEqual(p0.spec.volumes.find((v: any) => v.name === 'www'), { name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } });
    const pvc = await cs.persistentvolumeclaims.get(NS, 'www-web-0');
    assert.equal(pvc.metadata.labels.app, 'web');
    // OrderedReady: nothing more until web-0 is Running and Ready.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await pod('web-1'), undefined);
    await makeReady('web-0');
    await until(() => pod('web-1'), 'web-1');
    assert.equal(await pod('web-2'), undefined);
    await makeReady('web-1');
    await until(() => pod('web-2'), 'web-2');
    await makeReady('web-2');
    assert.deepEqual(seen.filter((s) => s.startsWith('ADDED')), ['ADDED web-0', 'ADDED web-1', 'ADDED web-2']);
    for (const n of ['www-web-0', 'www-web-1', 'www-web-2']) await cs.persistentvolumeclaims.get(NS, n);

    const set = await until(async () => { const s = await cs.statefulsets.get(NS, 'web'); return s.status?.readyReplicas === 3 && s.status?.availableReplicas === 3 ? s : undefined; }, 'status readyReplicas 3');
    assert.equal(set.status.replicas, 3);
    assert.equal(set.status.currentReplicas, 3);
    assert.equal(set.status.updatedReplicas, 3);
    assert.equal(set.status.observedGeneration, set.metadata.generation);
    assert.equal(set.status.currentRevision, set.status.updateRevision);
    assert.equal(set.status.collisionCount, 0);
    const rev = await cs.controllerrevisions.get(NS, set.status.currentRevision);
    assert.equal(rev.revision, 1);
    assert.equal(rev.metadata.ownerReferences[0].uid, set.metadata.uid);
    const events = await until(async () => {
      const evs = (await cs.events.list(NS)).items.filter((e: any) => e.involvedObject.name === 'web' && e.reason === 'SuccessfulCreate');
      return evs.some((e: any) => e.message === 'create Pod web-0 in StatefulSet web successful') ? evs : undefined;
    }, 'the SuccessfulCreate event');
    assert.ok(events.some((e: any) => e.message === 'create Claim www-web-0 Pod web-0 in StatefulSet web success'));
  });

  it('a deleted pod comes back under the same name', async () => {
    const old = await cs.pods.get(NS, 'web-1');
    await cs.pods.delete(NS, 'web-1');
    const again = await until(async () => { const p = await pod('web-1'); return p && p.metadata.uid !== old.metadata.uid ? p : undefined; }, 'web-1 recreated');
    assert.equal(again.spec.volumes.find((v: any) => v.name === 'www').persistentVolumeClaim.claimName, 'www-web-1');
    await makeReady('web-1');
    await until(async () => (await cs.statefulsets.get(NS, 'web')).status?.readyReplicas === 3, 'ready again');
  });

  it('a rolling update replaces the highest ordinal first and leaves ordinals below the partition alone', async () => {
    const before = await cs.statefulsets.get(NS, 'web');
    const oldRev = before.status.currentRevision;
    await cs.statefulsets.patch(NS, 'web', { spec: { updateStrategy: { rollingUpdate: { partition: 1 } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } } }, 'strategic');
    const newRev = await until(async () => { const s = await cs.statefulsets.get(NS, 'web'); return s.status?.updateRevision !== oldRev ? s.status?.updateRevision : undefined; }, 'a new update revision');
    const p2 = await until(async () => { const p = await pod('web-2'); return p?.metadata.labels['controller-revision-hash'] === newRev ? p : undefined; }, 'web-2 at the new revision');
    assert.equal(p2.spec.containers[0].image, 'nginx:1.26');
    // web-1 waits for web-2 to be Ready.
    assert.equal((await pod('web-1'))?.metadata.labels['controller-revision-hash'], oldRev);
    await makeReady('web-2');
    await until(async () => (await pod('web-1'))?.metadata.labels['controller-revision-hash'] === newRev, 'web-1 at the new revision');
    await makeReady('web-1');
    const set = await until(async () => { const s = await cs.statefulsets.get(NS, 'web'); return s.status?.updatedReplicas === 2 && s.status?.readyReplicas === 3 ? s : undefined; }, 'two updated replicas');
    assert.equal(set.status.currentReplicas, 1);
    assert.equal(set.status.currentRevision, oldRev);
    assert.equal((await pod('web-0')).metadata.labels['controller-revision-hash'], oldRev, 'web-0 is below the partition');
    assert.equal((await pod('web-0')).spec.containers[0].image, 'nginx:1.25');

    // Partition 0 finishes the rollout: the update revision becomes current.
    await cs.statefulsets.patch(NS, 'web', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    await until(async () => (await pod('web-0'))?.metadata.labels['controller-revision-hash'] === newRev, 'web-0 at the new revision');
    await makeReady('web-0');
    await until(async () => { const s = await cs.statefulsets.get(NS, 'web'); return s.status?.currentRevision === newRev && s.status?.currentReplicas === 3; }, 'the rollout complete');
  });

  it('scales down from the highest ordinal, one at a time; PVCs are retained by default', async () => {
    seen.length = 0;
    await cs.statefulsets.patch(NS, 'web', { spec: { replicas: 1 } });
    await until(async () => !(await pod('web-1')) && !(await pod('web-2')), 'web-1 and web-2 gone');
    // The watch may deliver the last DELETED a moment after the GET says 404.
    await until(() => seen.filter((s) => s.startsWith('DELETED')).length >= 2, 'both deletions seen on the watch');
    assert.deepEqual(seen.filter((s) => s.startsWith('DELETED')), ['DELETED web-2', 'DELETED web-1']);
    assert.ok(await pod('web-0'));
    for (const n of ['www-web-1', 'www-web-2']) await cs.persistentvolumeclaims.get(NS, n);
    await until(async () => (await cs.statefulsets.get(NS, 'web')).status?.replicas === 1, 'status replicas 1');
  });

  it('persistentVolumeClaimRetentionPolicy Delete: claims are owned by the set, and by the pod once it is scaled away', async () => {
    await cs.statefulsets.create(NS, statefulSet('db', 2, { podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }));
    const set = await cs.statefulsets.get(NS, 'db');
    await until(async () => (await pod('db-0')) && (await pod('db-1')), 'both pods at once (Parallel)');
    const owners = async (n: string) => ((await cs.persistentvolumeclaims.get(NS, n)).metadata.ownerReferences ?? []).map((r: any) => `${r.kind}/${r.name}`);
    await until(async () => (await owners('www-db-1')).join() === 'StatefulSet/db', 'the set owns www-db-1');
    const p1 = await pod('db-1');
    await cs.statefulsets.patch(NS, 'db', { spec: { replicas: 1 } });
    // The claim passes to the pod before the pod goes, so the garbage collector takes both.
    await until(async () => !(await pod('db-1')), 'db-1 deleted');
    const refs = (await cs.persistentvolumeclaims.get(NS, 'www-db-1')).metadata.ownerReferences;
    assert.deepEqual(refs.map((r: any) => [r.kind, r.name, r.uid]), [['Pod', 'db-1', p1.metadata.uid]]);
    assert.deepEqual(await owners('www-db-0'), ['StatefulSet/db']);
    assert.equal((await cs.persistentvolumeclaims.get(NS, 'www-db-0')).metadata.ownerReferences[0].uid, set.metadata.uid);
  });
});
