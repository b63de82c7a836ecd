import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCSR, toBase64 } from '../../apiserver/pki/csr.js';
import { decide, needsApproval, accessReviewFor } from './approver.js';

async function csrFor(o: { cn: string; orgs?: string[]; dns?: string[]; username: string; groups?: string[]; usages?: string[]; signer?: string; conditions?: any[] }) {
  const { csrPem } = await createCSR({ commonName: o.cn, organizations: o.orgs ?? ['system:nodes'], dnsNames: o.dns });
  return {
    metadata: { name: 'node-csr-x' },
    spec: { request: toBase64(csrPem), signerName: o.signer ?? 'kubernetes.io/kube-apiserver-client-kubelet', usages: o.usages ?? ['digital signature', 'client auth'],
      username: o.username, groups: o.groups ?? ['system:bootstrappers', 'system:authenticated'] },
    status: o.conditions ? { conditions: o.conditions } : {},
  };
}

/** A review that allows exactly the listed (user, subresource) pairs, and records what it was asked. */
function reviewer(allowed: Array<[string, string]>) {
  const asked: any[] = [];
  const review = async (sar: any) => { asked.push(sar); return allowed.some(([u, s]) => sar.spec.user === u && sar.spec.resourceAttributes.subresource === s); };
  return { review, asked };
}

describe('csrapproving', () => {
  it('approves a bootstrap token\'s node client request after a nodeclient review', async () => {
    const csr = await csrFor({ cn: 'system:node:n1', username: 'system:bootstrap:abcdef' });
    const { review, asked } = reviewer([['system:bootstrap:abcdef', 'nodeclient']]);
    const cond = await decide(csr, review);
    assert.deepEqual(cond, { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' });
    assert.equal(asked[0].spec.resourceAttributes.resource, 'certificatesigningrequests');
    assert.equal(asked[0].spec.resourceAttributes.verb, 'create');
    assert.deepEqual(asked[0].spec.groups, ['system:bootstrappers', 'system:authenticated']);
  });

  it('approves a node renewing its own certificate through selfnodeclient first', async () => {
    const csr = await csrFor({ cn: 'system:node:n1', username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] });
    const { review, asked } = reviewer([['system:node:n1', 'selfnodeclient']]);
    const cond = await decide(csr, review);
    assert.equal(cond?.message, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
    assert.equal(asked[0].spec.resourceAttributes.subresource, 'selfnodeclient');
  });

  it('does not let a node get a certificate for another node through selfnodeclient', async () => {
    const csr = await csrFor({ cn: 'system:node:n2', username: 'system:node:n1', groups: ['system:nodes'] });
    const { review, asked } = reviewer([['system:node:n1', 'selfnodeclient']]);
    await assert.rejects(decide(csr, review), /recognized csr "node-csr-x" as \[nodeclient\] but subject access review was not approved/);
    assert.deepEqual(asked.map((a) => a.spec.resourceAttributes.subresource), ['nodeclient']);
  });

  it('leaves alone requests that are not kubelet client certificates', async () => {
    const { review, asked } = reviewer([['u', 'nodeclient']]);
    for (const csr of [
      await csrFor({ cn: 'system:node:n1', orgs: ['system:masters'], username: 'u' }),
      await csrFor({ cn: 'system:node:n1', orgs: ['system:nodes', 'other'], username: 'u' }),
      await csrFor({ cn: 'alice', username: 'u' }),
      await csrFor({ cn: 'system:node:n1', dns: ['n1'], username: 'u' }),
      await csrFor({ cn: 'system:node:n1', username: 'u', usages: ['digital signature', 'client auth', 'server auth'] }),
      await csrFor({ cn: 'system:node:n1', username: 'u', signer: 'kubernetes.io/kube-apiserver-client' }),
    ]) {
      assert.equal(await decide(csr, review), null);
    }
    assert.equal(asked.length, 0, 'no review for unrecognised requests');
  });

  it('accepts key encipherment in the usages, as kubelets with RSA keys ask', async () => {
    const csr = await csrFor({ cn: 'system:node:n1', username: 'u', usages: ['key encipherment', 'digital signature', 'client auth'] });
    assert.ok(await decide(csr, reviewer([['u', 'nodeclient']]).review));
  });

  it('skips requests already approved, denied or issued', async () => {
    for (const conditions of [[{ type: 'Approved', status: 'True' }], [{ type: 'Denied', status: 'True' }]]) {
      assert.equal(needsApproval(await csrFor({ cn: 'system:node:n1', username: 'u', conditions })), false);
    }
    const issued: any = await csrFor({ cn: 'system:node:n1', username: 'u' });
    issued.status.certificate = 'eA==';
    assert.equal(needsApproval(issued), false);
  });

  it('reviews as the requester, extra and uid included', () => {
    const sar = accessReviewFor({ spec: { username: 'u', uid: '1', groups: ['g'], extra: { k: ['v'] } } }, 'nodeclient');
    assert.deepEqual(sar.spec, { user: 'u', uid: '1', groups: ['g'], extra: { k: ['v'] },
      resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource: 'nodeclient' } });
  });
});
