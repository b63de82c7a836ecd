/**
 * End-to-end: the namespace controller against a real `skiff server`, as its own ServiceAccount.
 * Deleting a namespace empties it (every namespaced resource discovery finds, a custom resource
 * included) and then the namespace disappears; content held by a finalizer shows in the
 * namespace's conditions until it is released.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { runControllers, until, type RunningControllers } from '../support/controllers.js';
import { StatusError } from '../../src/machinery/status.js';
import { descriptor as namespaceDescriptor } from '../../src/controllers/namespace/index.js';

const WIDGETS = { group: 'example.com', version: 'v1', resource: 'widgets', namespaced: true };

describe('namespace controller', () => {
  let srv: SkiffServer;
  let run: RunningControllers;
  const cs = () => run.cs;
  const nsGone = async (name: string) => { try { await cs().namespaces.get('', name); return false; } catch (e) { if (e instanceof StatusError && e.code === 404) return true; throw e; } };
  const condition = (ns: any, type: string) => ns.status?.conditions?.find((c: any) => c.type === type);

  before(async () => {
    srv = await startSkiffServer({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    run = await runControllers(srv, [namespaceDescriptor]);
    await cs().resource({ group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions', namespaced: false }).create('', {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    });
    await until(async () => { try { await cs().resource(WIDGETS).list('default'); return true; } catch { return false; } }, 'the Widget CRD served');
  });
  after(async () => { await run?.stop(); await srv?.stop(); });

  it('deleting a namespace deletes everything in it, then the namespace', async () => {
    const NS = 'doomed';
    await cs().namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await cs().configmaps.create(NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } });
    await cs().secrets.create(NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: '1' } });
    await cs().services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } });
    await cs().pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    await cs().resource(WIDGETS).create(NS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
    await cs().namespaces.delete('', NS);
    await until(() => nsGone(NS), 'the namespace gone', 30_000);
    for (const [c, name] of [[cs().configmaps, 'cm'], [cs().secrets, 's'], [cs().services, 'svc'], [cs().pods, 'p'], [cs().resource(WIDGETS), 'w']] as const) {
      await assert.rejects(c.get(NS, name), (e: unknown) => e instanceof StatusError && e.code === 404);
    }
  });

  it('content held by a finalizer is reported in the conditions, and the namespace goes once it is released', async () => {
    const NS = 'held';
    await cs().namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await cs().configmaps.create(NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', finalizers: ['example.com/hold'] } });
    await cs().configmaps.create(NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'free' } });
    await cs().namespaces.delete('', NS);
    const ns = await until(async () => {
      const n = await cs().namespaces.get('', NS);
      return condition(n, 'NamespaceFinalizersRemaining')?.status === 'True' ? n : undefined;
    }, 'the NamespaceFinalizersRemaining condition');
    assert.equal(ns.status.phase, 'Terminating');
    assert.deepEqual(ns.spec.finalizers, ['kubernetes']);
    const f = condition(ns, 'NamespaceFinalizersRemaining');
    assert.equal(f.reason, 'SomeFinalizersRemain');
    assert.equal(f.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    const r = condition(ns, 'NamespaceContentRemaining');
    assert.deepEqual([r.status, r.reason, r.message], ['True', 'SomeResourcesRemain', 'Some resources are remaining: configmaps. has 1 resource instances']);
    assert.deepEqual([condition(ns, 'NamespaceDeletionDiscoveryFailure').status, condition(ns, 'NamespaceDeletionDiscoveryFailure').reason], ['False', 'ResourcesDiscovered']);
    assert.deepEqual([condition(ns, 'NamespaceDeletionContentFailure').status, condition(ns, 'NamespaceDeletionContentFailure').reason], ['False', 'ContentDeleted']);
    await assert.rejects(cs().configmaps.get(NS, 'free'), (e: unknown) => e instanceof StatusError && e.code === 404);
    const kept = await cs().configmaps.get(NS, 'kept');
    assert.ok(kept.metadata.deletionTimestamp);

    kept.metadata.finalizers = [];
    await cs().configmaps.update(NS, kept);
    // Content remaining with finalizers is looked at again after 15 s / 2 + 1.
    await until(() => nsGone(NS), 'the namespace gone once the finalizer is released', 30_000);
  });
});
