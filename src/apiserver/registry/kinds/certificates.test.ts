import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCSR, toBase64 } from '../../pki/csr.js';
import { csrStrategy } from './certificates.js';
import { certificateApprovalPlugin, certificateSigningPlugin, certificateSubjectRestrictionPlugin } from '../../admission/certificates/admission.js';

async function newCSR(extra: any = {}) {
  const { csrPem } = await createCSR({ commonName: 'system:node:n1', organizations: ['system:nodes'] });
  return { metadata: { name: 'c' }, spec: { request: toBase64(csrPem), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], ...extra }, status: {} };
}
const fields = (errs: any[]) => errs.map((e) => `${e.field}: ${e.detail ?? e.type}`);

describe('CertificateSigningRequest strategy', () => {
  it('stamps the requester from the authenticated user, not the body', async () => {
    const csr: any = await newCSR({ username: 'someone-else', groups: ['system:masters'] });
    csrStrategy.prepareForCreate!(csr, { user: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] } } as any);
    assert.equal(csr.spec.username, 'system:bootstrap:abcdef');
    assert.deepEqual(csr.spec.groups, ['system:bootstrappers', 'system:authenticated']);
  });

  it('accepts a good request and refuses bad ones with Kubernetes\' messages', async () => {
    assert.deepEqual(csrStrategy.validate!(await newCSR()), []);
    const good = await newCSR();
    // Flip a byte of the signature (the end of the DER): the request no longer checks.
    const der = Buffer.from(Buffer.from(good.spec.request, 'base64').toString().replace(/-----[^-]+-----|\s/g, ''), 'base64');
    der[der.length - 3] ^= 0xff;
    const broken = toBase64(`-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`);
    assert.match(fields(csrStrategy.validate!(await newCSR({ request: broken }))).join(), /spec\.request: .*(verification failure|structure error)/);
    assert.deepEqual(fields(csrStrategy.validate!(await newCSR({ usages: [] }))), ['spec.usages: ']);
    assert.deepEqual(fields(csrStrategy.validate!(await newCSR({ signerName: 'nodomain' }))), ["spec.signerName: must be a fully qualified domain and path of the form 'example.com/signer-name'"]);
    assert.deepEqual(fields(csrStrategy.validate!(await newCSR({ expirationSeconds: 60 }))), ['spec.expirationSeconds: may not specify a duration less than 600 seconds (10 minutes)']);
    assert.deepEqual(fields(csrStrategy.validate!(await newCSR({ signerName: 'kubernetes.io/legacy-unknown' }))), ['spec.signerName: the legacy signerName is not allowed via this API version']);
  });

  it('lets /approval change only the approval conditions, and /status only the rest', async () => {
    const old: any = await newCSR();
    const approve: any = structuredClone(old);
    approve.spec.usages = ['server auth'];
    approve.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'r' }], certificate: 'eA==' };
    csrStrategy.prepareForSubresourceUpdate!(approve, old, 'approval');
    assert.deepEqual(approve.spec, old.spec, 'spec never changes');
    assert.equal(approve.status.certificate, undefined, 'approval cannot set the certificate');
    assert.ok(approve.status.conditions[0].lastTransitionTime);
    assert.deepEqual(csrStrategy.validateUpdate!(approve, old, 'approval'), []);
    // Through /status the Approved condition may not be added...
    const viaStatus: any = structuredClone(old);
    viaStatus.status = { conditions: [{ type: 'Approved', status: 'True' }] };
    assert.deepEqual(fields(csrStrategy.validateUpdate!(viaStatus, old, 'status')), ['status.conditions: updates may not add a condition of type "Approved"']);
    // ...nor removed by anyone, nor Approved and Denied both.
    assert.deepEqual(fields(csrStrategy.validateUpdate!(old, approve, 'approval')), ['status.conditions: updates may not remove a condition of type "Approved"']);
    const both: any = structuredClone(approve);
    both.status.conditions.push({ type: 'Denied', status: 'True' });
    assert.match(fields(csrStrategy.validateUpdate!(both, approve, 'approval')).join(), /Approved and Denied conditions are mutually exclusive/);
    const falseApproved: any = structuredClone(old);
    falseApproved.status = { conditions: [{ type: 'Approved', status: 'False' }] };
    assert.match(fields(csrStrategy.validateUpdate!(falseApproved, old, 'approval')).join(), /status\.conditions\[0\]\.status/);
    // A certificate only through /status, and only once.
    const cert = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const issued: any = structuredClone(approve);
    issued.status.certificate = toBase64(cert);
    assert.deepEqual(csrStrategy.validateUpdate!(issued, approve, 'status'), []);
    assert.deepEqual(fields(csrStrategy.validateUpdate!(issued, approve, '')), ['status.certificate: updates may not set certificate content']);
    const reissued: any = structuredClone(issued);
    reissued.status.certificate = toBase64(cert + cert);
    assert.deepEqual(fields(csrStrategy.validateUpdate!(reissued, issued, 'status')), ['status.certificate: updates may not modify existing certificate content']);
  });
});

describe('certificate admission', () => {
  const user = { name: 'u', groups: [] };
  const attrs = (sub: string, object: any, oldObject: any): any => ({ operation: 'UPDATE', group: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: sub, name: 'c', object, oldObject, user });

  it('needs approve on the signer (or its domain) to approve, and sign to issue', async () => {
    const old = await newCSR();
    const approved = { ...old, status: { conditions: [{ type: 'Approved', status: 'True' }] } };
    const issued = { ...approved, status: { ...approved.status, certificate: 'eA==' } };
    const asked: string[] = [];
    const none = certificateApprovalPlugin(async (_u, verb, name) => { asked.push(`${verb} ${name}`); return false; });
    await assert.rejects(none.validate!(attrs('approval', approved, old)), /certificatesigningrequests.certificates.k8s.io "c" is forbidden: user not permitted to approve requests with signerName "kubernetes.io\/kube-apiserver-client-kubelet"/);
    assert.deepEqual(asked, ['approve kubernetes.io/kube-apiserver-client-kubelet', 'approve kubernetes.io/*']);
    await certificateApprovalPlugin(async (_u, _v, name) => name === 'kubernetes.io/*').validate!(attrs('approval', approved, old));
    await assert.rejects(certificateSigningPlugin(async () => false).validate!(attrs('status', issued, approved)), /user not permitted to sign requests/);
    await certificateSigningPlugin(async (_u, verb) => verb === 'sign').validate!(attrs('status', issued, approved));
  });

  it('refuses system:masters from the kube-apiserver-client signer', async () => {
    const { csrPem } = await createCSR({ commonName: 'evil', organizations: ['system:masters'] });
    const obj = { spec: { request: toBase64(csrPem), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } };
    await assert.rejects(certificateSubjectRestrictionPlugin().validate!({ ...attrs('', obj, null), operation: 'CREATE' }),
      /use of kubernetes.io\/kube-apiserver-client signer with system:masters group is not allowed/);
  });
});
