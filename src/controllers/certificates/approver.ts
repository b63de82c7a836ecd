/**
 * @module controllers/certificates/approver
 * The csrapproving controller (Kubernetes' sarapprove.go): approves kubelet client certificate
 * requests (signer kubernetes.io/kube-apiserver-client-kubelet) when the requester may, as a
 * SubjectAccessReview on the requester's identity says: a node renewing its own certificate
 * (CN = its own user name) needs `create certificatesigningrequests/selfnodeclient`; anyone else
 * (a bootstrap token joining a node) needs `.../nodeclient`. It never denies: a request it does
 * not recognise is left for a person or another approver.
 */
import type { Informer } from '../../client/informer.js';
import { parseCSR, fromBase64, type ParsedCSR } from '../../apiserver/pki/csr.js';
import { QueueController, keyOf, type ControllerContext, type ControllerDescriptor } from '../framework.js';
import { CSR_GVR, KUBE_APISERVER_CLIENT_KUBELET_SIGNER, isApproved, isDenied, isIssued, kubeletClientProblem } from './csr.js';

/** One way a request may be approved (Kubernetes' csrRecognizer). */
export interface Recognizer {
  recognize(csr: any, req: ParsedCSR): boolean;
  /** The subresource of certificatesigningrequests the requester must be allowed to `create`. */
  permission: string;
  message: string;
}

export const RECOGNIZERS: Recognizer[] = [
  {
    recognize: (csr, req) => csr.spec?.signerName === KUBE_APISERVER_CLIENT_KUBELET_SIGNER && kubeletClientProblem(req, csr.spec?.usages ?? []) === null
      && csr.spec?.username === req.commonName,
    permission: 'selfnodeclient', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
  },
  {
    recognize: (csr, req) => csr.spec?.signerName === KUBE_APISERVER_CLIENT_KUBELET_SIGNER && kubeletClientProblem(req, csr.spec?.usages ?? []) === null,
    permission: 'nodeclient', message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
  },
];

/** The SubjectAccessReview asking whether the requester of `csr` may create `certificatesigningrequests/<sub>`. */
export function accessReviewFor(csr: any, sub: string): any {
  const s = csr.spec ?? {};
  return {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
    spec: {
      user: s.username, uid: s.uid, groups: s.groups, extra: s.extra,
      resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource: sub },
    },
  };
}

/** Whether the approver should look at a request at all. */
export function needsApproval(csr: any): boolean {
  return csr?.spec?.signerName === KUBE_APISERVER_CLIENT_KUBELET_SIGNER && !isApproved(csr) && !isDenied(csr) && !isIssued(csr);
}

export type AccessReview = (sar: any) => Promise<boolean>;

/**
 * Decide on one request: the Approved condition to add, or null to leave it. Throws when a
 * recognizer matched but no review allowed it (so the request is retried, as Kubernetes does: the
 * requester's RBAC may still change).
 */
export async function decide(csr: any, review: AccessReview): Promise<{ type: 'Approved'; status: 'True'; reason: string; message: string } | null> {
  if (!needsApproval(csr)) return null;
  let req: ParsedCSR;
  try { req = parseCSR(fromBase64(csr.spec.request)); } catch (e) { throw new Error(`unable to parse csr "${csr.metadata?.name}": ${(e as Error).message}`); }
  const matched = RECOGNIZERS.filter((r) => r.recognize(csr, req));
  if (!matched.length) return null;
  for (const r of matched) {
    if (await review(accessReviewFor(csr, r.permission))) return { type: 'Approved', status: 'True', reason: 'AutoApproved', message: r.message };
  }
  throw new Error(`recognized csr "${csr.metadata?.name}" as [${matched.map((r) => r.permission).join(' ')}] but subject access review was not approved`);
}

export class CSRApprovingController extends QueueController {
  private readonly csrs: Informer;

  constructor(ctx: ControllerContext) {
    super('csrapproving', ctx);
    this.csrs = ctx.informers.for(CSR_GVR);
    const maybe = (o: any) => { if (needsApproval(o)) this.enqueue(keyOf(o)); };
    this.csrs.addEventHandler({ add: maybe, update: (_, o) => maybe(o) });
  }

  private review: AccessReview = async (sar) => {
    const r = await this.ctx.client.transport.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar);
    if (r.status !== 201 && r.status !== 200) throw new Error(`subjectaccessreviews: ${r.status} ${r.body.slice(0, 200)}`);
    return JSON.parse(r.body).status?.allowed === true;
  };

  protected async sync(key: string): Promise<void> {
    const csr = this.csrs.get(key);
    if (!csr) return;
    const cond = await decide(csr, this.review);
    if (!cond) return;
    const now = new Date().toISOString().slice(0, 19) + 'Z';
    const next = structuredClone(csr);
    next.status = { ...(next.status ?? {}), conditions: [...(next.status?.conditions ?? []), { ...cond, lastUpdateTime: now, lastTransitionTime: now }] };
    await this.ctx.client.transport.request('PUT', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${encodeURIComponent(csr.metadata.name)}/approval`, next)
      .then((r) => { if (r.status === 409 || r.status === 404) return; if (r.status >= 300) throw new Error(`approving csr "${csr.metadata.name}": ${r.status} ${r.body.slice(0, 200)}`); });
  }
}

export const approverDescriptor: ControllerDescriptor = {
  name: 'csrapproving', serviceAccount: 'certificate-controller', create: (ctx) => new CSRApprovingController(ctx),
};
