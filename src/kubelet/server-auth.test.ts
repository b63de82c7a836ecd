import { test } from 'node:test';
import assert from 'node:assert/strict';
import { subresourceFor, webhookAuthorizer } from './server-auth.js';

test('kubelet API paths map to nodes subresources as upstream', () => {
  assert.equal(subresourceFor('/stats/summary'), 'stats');
  assert.equal(subresourceFor('/metrics/cadvisor'), 'metrics');
  assert.equal(subresourceFor('/logs/'), 'log');
  assert.equal(subresourceFor('/spec/'), 'spec');
  assert.equal(subresourceFor('/containerLogs/ns/p/c?follow=true'), 'proxy');
  assert.equal(subresourceFor('/exec/ns/p/c'), 'proxy');
  assert.equal(subresourceFor('/statsx'), 'proxy');
});

test('the webhook authorizer asks a SubjectAccessReview and caches the answer', async () => {
  const asked: any[] = [];
  const cs = { resource: () => ({ create: async (_ns: string, body: any) => { asked.push(body.spec); return { status: { allowed: body.spec.user === 'admin' } }; } }) } as any;
  const authz = webhookAuthorizer(cs, 'n1');
  assert.equal(await authz({ user: 'admin', groups: ['g'] }, 'create', '/exec/ns/p/c'), true);
  assert.equal(await authz({ user: 'admin', groups: ['g'] }, 'create', '/exec/ns/p/d'), true);
  assert.equal(await authz({ user: 'bob', groups: [] }, 'get', '/stats/summary'), false);
  assert.deepEqual(asked, [
    { user: 'admin', groups: ['g'], resourceAttributes: { verb: 'create', resource: 'nodes', subresource: 'proxy', name: 'n1' } },
    { user: 'bob', groups: [], resourceAttributes: { verb: 'get', resource: 'nodes', subresource: 'stats', name: 'n1' } },
  ]);
});
