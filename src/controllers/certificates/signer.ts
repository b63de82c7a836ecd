/**
 * @module controllers/certificates/signer
 * The csrsigning controller (Kubernetes' pkg/controller/certificates/signer): issues approved
 * requests for the kubelet signers with the cluster CA — `kube-apiserver-client-kubelet` (a node's
 * client certificate, system:node:NAME in system:nodes) and `kubelet-serving` (a node's serving
 * certificate with its DNS/IP names). A request that does not fit its signer gets a Failed
 * condition (reason SignerValidationFailure) instead of a certificate. Lifetime: the smaller of
 * --cluster-signing-duration and spec.expirationSeconds.
 */
import { readFileSync } from 'node:fs';
import type { Informer } from '../../client/informer.js';
import { issueCert, type CertPair } from '../../apiserver/pki/certs.js';
import { parseCSR, fromBase64, importCSRPublicKey, toBase64, type ParsedCSR } from '../../apiserver/pki/csr.js';
import { QueueController, keyOf, type ControllerContext, type ControllerDescriptor } from '../framework.js';
import { CSR_GVR, KUBELET_SERVING_SIGNER, KUBE_APISERVER_CLIENT_KUBELET_SIGNER, hasFailed, isApproved, isIssued, kubeletClientProblem, kubeletServingProblem } from './csr.js';

export const DEFAULT_SIGNING_DURATION_MS = 365 * 86400_000;

/** Each signer this controller runs, and why a request does not fit it (null: it fits). */
export const SIGNERS: Record<string, (req: ParsedCSR, usages: string[]) => string | null> = {
  [KUBE_APISERVER_CLIENT_KUBELET_SIGNER]: kubeletClientProblem,
  [KUBELET_SERVING_SIGNER]: kubeletServingProblem,
};

export function needsSigning(csr: any): boolean {
  return !!csr?.spec?.signerName && csr.spec.signerName in SIGNERS && isApproved(csr) && !hasFailed(csr) && !isIssued(csr);
}

/** Seconds the certificate is valid for (the signer's limit, shortened by spec.expirationSeconds). */
export function certificateSeconds(csr: any, signerMaxMs: number): number {
  const max = Math.floor(signerMaxMs / 1000);
  const asked = csr?.spec?.expirationSeconds;
  return typeof asked === 'number' && asked > 0 ? Math.min(max, asked) : max;
}

/** Sign one request: the certificate PEM, or a validation failure. */
export async function signRequest(ca: CertPair, csr: any, signerMaxMs: number): Promise<{ certPem: string } | { failure: string }> {
  let req: ParsedCSR;
  try { req = parseCSR(fromBase64(csr.spec.request)); } catch (e) { return { failure: `unable to parse csr: ${(e as Error).message}` }; }
  const usages: string[] = csr.spec.usages ?? [];
  const problem = SIGNERS[csr.spec.signerName](req, usages);
  if (problem) return { failure: problem };
  const client = usages.includes('client auth'), server = usages.includes('server auth');
  const pair = await issueCert(ca, {
    commonName: req.commonName, organizations: req.organizations, dnsNames: req.dnsNames, ipAddresses: req.ipAddresses,
    usage: client && server ? 'both' : server ? 'server' : 'client', publicKey: await importCSRPublicKey(req),
    validSeconds: certificateSeconds(csr, signerMaxMs),
  });
  return { certPem: pair.certPem };
}

export class CSRSigningController extends QueueController {
  private readonly csrs: Informer;
  private readonly ca: CertPair;
  private readonly maxMs: number;

  constructor(ctx: ControllerContext, ca: CertPair) {
    super('csrsigning', ctx);
    this.ca = ca;
    this.maxMs = ctx.options.clusterSigningDurationMs ?? DEFAULT_SIGNING_DURATION_MS;
    this.csrs = ctx.informers.for(CSR_GVR);
    const maybe = (o: any) => { if (needsSigning(o)) this.enqueue(keyOf(o)); };
    this.csrs.addEventHandler({ add: maybe, update: (_, o) => maybe(o) });
  }

  protected async sync(key: string): Promise<void> {
    const csr = this.csrs.get(key);
    if (!needsSigning(csr)) return;
    const r = await signRequest(this.ca, csr, this.maxMs);
    const next = structuredClone(csr);
    next.status ??= {};
    if ('failure' in r) {
      const now = new Date().toISOString().slice(0, 19) + 'Z';
      next.status.conditions = [...(next.status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: r.failure, lastUpdateTime: now, lastTransitionTime: now }];
      this.ctx.recorder.event(csr, 'Warning', 'SignerValidationFailure', r.failure);
    } else {
      next.status.certificate = toBase64(r.certPem);
    }
    const res = await this.ctx.client.transport.request('PUT', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${encodeURIComponent(csr.metadata.name)}/status`, next);
    if (res.status === 404 || res.status === 409) return; // gone, or changed: the informer brings it back
    if (res.status >= 300) throw new Error(`error updating signature for csr "${csr.metadata.name}": ${res.status} ${res.body.slice(0, 200)}`);
  }
}

/** The signer runs only with a CA to sign with, as kube-controller-manager's csrsigning does. */
export const signerDescriptor: ControllerDescriptor = {
  name: 'csrsigning', serviceAccount: 'certificate-controller',
  create: (ctx) => {
    const { clusterSigningCertFile: certFile, clusterSigningKeyFile: keyFile } = ctx.options;
    if (!certFile || !keyFile) {
      return { name: 'csrsigning', run: () => console.error('skiff csrsigning: no --cluster-signing-cert-file/--cluster-signing-key-file; not signing'), stop: () => {} };
    }
    return new CSRSigningController(ctx, { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') });
  },
};
