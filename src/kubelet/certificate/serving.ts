/**
 * @module kubelet/certificate/serving
 * The kubelet API's serving certificate. As the kubelet does without --tls-cert-file, a node makes
 * its own: a throwaway CA `<node>-ca@<time>` and a leaf for the node's names and addresses, kept in
 * `<kubelet root>/pki/kubelet.{crt,key}` and reused while valid. The agent embedded in `skiff server`
 * instead gets one signed by the cluster CA, so the API server can verify the kubelet it proxies to.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { createCA, issueCert, type CertPair } from '../../apiserver/pki/certs.js';

export interface ServingCertOptions {
  rootDir: string;
  nodeName: string;
  /** DNS names besides the node name and localhost. */
  hostnames?: string[];
  ips?: string[];
  /** Sign with this CA instead of a self-made one. */
  ca?: CertPair;
}

function covers(certPem: string, names: string[], ips: string[]): boolean {
  try {
    const c = new X509Certificate(certPem);
    if (Date.now() > Date.parse(c.validTo) - 86400_000) return false;
    const san = c.subjectAltName ?? '';
    return names.every((n) => san.includes(`DNS:${n}`)) && ips.every((ip) => san.includes(`IP Address:${ip}`));
  } catch {
    return false;
  }
}

/** The kubelet's serving certificate and key (PEM; the certificate file holds the chain). */
export async function ensureServingCert(o: ServingCertOptions): Promise<CertPair> {
  const dir = join(o.rootDir, 'pki');
  const crt = join(dir, 'kubelet.crt'), key = join(dir, 'kubelet.key');
  const names = [...new Set([o.nodeName, 'localhost', ...(o.hostnames ?? [])])];
  const ips = [...new Set(['127.0.0.1', ...(o.ips ?? [])])];
  try {
    const pair = { certPem: await readFile(crt, 'utf8'), keyPem: await readFile(key, 'utf8') };
    let sameIssuer = true;
    if (o.ca) { try { sameIssuer = new X509Certificate(pair.certPem).verify(new X509Certificate(o.ca.certPem).publicKey); } catch { sameIssuer = false; } }
    if (sameIssuer && covers(pair.certPem, names, ips)) return pair;
  } catch { /* make one */ }
  const stamp = Math.floor(Date.now() / 1000);
  const ca = o.ca ?? await createCA(`${o.nodeName}-ca@${stamp}`);
  const leaf = await issueCert(ca, { commonName: `${o.nodeName}@${stamp}`, usage: 'server', dnsNames: names, ipAddresses: ips });
  const pair = { certPem: o.ca ? leaf.certPem : leaf.certPem + ca.certPem, keyPem: leaf.keyPem };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(key, pair.keyPem, { mode: 0o600 });
  await writeFile(crt, pair.certPem);
  return pair;
}
