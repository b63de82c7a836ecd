import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterRoleAggregationController, aggregateRules } from './aggregation.js';
import { FakeLoopback, settle } from '../testing/fake-loopback.js';
import { RBAC_GROUP } from './types.js';

const cr = (name: string, labels: Record<string, string>, rules: any[], aggregationRule?: any) => ({ kind: 'ClusterRole', metadata: { name, labels }, rules, ...(aggregationRule ? { aggregationRule } : {}) });
const sel = (k: string) => ({ clusterRoleSelectors: [{ matchLabels: { [k]: 'true' } }] });
const r1 = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
const r2 = { verbs: ['list'], apiGroups: ['apps'], resources: ['deployments'] };
const r3 = { verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] };

test('aggregateRules: union in name order, deduplicated, never itself', () => {
  const target = cr('view', { 'agg-view': 'true' }, [r3], sel('agg-view'));
  const all = [target, cr('z-extra', { 'agg-view': 'true' }, [r2, r1]), cr('a-base', { 'agg-view': 'true' }, [r1]), cr('other', {}, [r3])];
  assert.deepEqual(aggregateRules(target, all), [r1, r2]);
  // Semantic equality: key order and empty lists do not make a rule new.
  const dup = cr('b', { 'agg-view': 'true' }, [{ resources: ['pods'], apiGroups: [''], verbs: ['get'], resourceNames: [] }]);
  assert.deepEqual(aggregateRules(target, [...all, dup]), [r1, r2]);
});

test('the controller writes aggregated roles only when they change, and follows changes', async () => {
  const c = new FakeLoopback();
  c.put(RBAC_GROUP, 'clusterroles', cr('view', {}, [], sel('agg-view')));
  c.put(RBAC_GROUP, 'clusterroles', cr('edit', { 'agg-admin': 'true' }, [], { clusterRoleSelectors: [{ matchLabels: { 'agg-edit': 'true' } }, { matchExpressions: [{ key: 'agg-view', operator: 'Exists' }] }] }));
  c.put(RBAC_GROUP, 'clusterroles', cr('pods-view', { 'agg-view': 'true' }, [r1]));
  c.put(RBAC_GROUP, 'clusterroles', cr('deploys-edit', { 'agg-edit': 'true' }, [r2]));
  const ctl = new ClusterRoleAggregationController(c);
  await ctl.start();
  await settle();
  assert.deepEqual((await c.get(RBAC_GROUP, 'clusterroles', '', 'view')).rules, [r1]);
  assert.deepEqual((await c.get(RBAC_GROUP, 'clusterroles', '', 'edit')).rules, [r2, r1]);
  const writes = c.updates;
  await ctl.sync();
  assert.equal(c.updates, writes, 'no write when nothing changed');

  // A CRD author extends view.
  c.put(RBAC_GROUP, 'clusterroles', cr('widgets-view', { 'agg-view': 'true' }, [r3]));
  await settle();
  await ctl.sync();
  assert.deepEqual((await c.get(RBAC_GROUP, 'clusterroles', '', 'view')).rules, [r1, r3]);
  // And takes the extension away again.
  c.remove(RBAC_GROUP, 'clusterroles', '', 'widgets-view');
  await settle();
  await ctl.sync();
  assert.deepEqual((await c.get(RBAC_GROUP, 'clusterroles', '', 'view')).rules, [r1]);
  ctl.stop();
});
