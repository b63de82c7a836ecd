import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRule, ruleAllows, nonResourceURLMatches, resourceMatches } from './rule.js';
import { resourceAttributes, type Attributes } from './types.js';

const res = (verb: string, apiGroup: string, resource: string, extra: Partial<Attributes> = {}): Attributes =>
  ({ ...resourceAttributes({ verb, apiGroup, resource }), ...extra });
const url = (verb: string, path: string): Attributes =>
  ({ isResourceRequest: false, verb, path, apiGroup: '', namespace: '', resource: '', subresource: '', name: '' });

test('verbs and groups match exactly or by *', () => {
  const r = { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments'] };
  assert.ok(ruleAllows(res('get', 'apps', 'deployments'), r));
  assert.ok(!ruleAllows(res('delete', 'apps', 'deployments'), r));
  assert.ok(!ruleAllows(res('get', '', 'deployments'), r));
  assert.ok(ruleAllows(res('delete', 'x.io', 'deployments'), { verbs: ['*'], apiGroups: ['*'], resources: ['deployments'] }));
});

test('resources: *, resource/subresource, */subresource; resource/* is only a literal', () => {
  const logs = res('get', '', 'pods', { subresource: 'log', name: 'p' });
  assert.ok(ruleAllows(logs, { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }));
  assert.ok(ruleAllows(logs, { verbs: ['get'], apiGroups: [''], resources: ['*/log'] }));
  assert.ok(ruleAllows(logs, { verbs: ['get'], apiGroups: [''], resources: ['*'] }));
  assert.ok(!ruleAllows(logs, { verbs: ['get'], apiGroups: [''], resources: ['pods'] }), 'the resource alone does not grant its subresources');
  assert.ok(!ruleAllows(logs, { verbs: ['get'], apiGroups: [''], resources: ['pods/*'] }), 'Kubernetes has no resource/* wildcard');
  assert.ok(!resourceMatches({ verbs: [], resources: ['*/log'] }, 'pods', ''), '*/sub never matches the resource itself');
  assert.ok(!resourceMatches({ verbs: [], resources: ['*/status'] }, 'pods/log', 'log'));
});

test('resourceNames restrict to named requests: list and create never match', () => {
  const r = { verbs: ['get', 'list', 'create', 'update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] };
  assert.ok(ruleAllows(res('get', '', 'configmaps', { name: 'cfg' }), r));
  assert.ok(ruleAllows(res('update', '', 'configmaps', { name: 'cfg' }), r));
  assert.ok(!ruleAllows(res('get', '', 'configmaps', { name: 'other' }), r));
  assert.ok(!ruleAllows(res('list', '', 'configmaps'), r));
  assert.ok(!ruleAllows(res('create', '', 'configmaps'), r));
});

test('nonResourceURLs: exact, * and prefix*', () => {
  const r = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*', '/logs*'] };
  assert.ok(ruleAllows(url('get', '/healthz'), r));
  assert.ok(!ruleAllows(url('get', '/healthz/etcd'), r));
  assert.ok(ruleAllows(url('get', '/apis/apps/v1'), r));
  assert.ok(!ruleAllows(url('get', '/apis'), r));
  assert.ok(ruleAllows(url('get', '/logsfoo'), r));
  assert.ok(!ruleAllows(url('post', '/healthz'), r));
  assert.ok(nonResourceURLMatches({ verbs: [], nonResourceURLs: ['*'] }, '/anything'));
  assert.ok(!ruleAllows(res('get', '', 'pods'), { verbs: ['*'], nonResourceURLs: ['*'] }), 'URL rules never grant resources');
  assert.ok(!ruleAllows(url('get', '/api'), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }), 'resource rules never grant URLs');
});

test('newRule sorts every list and leaves out empty ones', () => {
  assert.deepEqual(newRule(['watch', 'get', 'list'], { groups: ['apps', ''], resources: ['b', 'a'] }),
    { verbs: ['get', 'list', 'watch'], apiGroups: ['', 'apps'], resources: ['a', 'b'] });
  assert.deepEqual(newRule(['get'], { urls: ['/b', '/a'] }), { verbs: ['get'], nonResourceURLs: ['/a', '/b'] });
});
