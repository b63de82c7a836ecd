import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromLabelSelector } from '../../machinery/labels.js';
import type { ResourceClient } from '../../client/rest.js';
import { claimObjects } from './ref-manager.js';

const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'me' } };
const obj = (name: string, labels: Record<string, string>, ref?: string) => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels, ...(ref ? { ownerReferences: [{ kind: 'StatefulSet', name: 'x', uid: ref, controller: true }] } : {}) },
});

function fakeClient(patches: any[]): ResourceClient {
  return { patch: async (_ns: string, name: string, patch: any, type: string) => { patches.push({ name, patch, type }); return {}; } } as unknown as ResourceClient;
}

describe('ControllerRefManager', () => {
  it('adopts matching orphans, releases owned objects that stopped matching, leaves others\' alone', async () => {
    const patches: any[] = [];
    const claimed = await claimObjects([
      obj('mine', { app: 'web' }, 'me'), obj('orphan', { app: 'web' }), obj('theirs', { app: 'web' }, 'other'),
      obj('strayed', { app: 'db' }, 'me'), obj('unrelated', { app: 'db' }),
    ], { owner, apiVersion: 'apps/v1', kind: 'StatefulSet', selector: fromLabelSelector({ matchLabels: { app: 'web' } }), client: fakeClient(patches), getFresh: async () => owner });
    assert.deepEqual(claimed.map((o) => o.metadata.name), ['mine', 'orphan']);
    assert.deepEqual(patches.map((p) => [p.name, p.type]), [['orphan', 'strategic'], ['strayed', 'strategic']]);
    assert.equal(patches[0].patch.metadata.uid, 'uid-orphan', 'guarded by the object\'s uid');
    assert.deepEqual(patches[0].patch.metadata.ownerReferences[0], { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'me', controller: true, blockOwnerDeletion: true });
    assert.deepEqual(patches[1].patch.metadata.ownerReferences, [{ $patch: 'delete', uid: 'me' }]);
  });

  it('does not adopt when the owner read fresh is gone or another', async () => {
    const patches: any[] = [];
    const claimed = await claimObjects([obj('orphan', { app: 'web' })], {
      owner, apiVersion: 'apps/v1', kind: 'StatefulSet', selector: fromLabelSelector({ matchLabels: { app: 'web' } }), client: fakeClient(patches),
      getFresh: async () => ({ metadata: { ...owner.metadata, uid: 'recreated' } }),
    });
    assert.deepEqual(claimed, []);
    assert.deepEqual(patches, []);
  });
});
