/**
 * End-to-end: the garbage collector and the pod garbage collector against a real `skiff server`,
 * each as its own ServiceAccount. ConfigMaps owning ConfigMaps (and a hand-made ReplicaSet owning
 * a pod, with no ReplicaSet controller running) show background, foreground and orphan
 * propagation, dangling owners, and an object that keeps a live owner. Pods on a node that does
 * not exist, and finished pods beyond the threshold, show the pod GC.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { runControllers, until, type RunningControllers } from '../support/controllers.js';
import { StatusError } from '../../src/machinery/status.js';
import { descriptor as gcDescriptor } from '../../src/controllers/garbagecollector/index.js';
import { newDescriptor as podGCDescriptor } from '../../src/controllers/podgc/index.js';


const NS = 'gc';

describe('garbage collector', () => {
  let srv: SkiffServer;
  let run: RunningControllers;
  const cs = () => run.cs;

  const ref = (owner: any, o: { block?: boolean; controller?: boolean } = {}) => ({
    apiVersion: owner.apiVersion ?? 'v1', kind: owner.kind ?? 'ConfigMap', name: owner.metadata.name, uid: owner.metadata.uid,
    ...(o.controller ? { controller: true } : {}), ...(o.block ? { blockOwnerDeletion: true } : {}),
  });
  const cm = (name: string, owners: any[] = [], finalizers?: string[]) =>
    cs().configmaps.create(NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ownerReferences: owners, ...(finalizers ? { finalizers } : {}) } });
  const gone = async (name: string) => { try { await cs().configmaps.get(NS, name); return false; } catch (e) { if (e instanceof StatusError && e.code === 404) return true; throw e; } };
  const dropFinalizers = async (name: string) => {
    const o = await cs().configmaps.get(NS, name);
    o.metadata.finalizers = [];
    await cs().configmaps.update(NS, o);
  };

  before(async () => {
    srv = await startSkiffServer({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    run = await runControllers(srv, [gcDescriptor, podGCDescriptor({ terminatedPodGCThreshold: 2, gcCheckPeriodMs: 200, quarantineMs: 300 })]);
    await cs().namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => { await run?.stop(); await srv?.stop(); });

  it('background: deleting an owner deletes its dependents, and theirs', async () => {
    const parent = await cm('bg-parent');
    const child = await cm('bg-child', [ref(parent)]);
    await cm('bg-grandchild', [ref(child)]);
    await cs().configmaps.delete(NS, 'bg-parent');
    await until(async () => (await gone('bg-child')) && (await gone('bg-grandchild')), 'child and grandchild collected', 30_000);
  });

  it('foreground: the owner waits, with its foregroundDeletion finalizer, until blocking dependents are gone', async () => {
    const parent = await cm('fg-parent');
    await cm('fg-child', [ref(parent, { block: true })], ['example.com/hold']);
    await cm('fg-free', [ref(parent)]);
    await cs().configmaps.delete(NS, 'fg-parent', { propagationPolicy: 'Foreground' });
    // The dependent is being deleted but its own finalizer holds it, so the owner must still be there.
    await until(async () => (await cs().configmaps.get(NS, 'fg-child')).metadata.deletionTimestamp, 'the child being deleted');
    await until(() => gone('fg-free'), 'the non-blocking dependent collected');
    const waiting = await cs().configmaps.get(NS, 'fg-parent');
    assert.ok(waiting.metadata.deletionTimestamp);
    assert.deepEqual(waiting.metadata.finalizers, ['foregroundDeletion']);
    await dropFinalizers('fg-child');
    await until(async () => (await gone('fg-child')) && (await gone('fg-parent')), 'child, then owner, gone');
  });

  it('orphan: dependents lose the ownerReference and stay; the owner goes', async () => {
    const parent = await cm('or-parent');
    const other = await cm('or-other');
    await cm('or-child', [ref(parent), ref(other)]);
    await cm('or-only', [ref(parent)]);
    await cs().configmaps.delete(NS, 'or-parent', { propagationPolicy: 'Orphan' });
    await until(() => gone('or-parent'), 'the owner gone once its dependents are orphaned');
    assert.deepEqual((await cs().configmaps.get(NS, 'or-child')).metadata.ownerReferences.map((r: any) => r.name), ['or-other']);
    assert.equal((await cs().configmaps.get(NS, 'or-only')).metadata.ownerReferences, undefined);
  });

  it('an owner that never existed (or has another uid now) is dangling; a live owner keeps its dependent', async () => {
    const live = await cm('dl-live');
    await cm('dl-orphan', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'dl-nobody', uid: '00000000-0000-0000-0000-000000000001' }]);
    await cm('dl-wrong-uid', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'dl-live', uid: '00000000-0000-0000-0000-000000000002' }]);
    await cm('dl-mixed', [ref(live), { apiVersion: 'v1', kind: 'ConfigMap', name: 'dl-nobody', uid: '00000000-0000-0000-0000-000000000001' }]);
    await until(async () => (await gone('dl-orphan')) && (await gone('dl-wrong-uid')), 'dependents of absent owners collected');
    const mixed = await until(async () => { const o = await cs().configmaps.get(NS, 'dl-mixed'); return o.metadata.ownerReferences.length === 1 ? o : undefined; }, 'the dangling reference removed');
    assert.equal(mixed.metadata.ownerReferences[0].uid, live.metadata.uid);
  });

  it('a ReplicaSet deleted in the background takes its pods with it', async () => {
    const rs = await cs().replicasets.create(NS, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'rs' } }, template: { metadata: { labels: { app: 'rs' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    await cs().pods.create(NS, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'rs-pod', labels: { app: 'rs' }, ownerReferences: [ref({ ...rs, apiVersion: 'apps/v1', kind: 'ReplicaSet' }, { controller: true, block: true })] },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    await cs().replicasets.delete(NS, 'rs', { propagationPolicy: 'Background' });
    await until(async () => { try { await cs().pods.get(NS, 'rs-pod'); return false; } catch (e) { return e instanceof StatusError && e.code === 404; } }, 'the pod collected');
  });

  const podGone = async (ns: string, name: string) => { try { await cs().pods.get(ns, name); return false; } catch (e) { if (e instanceof StatusError && e.code === 404) return true; throw e; } };
  async function setPhase(ns: string, name: string, phase: string): Promise<void> {
    for (;;) {
      const p = await cs().pods.get(ns, name);
      p.status = { ...p.status, phase };
      try { await cs().pods.updateStatus(ns, p); return; } catch (e) { if (!(e instanceof StatusError && e.code === 409)) throw e; }
    }
  }

  it('pod GC: a pod bound to a node that no longer exists is marked Failed (DisruptionTarget) and force-deleted', async () => {
    await cs().pods.create(NS, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stranded', finalizers: ['example.com/hold'] },
      spec: { nodeName: 'node-that-is-gone', containers: [{ name: 'c', image: 'nginx' }] },
    });
    await setPhase(NS, 'stranded', 'Running');
    // The finalizer keeps the pod visible after the pod GC's delete, so what it wrote can be read.
    const p = await until(async () => { const x = await cs().pods.get(NS, 'stranded'); return x.metadata.deletionTimestamp ? x : undefined; }, 'the pod deleted');
    assert.equal(p.metadata.deletionGracePeriodSeconds, 0);
    assert.equal(p.status.phase, 'Failed');
    const c = p.status.conditions.find((x: any) => x.type === 'DisruptionTarget');
    assert.deepEqual([c.status, c.reason, c.message], ['True', 'DeletionByPodGC', 'PodGC: node no longer exists']);
    assert.ok(p.metadata.managedFields.some((m: any) => m.manager === 'PodGC' && m.operation === 'Apply' && m.subresource === 'status'), 'applied as field manager PodGC');
    p.metadata.finalizers = [];
    await cs().pods.update(NS, p);
    await until(() => podGone(NS, 'stranded'), 'the pod gone');
  });

  it('pod GC: finished pods beyond --terminated-pod-gc-threshold are deleted, oldest first', async () => {
    for (const n of ['t1', 't2', 't3', 't4']) {
      await cs().pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: n }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } });
    }
    for (const n of ['t1', 't2', 't3', 't4']) await setPhase(NS, n, 'Succeeded');
    await until(async () => (await podGone(NS, 't1')) && (await podGone(NS, 't2')), 'the two oldest finished pods deleted');
    assert.ok(!(await podGone(NS, 't3')) && !(await podGone(NS, 't4')));
    for (const n of ['t3', 't4']) await cs().pods.delete(NS, n);
  });
});
