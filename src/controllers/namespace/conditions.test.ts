import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NamespaceConditionUpdater } from './conditions.js';

test('all five conditions, failing ones with what remains; unchanged conditions keep their transition time', () => {
  const u = new NamespaceConditionUpdater();
  u.contentTotals(new Map([['configmaps.', 2], ['widgets.example.com', 1]]), new Map([['example.com/hold', 3]]));
  const ns: any = { metadata: { name: 'x' } };
  assert.ok(u.update(ns, new Date('2026-01-01T00:00:00Z')));
  const byType = Object.fromEntries(ns.status.conditions.map((c: any) => [c.type, c]));
  assert.equal(ns.status.conditions.length, 5);
  assert.deepEqual(byType.NamespaceContentRemaining, { type: 'NamespaceContentRemaining', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: configmaps. has 2 resource instances, widgets.example.com has 1 resource instances' });
  assert.equal(byType.NamespaceFinalizersRemaining.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 3 resource instances');
  assert.equal(byType.NamespaceDeletionDiscoveryFailure.reason, 'ResourcesDiscovered');
  assert.equal(byType.NamespaceDeletionContentFailure.status, 'False');
  const again = new NamespaceConditionUpdater();
  again.contentTotals(new Map([['configmaps.', 2], ['widgets.example.com', 1]]), new Map([['example.com/hold', 3]]));
  assert.equal(again.update(ns, new Date('2026-02-01T00:00:00Z')), false);
});
