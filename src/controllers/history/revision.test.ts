import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJSON, computeHash, safeEncodeString } from './hash.js';
import {
  CONTROLLER_REVISION_HASH_LABEL, applyRevision, controllerRevisionName, equalRevision, newControllerRevision, nextRevision,
  sortControllerRevisions, templatePatch,
} from './revision.js';

const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } } };

describe('controller history', () => {
  it('hashes are stable across key order, DNS-safe, and change with the collision count', () => {
    assert.equal(canonicalJSON({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
    assert.equal(computeHash({ a: 1, b: 2 }), computeHash({ b: 2, a: 1 }));
    assert.notEqual(computeHash({ a: 1 }), computeHash({ a: 1 }, 1));
    assert.match(computeHash({ a: 1 }), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(safeEncodeString('0123'), '4567');
  });

  it('a new revision is named <owner>-<hash>, labelled with the template labels and the hash, and controlled by its owner', () => {
    const rev = newControllerRevision(owner, 'apps/v1', 'StatefulSet', owner.spec.template.metadata.labels, templatePatch(owner), 1);
    const hash = rev.metadata.labels[CONTROLLER_REVISION_HASH_LABEL];
    assert.equal(rev.metadata.name, `web-${hash}`);
    assert.equal(rev.metadata.labels.app, 'web');
    assert.deepEqual(rev.metadata.ownerReferences[0], { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true });
    assert.equal(rev.data.spec.template.$patch, 'replace');
    const other = structuredClone(owner);
    other.spec.template.spec.containers[0].image = 'nginx:2';
    const rev2 = newControllerRevision(other, 'apps/v1', 'StatefulSet', {}, templatePatch(other), 2);
    assert.ok(!equalRevision(rev, rev2));
    assert.ok(equalRevision(rev, newControllerRevision(owner, 'apps/v1', 'StatefulSet', {}, templatePatch(owner), 7)));
    assert.equal(applyRevision(other, rev).spec.template.spec.containers[0].image, 'nginx:1');
    assert.equal(applyRevision(other, rev).spec.template.$patch, undefined);
    assert.equal(controllerRevisionName('x'.repeat(300), 'h').length, 225);
  });

  it('revisions sort by number and the next number follows the highest', () => {
    const r = (name: string, revision: number) => ({ metadata: { name }, revision });
    const sorted = sortControllerRevisions([r('c', 3), r('a', 1), r('b', 2)]);
    assert.deepEqual(sorted.map((x) => x.metadata.name), ['a', 'b', 'c']);
    assert.equal(nextRevision(sorted), 4);
    assert.equal(nextRevision([]), 1);
  });
});
