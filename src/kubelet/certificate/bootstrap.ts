/**
 * @module kubelet/certificate/bootstrap
 * TLS bootstrapping of the kubelet's client certificate (Kubernetes' pkg/kubelet/certificate/
 * bootstrap): with a bootstrap token, the agent asks the cluster for a certificate as
 * `system:node:NAME` in `system:nodes` through a CertificateSigningRequest (signer
 * kubernetes.io/kube-apiserver-client-kubelet), waits until it is approved and issued, and keeps
 * the key, the certificate and a kubeconfig under `<kubelet root>/pki`. A later start reuses them
 * while the certificate is valid, so a token is needed only to join.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { X509Certificate, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { newClientset } from '../../client/clientset.js';
import { StatusError } from '../../machinery/status.js';
import { createCSR, toBase64, fromBase64 } from '../../apiserver/pki/csr.js';
import { kubeconfig } from '../../apiserver/pki/cluster-pki.js';
import { issueCert, type CertPair } from '../../apiserver/pki/certs.js';
import type { ClientConfig } from '../../client/transport.js';

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
/** What the kubelet asks for with an EC key (no key encipherment: that is for RSA key transport). */
export const KUBELET_CLIENT_USAGES = ['digital signature', 'client auth'];

/** The files the kubelet keeps its client identity in. */
export interface ClientCertPaths { certFile: string; keyFile: string; kubeconfig: string; caFile: string }

export function clientCertPaths(rootDir: string): ClientCertPaths {
  const pki = join(rootDir, 'pki');
  return { certFile: join(pki, 'kubelet-client.crt'), keyFile: join(pki, 'kubelet-client.key'), kubeconfig: join(rootDir, 'kubeconfig'), caFile: join(pki, 'ca.crt') };
}

export interface BootstrapOptions {
  server: string;
  /** The cluster CA the API server's certificate must chain to. */
  caPem: string;
  /** `<id>.<secret>`: used only when no valid client certificate is on disk. */
  token?: string;
  nodeName: string;
  /** The kubelet root (`<data-dir>/kubelet`). */
  rootDir: string;
  /** How long to wait for approval and issuance (default 15 minutes; Kubernetes waits an hour). */
  timeoutMs?: number;
  log?: (msg: string) => void;
}

export interface NodeCredentials { config: ClientConfig; certPem: string; keyPem: string; caPem: string; kubeconfig: string; bootstrapped: boolean }

/** The user a node's certificate names. */
export const nodeUser = (nodeName: string): string => `system:node:${nodeName}`;

/**
 * Whether a certificate on disk can still be used by `nodeName`: it parses, names the node, matches
 * the key, and has not passed 80% of its life... Kubernetes rotates at 70-90%; without a rotation
 * loop we renew at start once past 80%, while the old one still authenticates the renewal.
 */
export function usableCertificate(certPem: string, keyPem: string, nodeName: string, now = Date.now()): { ok: boolean; renew: boolean } {
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.subject.split('\n').includes(`CN=${nodeUser(nodeName)}`)) return { ok: false, renew: false };
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return { ok: false, renew: false };
    const from = Date.parse(cert.validFrom), to = Date.parse(cert.validTo);
    if (now >= to || now < from) return { ok: false, renew: false };
    return { ok: true, renew: now > from + (to - from) * 0.8 };
  } catch {
    return { ok: false, renew: false };
  }
}

/**
 * Kubernetes names a node's request after its key and subject, so a retry with the same key finds
 * its earlier request (hex here: the name must be a DNS subdomain in skiff's generic validation).
 */
export function csrName(csrPem: string, nodeName: string): string {
  const h = createHash('sha512').update(csrPem).update(nodeUser(nodeName)).update(KUBELET_CLIENT_USAGES.join(',')).digest('hex');
  return `node-csr-${h.slice(0, 43)}`;
}

