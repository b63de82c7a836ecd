/**
 * @module controllers/certificates/csr
 * What the certificate controllers share about a CertificateSigningRequest: its GVR, the signer
 * names Kubernetes defines, its condition state (approved, denied, failed, issued), and the
 * node-certificate shape checks the approver and the kubelet signers both apply (Kubernetes'
 * certificates helpers: IsKubeletClientCSR / IsKubeletServingCSR).
 */
import type { GVR } from '../../client/rest.js';
import type { ParsedCSR } from '../../apiserver/pki/csr.js';

export const CSR_GVR: GVR = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', namespaced: false };

export const KUBE_APISERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const KUBE_APISERVER_CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';

const hasCondition = (csr: any, type: string) => (csr?.status?.conditions ?? []).some((c: any) => c?.type === type && c?.status === 'True');
export const isApproved = (csr: any): boolean => hasCondition(csr, 'Approved');
export const isDenied = (csr: any): boolean => hasCondition(csr, 'Denied');
export const hasFailed = (csr: any): boolean => hasCondition(csr, 'Failed');
export const isIssued = (csr: any): boolean => !!csr?.status?.certificate;

const sameSet = (a: string[], b: string[]) => a.length === b.length && b.every((x) => a.includes(x)) && new Set(a).size === a.length;
const subsetOf = (a: string[], allowed: string[]) => a.every((x) => allowed.includes(x));

/** Why a request is not a kubelet client certificate request, or null when it is one. */
export function kubeletClientProblem(req: ParsedCSR, usages: string[]): string | null {
  if (!sameSet(req.organizations, [NODES_GROUP])) return 'subject organization is not system:nodes';
  if (req.dnsNames.length) return 'dnsNames are not allowed';
  if (req.emailAddresses.length) return 'emailAddresses are not allowed';
  if (req.ipAddresses.length) return 'ipAddresses are not allowed';
  if (req.uris.length) return 'uriSANs are not allowed';
  if (!req.commonName.startsWith(NODE_USER_PREFIX)) return 'subject common name does not begin with system:node:';
  // RSA keys need key encipherment; other keys may leave it out (Kubernetes 1.27+).
  const ok = sameSet(usages, ['key encipherment', 'digital signature', 'client auth'])
    || (req.keyAlgorithm !== 'RSA' && sameSet(usages, ['digital signature', 'client auth']));
  if (!ok) return `usages did not match [digital signature key encipherment client auth]`;
  return null;
}

/** Why a request is not a kubelet serving certificate request, or null when it is one. */
export function kubeletServingProblem(req: ParsedCSR, usages: string[]): string | null {
  if (!sameSet(req.organizations, [NODES_GROUP])) return 'subject organization is not system:nodes';
  if (!req.commonName.startsWith(NODE_USER_PREFIX)) return 'subject common name does not begin with system:node:';
  if (req.emailAddresses.length) return 'emailAddresses are not allowed';
  if (req.uris.length) return 'uriSANs are not allowed';
  if (!req.dnsNames.length && !req.ipAddresses.length) return 'DNS or IP subjectAltName is required';
  const need = req.keyAlgorithm === 'RSA' ? ['key encipherment', 'digital signature', 'server auth'] : ['digital signature', 'server auth'];
  if (!subsetOf(usages, ['key encipherment', 'digital signature', 'server auth']) || !need.every((u) => usages.includes(u))) {
    return 'usages did not match [digital signature key encipherment server auth]';
  }
  return null;
}
