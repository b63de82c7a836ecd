/**
 * @module apiserver/admission/certificates/admission
 * Kubernetes' three certificate admission plugins, on by default:
 * - CertificateApproval: changing the Approved/Denied conditions (the `/approval` subresource)
 *   needs the `approve` verb on `signers` named by the request's signerName (or `<domain>/*`).
 * - CertificateSigning: setting status.certificate (the `/status` subresource) needs `sign` on it.
 * - CertificateSubjectRestriction: nobody may ask the kube-apiserver-client signer for a
 *   certificate in group system:masters (that group bypasses every authorizer).
 * So RBAC on the subresources decides who may approve or sign at all, and these decide for which
 * signers.
 */
import type { AdmissionPlugin } from '../interfaces.js';
import type { UserInfo } from '../../registry/context.js';
import { newForbidden } from '../plugin/errors.js';
import { parseCSR, fromBase64 } from '../../pki/csr.js';

/** May `user` do `verb` on certificates.k8s.io `signers` named `name`? */
export type SignerAuthorizer = (user: UserInfo, verb: 'approve' | 'sign', name: string) => Promise<boolean>;

const isCSR = (a: { group: string; resource: string }) => a.group === 'certificates.k8s.io' && a.resource === 'certificatesigningrequests';

/** Kubernetes' certadmission.IsAuthorizedForSignerName: the signer itself, or every signer of its domain. */
export async function authorizedForSigner(authorize: SignerAuthorizer, user: UserInfo, verb: 'approve' | 'sign', signerName: string): Promise<boolean> {
  if (await authorize(user, verb, signerName)) return true;
  const slash = signerName.indexOf('/');
  return slash > 0 && authorize(user, verb, `${signerName.slice(0, slash)}/*`);
}

const approvalConds = (csr: any) => JSON.stringify((csr?.status?.conditions ?? []).filter((c: any) => c?.type === 'Approved' || c?.type === 'Denied'));

export function certificateApprovalPlugin(authorize: SignerAuthorizer): AdmissionPlugin {
  return {
    name: 'CertificateApproval',
    handles: (a) => a.operation === 'UPDATE' && isCSR(a) && a.subresource === 'approval',
    async validate(a) {
      // Only a change of the approval conditions needs the signer permission.
      if (approvalConds(a.object) === approvalConds(a.oldObject)) return;
      const signer = a.oldObject?.spec?.signerName ?? '';
      if (!await authorizedForSigner(authorize, a.user, 'approve', signer)) {
        throw newForbidden(a, `user not permitted to approve requests with signerName "${signer}"`);
      }
    },
  };
}

export function certificateSigningPlugin(authorize: SignerAuthorizer): AdmissionPlugin {
  return {
    name: 'CertificateSigning',
    handles: (a) => a.operation === 'UPDATE' && isCSR(a) && a.subresource === 'status',
    async validate(a) {
      if ((a.object?.status?.certificate ?? '') === (a.oldObject?.status?.certificate ?? '')) return;
      const signer = a.oldObject?.spec?.signerName ?? '';
      if (!await authorizedForSigner(authorize, a.user, 'sign', signer)) {
        throw newForbidden(a, `user not permitted to sign requests with signerName "${signer}"`);
      }
    },
  };
}

export function certificateSubjectRestrictionPlugin(): AdmissionPlugin {
  return {
    name: 'CertificateSubjectRestriction',
    handles: (a) => a.operation === 'CREATE' && isCSR(a) && a.subresource === '',
    async validate(a) {
      if (a.object?.spec?.signerName !== 'kubernetes.io/kube-apiserver-client') return;
      let orgs: string[];
      try { orgs = parseCSR(fromBase64(a.object.spec.request)).organizations; } catch { return; } // validation reports a bad request
      if (orgs.includes('system:masters')) {
        throw newForbidden(a, 'use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
      }
    },
  };
}
