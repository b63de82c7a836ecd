/**
 * @module api/builtin/certificates
 * certificates.k8s.io/v1 CertificateSigningRequest: a PKCS#10 request for a certificate from a named
 * signer. The requester's identity (spec.username, groups, uid, extra) is filled by the server, never
 * trusted from the body; approval is a separate subresource (`/approval`) from issuance (`/status`),
 * so who may approve and who may sign are separate RBAC grants, as in Kubernetes.
 */
import { obj, str, int32, arr, mapOf, bytes, ref } from '../schema/builders.js';
import { META, kind } from './common.js';

const condition = obj({
  lastTransitionTime: ref(`${META}.Time`), lastUpdateTime: ref(`${META}.Time`), message: str(), reason: str(), status: str(), type: str(),
}, { required: ['type', 'status'] });

kind({
  group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', namespaced: false,
  shortNames: ['csr'], subresources: { status: true }, required: ['spec'],
  extraSubresources: [{ name: 'approval', kind: { group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest' }, verbs: ['get', 'patch', 'update'] }],
  props: {
    spec: obj({
      expirationSeconds: int32(), extra: mapOf(arr(str())), groups: arr(str(), { listType: 'atomic' }), request: bytes(), signerName: str(),
      uid: str(), usages: arr(str(), { listType: 'atomic' }), username: str(),
    }, { required: ['request', 'signerName'] }),
    status: obj({ certificate: bytes(), conditions: arr(condition, { listType: 'map', listMapKeys: ['type'] }) }),
  },
});
