import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyGraph, referenceDiffs } from './graph.js';

const ref = (name: string, uid: string, block = false) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid, ...(block ? { blockOwnerDeletion: true } : {}) });
const cm = (name: string, uid: string, owners: any[] = [], meta: any = {}) => ({ metadata: { name, namespace: 'ns', uid, ownerReferences: owners, ...meta } });
const uids = (nodes: { identity: { uid: string } }[]) => nodes.map((n) => n.identity.uid).sort();

test('a dependent seen before its owner makes a virtual owner node to verify; seeing the owner makes it real', () => {
  const g = new DependencyGraph();
  const a = g.observe('add', cm('child', 'c', [ref('parent', 'p')]), 'v1', 'ConfigMap');
  assert.deepEqual(uids(a.attemptToDelete), ['p']);
  assert.ok(g.get('p')!.virtual);
  assert.deepEqual(uids([...g.get('p')!.dependents]), ['c']);
  g.observe('add', cm('parent', 'p'), 'v1', 'ConfigMap');
  assert.equal(g.get('p')!.virtual, false);
});

test('an owner deleted: its dependents are to be checked; a virtual owner verified absent likewise', () => {
  const g = new DependencyGraph();
  g.observe('add', cm('parent', 'p'), 'v1', 'ConfigMap');
  g.observe('add', cm('a', 'a', [ref('parent', 'p')]), 'v1', 'ConfigMap');
  g.observe('add', cm('b', 'b', [ref('parent', 'p')]), 'v1', 'ConfigMap');
  assert.deepEqual(uids(g.observe('delete', cm('parent', 'p'), 'v1', 'ConfigMap').attemptToDelete), ['a', 'b']);
  assert.equal(g.get('p'), undefined);
  g.observe('add', cm('x', 'x', [ref('ghost', 'g')]), 'v1', 'ConfigMap');
  const v = g.virtualDelete(g.get('g')!.identity);
  assert.deepEqual(uids(v.attemptToDelete), ['x']);
  assert.equal(g.get('g'), undefined);
});

test('foreground deletion: the owner starts deleting dependents, and is looked at again as blocking dependents go', () => {
  const g = new DependencyGraph();
  g.observe('add', cm('parent', 'p'), 'v1', 'ConfigMap');
  g.observe('add', cm('a', 'a', [ref('parent', 'p', true)]), 'v1', 'ConfigMap');
  g.observe('add', cm('b', 'b', [ref('parent', 'p')]), 'v1', 'ConfigMap');
  const deleting = cm('parent', 'p', [], { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] });
  const act = g.observe('update', deleting, 'v1', 'ConfigMap', cm('parent', 'p'));
  assert.deepEqual(uids(act.attemptToDelete), ['a', 'b', 'p']);
  assert.ok(g.get('p')!.deletingDependents);
  assert.deepEqual(uids(g.get('p')!.blockingDependents()), ['a']);
  assert.deepEqual(uids(g.observe('delete', cm('a', 'a', [ref('parent', 'p', true)]), 'v1', 'ConfigMap').attemptToDelete), ['p']);
  assert.deepEqual(g.get('p')!.blockingDependents(), []);
});

test('orphan deletion: the owner goes to the orphan queue once', () => {
  const g = new DependencyGraph();
  const live = cm('parent', 'p');
  g.observe('add', live, 'v1', 'ConfigMap');
  const orphaning = cm('parent', 'p', [], { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] });
  assert.deepEqual(uids(g.observe('update', orphaning, 'v1', 'ConfigMap', live).attemptToOrphan), ['p']);
  assert.deepEqual(g.observe('update', orphaning, 'v1', 'ConfigMap', orphaning).attemptToOrphan, []);
});

test('owner references changing move the dependent between owners; dropping a blocking one wakes a waiting owner', () => {
  const g = new DependencyGraph();
  g.observe('add', cm('p1', 'p1', [], { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }), 'v1', 'ConfigMap');
  g.observe('add', cm('p2', 'p2'), 'v1', 'ConfigMap');
  g.observe('add', cm('c', 'c', [ref('p1', 'p1', true)]), 'v1', 'ConfigMap');
  const act = g.observe('update', cm('c', 'c', [ref('p2', 'p2')]), 'v1', 'ConfigMap');
  assert.deepEqual(uids(act.attemptToDelete), ['p1']);
  assert.equal(g.get('p1')!.dependents.size, 0);
  assert.deepEqual(uids([...g.get('p2')!.dependents]), ['c']);
});

test('referenceDiffs', () => {
  const d = referenceDiffs([ref('a', '1', true), ref('b', '2')], [ref('a', '1'), ref('c', '3')]);
  assert.deepEqual(d.added.map((r) => r.uid), ['3']);
  assert.deepEqual(d.removed.map((r) => r.uid), ['2']);
  assert.deepEqual(d.changed.map((c) => c.cur.uid), ['1']);
});
