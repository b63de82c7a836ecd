/**
 * End-to-end: skiff's own client machinery (transport, resource client, informer, work queue)
 * against a real `skiff server`: the informer's cache follows creates, updates and deletes, its
 * indexer answers by label, and a controller-style loop drains a work queue of keys.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { Transport, configFromKubeconfig } from '../../src/client/transport.js';
import { ResourceClient } from '../../src/client/rest.js';
import { Informer, keyOf } from '../../src/client/informer.js';
import { WorkQueue } from '../../src/client/workqueue.js';
import { StatusError } from '../../src/machinery/status.js';

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('client machinery against skiff', () => {
  let srv: SkiffServer;
  let t: Transport;
  before(async () => {
    srv = await startSkiffServer();
    t = new Transport({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-test/informer' });
  });
  after(async () => { t?.close(); await srv?.stop(); });

  it('the resource client speaks the verbs and returns the server\'s Status errors', async () => {
    const ns = new ResourceClient(t, { group: '', version: 'v1', resource: 'namespaces', namespaced: false });
    await ns.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'inf' } });
    const cms = new ResourceClient(t, { group: '', version: 'v1', resource: 'configmaps', namespaced: true });
    const made = await cms.create('inf', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' }, data: { a: '1' } });
    assert.equal((await cms.get('inf', 'one')).data.a, '1');
    await assert.rejects(cms.create('inf', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' } }), (e: unknown) => e instanceof StatusError && e.code === 409 && e.reason === 'AlreadyExists');
    await assert.rejects(cms.update('inf', { ...made, metadata: { ...made.metadata, resourceVersion: '1' } }), (e: unknown) => e instanceof StatusError && e.code === 409);
    const patched = await cms.patch('inf', 'one', { data: { b: '2' } });
    assert.deepEqual(patched.data, { a: '1', b: '2' });
    await cms.delete('inf', 'one');
    await assert.rejects(cms.get('inf', 'one'), (e: unknown) => e instanceof StatusError && e.code === 404);
  });

  it('an informer follows creates, updates and deletes; its indexer answers by label; a work queue drains the keys', async () => {
    const cms = new ResourceClient(t, { group: '', version: 'v1', resource: 'configmaps', namespaced: true });
    await cms.create('inf', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before', labels: { tier: 'web' } } });
    const inf = new Informer(cms, 'inf');
    inf.addIndexer('tier', (o) => (o.metadata.labels?.tier ? [o.metadata.labels.tier] : []));
    const q = new WorkQueue();
    const seen: string[] = [];
    inf.addEventHandler({ add: (o) => q.add(keyOf(o)), update: (_, o) => q.add(keyOf(o)), delete: (o) => q.add(keyOf(o)) });
    await inf.start();
    assert.ok(inf.get('inf/before'));
    const worker = (async () => {
      for (;;) {
        const k = await q.get();
        if (k === undefined) return;
        seen.push(`${k}:${inf.get(k) ? 'present' : 'gone'}`);
        q.done(k);
      }
    })();
    await cms.create('inf', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { tier: 'web' } } });
    await cms.create('inf', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels: { tier: 'db' } } });
    await until(() => inf.byIndex('tier', 'web').length === 2 && inf.byIndex('tier', 'db').length === 1, 'the index');
    await cms.patch('inf', 'b', { metadata: { labels: { tier: 'web' } } });
    await until(() => inf.byIndex('tier', 'web').length === 3 && inf.byIndex('tier', 'db').length === 0, 'the index after a label change');
    await cms.delete('inf', 'a');
    await until(() => !inf.get('inf/a') && seen.includes('inf/a:gone'), 'the delete');
    assert.ok(seen.includes('inf/before:present') && seen.includes('inf/b:present'));
    assert.equal(inf.list().filter((o) => o.metadata.name !== 'kube-root-ca.crt').length, 2);
    inf.stop();
    q.shutDown();
    await worker;
  });
});
