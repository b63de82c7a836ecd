import { it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.js';

const q = (s = '') => new URLSearchParams(s);

it('parses namespaced resource paths', () => {
  const r = parseRequestInfo('GET', '/api/v1/namespaces/default/pods/web-0/log', q());
  assert.deepEqual([r.isResourceRequest, r.verb, r.apiGroup, r.apiVersion, r.namespace, r.resource, r.name, r.subresource], [true, 'get', '', 'v1', 'default', 'pods', 'web-0', 'log']);
  const l = parseRequestInfo('GET', '/apis/apps/v1/namespaces/x/deployments', q());
  assert.deepEqual([l.verb, l.apiGroup, l.resource, l.name], ['list', 'apps', 'deployments', '']);
  assert.equal(parseRequestInfo('GET', '/apis/apps/v1/deployments', q('watch=true')).verb, 'watch');
  assert.equal(parseRequestInfo('GET', '/api/v1/watch/namespaces/x/pods', q()).verb, 'watch');
  assert.equal(parseRequestInfo('DELETE', '/api/v1/namespaces/x/pods', q()).verb, 'deletecollection');
  assert.equal(parseRequestInfo('PATCH', '/api/v1/namespaces/x/pods/p', q()).verb, 'patch');
});

it('treats namespaces/{name} as the Namespace resource', () => {
  const r = parseRequestInfo('GET', '/api/v1/namespaces/kube-system', q());
  assert.deepEqual([r.resource, r.name, r.namespace, r.subresource], ['namespaces', 'kube-system', 'kube-system', '']);
  const f = parseRequestInfo('PUT', '/api/v1/namespaces/x/finalize', q());
  assert.deepEqual([f.resource, f.name, f.subresource, f.verb], ['namespaces', 'x', 'finalize', 'update']);
  const l = parseRequestInfo('GET', '/api/v1/namespaces', q());
  assert.deepEqual([l.resource, l.verb], ['namespaces', 'list']);
});

it('leaves non-resource paths alone', () => {
  for (const p of ['/healthz', '/version', '/api', '/apis', '/apis/apps', '/apis/apps/v1', '/openapi/v2']) {
    assert.equal(parseRequestInfo('GET', p, q()).isResourceRequest, false, p);
  }
});
