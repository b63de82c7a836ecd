import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCA } from '../../apiserver/pki/certs.js';
import { createCSR, toBase64 } from '../../apiserver/pki/csr.js';
import { signRequest, needsSigning, certificateSeconds } from './signer.js';

const approved = [{ type: 'Approved', status: 'True' }];

async function csr(o: { cn: string; orgs?: string[]; dns?: string[]; ips?: string[]; usages: string[]; signer: string; expirationSeconds?: number }) {
  const { csrPem } = await createCSR({ commonName: o.cn, organizations: o.orgs ?? ['system:nodes'], dnsNames: o.dns, ipAddresses: o.ips });
  return { metadata: { name: 'c' }, spec: { request: toBase64(csrPem), signerName: o.signer, usages: o.usages, expirationSeconds: o.expirationSeconds }, status: { conditions: approved } };
}

describe('csrsigning', () => {
  it('issues a kubelet client certificate from the CA, shortened by expirationSeconds', async () => {
    const ca = await createCA('test-ca');
    const c = await csr({ cn: 'system:node:n1', usages: ['digital signature', 'client auth'], signer: 'kubernetes.io/kube-apiserver-client-kubelet', expirationSeconds: 3600 });
    const r = await signRequest(ca, c, 365 * 86400_000);
    assert.ok('certPem' in r);
    const cert = new X509Certificate(r.certPem);
    assert.match(cert.subject, /CN=system:node:n1/);
    assert.match(cert.subject, /O=system:nodes/);
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
    assert.ok(Date.parse(cert.validTo) - Date.now() <= 3600_000 + 1000);
    assert.ok(Date.parse(cert.validTo) - Date.now() > 3500_000);
  });

  it('issues a kubelet serving certificate with the requested names', async () => {
    const ca = await createCA('test-ca');
    const c = await csr({ cn: 'system:node:n1', dns: ['n1'], ips: ['10.0.0.5'], usages: ['digital signature', 'server auth'], signer: 'kubernetes.io/kubelet-serving' });
    const r = await signRequest(ca, c, 86400_000);
    assert.ok('certPem' in r);
    const cert = new X509Certificate(r.certPem);
    assert.match(cert.subjectAltName ?? '', /DNS:n1/);
    assert.match(cert.subjectAltName ?? '', /IP Address:10.0.0.5/);
  });

  it('fails requests that do not fit their signer', async () => {
    const ca = await createCA('test-ca');
    const bad = [
      await csr({ cn: 'system:node:n1', orgs: ['system:masters'], usages: ['digital signature', 'client auth'], signer: 'kubernetes.io/kube-apiserver-client-kubelet' }),
      await csr({ cn: 'system:node:n1', usages: ['digital signature', 'server auth'], signer: 'kubernetes.io/kubelet-serving' }),
      await csr({ cn: 'admin', usages: ['digital signature', 'client auth'], signer: 'kubernetes.io/kube-apiserver-client-kubelet' }),
    ];
    const msgs = [];
    for (const c of bad) { const r = await signRequest(ca, c, 86400_000); assert.ok('failure' in r); msgs.push(r.failure); }
    assert.deepEqual(msgs, ['subject organization is not system:nodes', 'DNS or IP subjectAltName is required', 'subject common name does not begin with system:node:']);
  });

  it('signs only approved, unfailed, unissued requests of its signers', async () => {
    const c: any = await csr({ cn: 'system:node:n1', usages: ['digital signature', 'client auth'], signer: 'kubernetes.io/kube-apiserver-client-kubelet' });
    assert.equal(needsSigning(c), true);
    assert.equal(needsSigning({ ...c, status: {} }), false);
    assert.equal(needsSigning({ ...c, spec: { ...c.spec, signerName: 'example.com/other' } }), false);
    assert.equal(needsSigning({ ...c, status: { conditions: [...approved, { type: 'Failed', status: 'True' }] } }), false);
    assert.equal(needsSigning({ ...c, status: { conditions: approved, certificate: 'eA==' } }), false);
    assert.equal(certificateSeconds({ spec: {} }, 7200_000), 7200);
    assert.equal(certificateSeconds({ spec: { expirationSeconds: 600 } }, 7200_000), 600);
  });
});
