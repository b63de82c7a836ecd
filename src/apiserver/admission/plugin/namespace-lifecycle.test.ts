import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../machinery/status.js';
import { attrsFor, fakeClient } from './fake-client.js';
import { namespaceLifecyclePlugin } from './namespace-lifecycle.js';

const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } };

function setup() {
  const c = fakeClient();
  c.seed('', 'namespaces', { metadata: { name: 'live' }, status: { phase: 'Active' } });
  c.seed('', 'namespaces', { metadata: { name: 'dying', deletionTimestamp: '2024-01-01T00:00:00Z' }, status: { phase: 'Terminating' } });
  return { c, p: namespaceLifecyclePlugin(c) };
}

describe('NamespaceLifecycle', () => {
  it('is named as in Kubernetes', () => assert.equal(setup().p.name, 'NamespaceLifecycle'));

  it('admits creates into an active namespace', async () => {
    const { p } = setup();
    const a = attrsFor('CREATE', 'pods', 'live', pod);
    assert.ok(p.handles(a));
    await p.validate!(a);
  });

  it('refuses creates into a missing namespace with 404', async () => {
    const { p } = setup();
    await assert.rejects(p.validate!(attrsFor('CREATE', 'configmaps', 'nope', { metadata: { name: 'cm' } })), (e: any) => {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, 404);
      assert.equal(e.reason, 'NotFound');
      assert.equal(e.message, 'namespaces "nope" not found');
      assert.equal(e.details?.name, 'nope');
      assert.equal(e.details?.kind, 'namespaces');
      return true;
    });
  });

  it('refuses creates into a terminating namespace with 403', async () => {
    const { p } = setup();
    await assert.rejects(p.validate!(attrsFor('CREATE', 'pods', 'dying', pod)), (e: any) => {
      assert.equal(e.code, 403);
      assert.equal(e.message, 'pods "p" is forbidden: unable to create new content in namespace dying because it is being terminated');
      assert.equal(e.details.causes[0].reason, 'NamespaceTerminating');
      return true;
    });
  });

  it('allows updates and deletes in a terminating namespace', async () => {
    const { p } = setup();
    await p.validate!(attrsFor('UPDATE', 'pods', 'dying', pod));
    assert.equal(p.handles(attrsFor('DELETE', 'pods', 'dying', pod)), false);
  });

  it('uses generateName when the object has no name yet', async () => {
    const { p } = setup();
    const a = attrsFor('CREATE', 'pods', 'dying', { metadata: { generateName: 'web-' } });
    await assert.rejects(p.validate!(a), /pods "web-" is forbidden/);
  });

  it('ignores namespace creates, cluster-scoped objects and access reviews', () => {
    const { p } = setup();
    assert.equal(p.handles({ ...attrsFor('CREATE', 'namespaces', '', { metadata: { name: 'x' } }), kind: 'Namespace' }), false);
    assert.equal(p.handles(attrsFor('CREATE', 'nodes', '', { metadata: { name: 'n' } })), false);
    assert.equal(p.handles({ ...attrsFor('CREATE', 'localsubjectaccessreviews', 'nope', {}), group: 'authorization.k8s.io' }), false);
  });

  it('refuses deleting default, kube-system and kube-public', async () => {
    const { p } = setup();
    for (const name of ['default', 'kube-system', 'kube-public']) {
      const a = { ...attrsFor('DELETE', 'namespaces', '', undefined), name, kind: 'Namespace' };
      assert.ok(p.handles(a));
      await assert.rejects(p.validate!(a), (e: any) => e.code === 403 && e.message === `namespaces "${name}" is forbidden: this namespace may not be deleted`);
    }
    await p.validate!({ ...attrsFor('DELETE', 'namespaces', '', undefined), name: 'live', kind: 'Namespace' });
  });
});