async function readIf(p: string): Promise<string | undefined> {
  try { return await readFile(p, 'utf8'); } catch { return undefined; }
}

async function writeCredentials(paths: ClientCertPaths, o: { server: string; caPem: string; certPem: string; keyPem: string; nodeName: string }): Promise<string> {
  await mkdir(join(paths.certFile, '..'), { recursive: true, mode: 0o700 });
  const kc = kubeconfig({ server: o.server, caPem: o.caPem, user: nodeUser(o.nodeName), certPem: o.certPem, keyPem: o.keyPem, context: 'default' });
  // Each file is written whole and renamed in, so a crash never leaves half a key.
  const put = async (p: string, data: string, mode: number) => { await writeFile(`${p}.tmp`, data, { mode }); await rename(`${p}.tmp`, p); };
  await put(paths.keyFile, o.keyPem, 0o600);
  await put(paths.certFile, o.certPem, 0o644);
  await put(paths.caFile, o.caPem, 0o644);
  await put(paths.kubeconfig, kc, 0o600);
  return kc;
}

function credentials(server: string, caPem: string, certPem: string, keyPem: string, kc: string, bootstrapped: boolean): NodeCredentials {
  return { config: { server, ca: caPem, cert: certPem, key: keyPem }, certPem, keyPem, caPem, kubeconfig: kc, bootstrapped };
}

/**
 * The node's client credentials: the certificate on disk when usable, else a new one through a
 * CertificateSigningRequest made with the bootstrap token (or, to renew, with the old certificate).
 */
export async function loadOrBootstrapClientCert(o: BootstrapOptions): Promise<NodeCredentials> {
  const paths = clientCertPaths(o.rootDir);
  const log = o.log ?? (() => {});
  const [certPem, keyPem] = await Promise.all([readIf(paths.certFile), readIf(paths.keyFile)]);
  let renewWith: ClientConfig | undefined;
  if (certPem && keyPem) {
    const u = usableCertificate(certPem, keyPem, o.nodeName);
    if (u.ok && !u.renew) {
      const kc = await writeCredentials(paths, { server: o.server, caPem: o.caPem, certPem, keyPem, nodeName: o.nodeName });
      return credentials(o.server, o.caPem, certPem, keyPem, kc, false);
    }
    if (u.ok) renewWith = { server: o.server, ca: o.caPem, cert: certPem, key: keyPem };
  }
  const auth: ClientConfig = renewWith ?? (() => {
    if (!o.token) throw new Error(`no valid client certificate in ${paths.certFile} and no bootstrap token to request one`);
    return { server: o.server, ca: o.caPem, token: o.token };
  })();
  log(renewWith ? 'client certificate is near expiry; requesting a new one' : `requesting a client certificate for ${nodeUser(o.nodeName)} with the bootstrap token`);
  const issued = await requestNodeClientCertificate(auth, o.nodeName, join(o.rootDir, 'pki'), o.timeoutMs ?? 15 * 60_000, log);
  const kc = await writeCredentials(paths, { server: o.server, caPem: o.caPem, certPem: issued.certPem, keyPem: issued.keyPem, nodeName: o.nodeName });
  return credentials(o.server, o.caPem, issued.certPem, issued.keyPem, kc, true);
}

/**
 * Create the CertificateSigningRequest and wait for its certificate (client-go's
 * csr.RequestCertificate + WaitForCertificate). The key is kept in `<pkiDir>/kubelet-client.key.pending`
 * until issued, so a restart while waiting asks again with the same key and finds the same request.
 */
