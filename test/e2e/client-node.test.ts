/**
 * @module test/e2e/client-node
 * End-to-end: @kubernetes/client-node 1.4 against a real `skiff server`: typed CoreV1 CRUD on
 * ConfigMaps, optimistic-concurrency 409s, the Watch class, and an informer over a CRD.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';

const NS = 'client-node';
const GROUP = 'gadgets.example.com';

async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('@kubernetes/client-node against skiff', () => {
  let srv: SkiffServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  const stops: (() => unknown)[] = [];

  before(async () => {
    srv = await startSkiffServer();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(srv.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });
  after(async () => {
    for (const s of stops) { try { await s(); } catch { /* already stopped */ } }
    await srv?.stop();
  });

  it('lists, creates, reads, replaces, patches and deletes ConfigMaps', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'crud', labels: { app: 'x' } }, data: { a: '1' } } });
    assert.equal(created.metadata?.namespace, NS);
    assert.ok(created.metadata?.uid);
    const list = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'app=x' });
    assert.deepEqual(list.items.map((c) => c.metadata?.name), ['crud']);
    assert.ok(Number(list.metadata?.resourceVersion) >= Number(created.metadata?.resourceVersion));
    const read = await core.readNamespacedConfigMap({ namespace: NS, name: 'crud' });
    assert.deepEqual(read.data, { a: '1' });
    read.data = { a: '2', b: '3' };
    const replaced = await core.replaceNamespacedConfigMap({ namespace: NS, name: 'crud', body: read });
    assert.deepEqual(replaced.data, { a: '2', b: '3' });
    assert.ok(Number(replaced.metadata?.resourceVersion) > Number(read.metadata?.resourceVersion));
    // The default patch type of 1.4 is a JSON patch; a merge patch needs the header option.
    const jp = await core.patchNamespacedConfigMap({ namespace: NS, name: 'crud', body: [{ op: 'replace', path: '/data/a', value: 'json' }] });
    assert.equal(jp.data?.a, 'json');
    const mp = await core.patchNamespacedConfigMap({ namespace: NS, name: 'crud', body: { data: { b: null, c: 'merge' } } }, mergePatch);
    assert.deepEqual(mp.data, { a: 'json', c: 'merge' });
    await core.deleteNamespacedConfigMap({ namespace: NS, name: 'crud' });
    await assert.rejects(core.readNamespacedConfigMap({ namespace: NS, name: 'crud' }), (e: any) => {
      assert.equal(e.code, 404);
      assert.equal(JSON.parse(e.body).reason, 'NotFound');
      return true;
    });
  });

  it('gets a 409 Conflict for a replace with a stale resourceVersion', async () => {
    const c = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'occ' }, data: { v: '1' } } });
    await core.replaceNamespacedConfigMap({ namespace: NS, name: 'occ', body: { ...c, data: { v: '2' } } });
    await assert.rejects(core.replaceNamespacedConfigMap({ namespace: NS, name: 'occ', body: { ...c, data: { v: '3' } } }), (e: any) => {
      assert.equal(e.code, 409);
      const st = JSON.parse(e.body);
      assert.equal(st.reason, 'Conflict');
      assert.match(st.message, /the object has been modified; please apply your changes to the latest version and try again/);
      return true;
    });
    assert.equal((await core.readNamespacedConfigMap({ namespace: NS, name: 'occ' })).data?.v, '2');
  });

  it('the Watch class receives ADDED, MODIFIED and DELETED', async () => {
    const events: [string, string, string | undefined][] = [];
    let doneErr: unknown = 'open';
    const w = new k8s.Watch(kc);
    const start = await core.listNamespacedConfigMap({ namespace: NS });
    const ctl = await w.watch(`/api/v1/namespaces/${NS}/configmaps`, { resourceVersion: start.metadata?.resourceVersion },
      (phase, obj) => events.push([phase, obj.metadata.name, obj.data?.v]), (err) => { doneErr = err; });
    stops.push(() => ctl.abort());
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'watched' }, data: { v: 'a' } } });
    await core.patchNamespacedConfigMap({ namespace: NS, name: 'watched', body: { data: { v: 'b' } } }, mergePatch);
    await core.deleteNamespacedConfigMap({ namespace: NS, name: 'watched' });
    await until(() => events.length >= 3, `three events, got ${JSON.stringify(events)}`);
    assert.deepEqual(events, [['ADDED', 'watched', 'a'], ['MODIFIED', 'watched', 'b'], ['DELETED', 'watched', 'b']]);
    assert.equal(doneErr, 'open', 'the watch must still be open');
    ctl.abort();
  });

  it('an informer over a CRD converges to the objects and follows updates and deletes', async () => {
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    await ext.createCustomResourceDefinition({ body: {
      metadata: { name: `gizmos.${GROUP}` },
      spec: { group: GROUP, scope: 'Namespaced', names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo', listKind: 'GizmoList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: {
          spec: { type: 'object', properties: { level: { type: 'integer', minimum: 0 } } } } } } }] },
    } });
    await until(async () => {
      const crd = await ext.readCustomResourceDefinition({ name: `gizmos.${GROUP}` });
      return !!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    }, 'the CRD to be Established');
    const gizmo = (name: string, level: number) => ({ apiVersion: `${GROUP}/v1`, kind: 'Gizmo', metadata: { name }, spec: { level } });
    const args = { group: GROUP, version: 'v1', namespace: NS, plural: 'gizmos' };
    await custom.createNamespacedCustomObject({ ...args, body: gizmo('g1', 1) });
    await custom.createNamespacedCustomObject({ ...args, body: gizmo('g2', 2) });

    const inf = k8s.makeInformer<any>(kc, `/apis/${GROUP}/v1/namespaces/${NS}/gizmos`, () => custom.listNamespacedCustomObject(args));
    const seen: string[] = [];
    inf.on(k8s.ADD, (o) => seen.push(`add ${o.metadata.name}`));
    inf.on(k8s.UPDATE, (o) => seen.push(`update ${o.metadata.name} ${o.spec.level}`));
    inf.on(k8s.DELETE, (o) => seen.push(`delete ${o.metadata.name}`));
    const errors: unknown[] = [];
    inf.on(k8s.ERROR, (e) => errors.push(e));
    await inf.start();
    stops.push(() => inf.stop());
    const levels = () => Object.fromEntries(inf.list(NS).map((o) => [o.metadata.name, o.spec.level]));
    await until(() => inf.list(NS).length === 2, 'the informer\'s initial list');
    assert.deepEqual(levels(), { g1: 1, g2: 2 });

    await custom.createNamespacedCustomObject({ ...args, body: gizmo('g3', 3) });
    await custom.patchNamespacedCustomObject({ ...args, name: 'g1', body: [{ op: 'replace', path: '/spec/level', value: 10 }] });
    await custom.patchNamespacedCustomObject({ ...args, name: 'g2', body: { spec: { level: 20 } } }, mergePatch);
    await custom.deleteNamespacedCustomObject({ ...args, name: 'g3' });
    await until(() => JSON.stringify(levels()) === JSON.stringify({ g1: 10, g2: 20 }), `the cache to converge, have ${JSON.stringify(levels())} after ${JSON.stringify(seen)}`);
    assert.ok(seen.includes('add g3') && seen.includes('delete g3'), JSON.stringify(seen));
    assert.ok(seen.includes('update g1 10') && seen.includes('update g2 20'), JSON.stringify(seen));
    assert.equal(inf.get('g1', NS)?.spec.level, 10);
    const listed = await custom.listNamespacedCustomObject(args);
    assert.deepEqual(listed.items.map((o: any) => o.metadata.name).sort(), ['g1', 'g2']);
    assert.deepEqual(errors, []);
    await inf.stop();
  });
});
