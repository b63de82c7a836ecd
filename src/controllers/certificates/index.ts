/**
 * @module controllers/certificates
 * The certificate controllers as the controller manager runs them: `csrapproving` (auto-approves
 * kubelet client certificate requests) and `csrsigning` (issues approved kubelet requests with the
 * cluster CA), both acting as kube-system/certificate-controller, as in Kubernetes.
 */
export { approverDescriptor, CSRApprovingController, decide, needsApproval, accessReviewFor, RECOGNIZERS } from './approver.js';
export { signerDescriptor, CSRSigningController, signRequest, needsSigning, certificateSeconds } from './signer.js';
export * from './csr.js';