export async function requestNodeClientCertificate(auth: ClientConfig, nodeName: string, pkiDir: string, timeoutMs: number, log: (m: string) => void = () => {}): Promise<CertPair> {
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  const pendingKey = join(pkiDir, 'kubelet-client.key.pending'), pendingCSR = join(pkiDir, 'kubelet-client.csr.pending');
  let keyPem = await readIf(pendingKey), csrPem = await readIf(pendingCSR);
  if (!keyPem || !csrPem) {
    ({ keyPem, csrPem } = await createCSR({ commonName: nodeUser(nodeName), organizations: ['system:nodes'] }));
    await writeFile(pendingKey, keyPem, { mode: 0o600 });
    await writeFile(pendingCSR, csrPem);
  }
  const cs = newClientset({ ...auth, userAgent: `skiff-agent/${nodeName} (bootstrap)` });
  const csrs = cs.resource({ group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', namespaced: false });
  const name = csrName(csrPem, nodeName);
  try {
    try {
      await csrs.create('', {
        apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
        spec: { request: toBase64(csrPem), signerName: KUBELET_CLIENT_SIGNER, usages: KUBELET_CLIENT_USAGES },
      });
      log(`created CertificateSigningRequest ${name}; waiting for approval`);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409)) throw e;
      log(`CertificateSigningRequest ${name} exists; waiting for it`);
    }
    const deadline = Date.now() + timeoutMs;
    let delay = 100;
    for (;;) {
      const csr = await csrs.get('', name);
      if (fromBase64(csr.spec?.request) !== csrPem) throw new Error(`CertificateSigningRequest ${name} is not ours (a different request under our name)`);
      const cond = (t: string) => (csr.status?.conditions ?? []).find((c: any) => c.type === t && c.status === 'True');
      const denied = cond('Denied'), failed = cond('Failed');
      if (denied) throw new Error(`certificate signing request is denied, reason: ${denied.reason ?? ''}, message: ${denied.message ?? ''}`);
      if (failed) throw new Error(`certificate signing request failed, reason: ${failed.reason ?? ''}, message: ${failed.message ?? ''}`);
      if (cond('Approved') && csr.status?.certificate) {
        const certPem = fromBase64(csr.status.certificate);
        const leaf = new X509Certificate(certPem);
        // The certificate must be over our key, whatever the signer did.
        if (!leaf.publicKey.equals(createPublicKey(createPrivateKey(keyPem)))) throw new Error(`the certificate issued for ${name} does not match our key`);
        await rm(pendingKey, { force: true });
        await rm(pendingCSR, { force: true });
        log(`CertificateSigningRequest ${name} approved and issued`);
        return { certPem, keyPem };
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for CertificateSigningRequest ${name} to be approved and issued`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  } finally {
    cs.close();
  }
}

/**
 * A node's client credentials minted directly from the cluster CA, for the agent embedded in
 * `skiff server`, which holds the CA anyway (k3s does the same): no token, no request to wait on.
 */
export async function mintNodeClientCert(o: { server: string; ca: CertPair; nodeName: string; rootDir: string }): Promise<NodeCredentials> {
  const paths = clientCertPaths(o.rootDir);
  const [certPem, keyPem] = await Promise.all([readIf(paths.certFile), readIf(paths.keyFile)]);
  if (certPem && keyPem) {
    const u = usableCertificate(certPem, keyPem, o.nodeName);
    let chains = false;
    try { chains = new X509Certificate(certPem).verify(new X509Certificate(o.ca.certPem).publicKey); } catch { /* not ours */ }
    if (u.ok && !u.renew && chains) {
      const kc = await writeCredentials(paths, { server: o.server, caPem: o.ca.certPem, certPem, keyPem, nodeName: o.nodeName });
      return credentials(o.server, o.ca.certPem, certPem, keyPem, kc, false);
    }
  }
  const pair = await issueCert(o.ca, { commonName: nodeUser(o.nodeName), organizations: ['system:nodes'], usage: 'client' });
  const kc = await writeCredentials(paths, { server: o.server, caPem: o.ca.certPem, certPem: pair.certPem, keyPem: pair.keyPem, nodeName: o.nodeName });
  return credentials(o.server, o.ca.certPem, pair.certPem, pair.keyPem, kc, true);
}
