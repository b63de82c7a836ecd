/**
 * @module apiserver/pki/cluster-pki
 * The files under <data-dir>/pki: the cluster CA, the API server's serving certificate and the admin
 * client certificate, made once at first start (the serving certificate again when it lacks a
 * name or address the server now answers on). Also writes the admin kubeconfig.
 */
import { mkdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { createCA, issueCert, type CertPair } from './certs.js';

export interface ClusterPKI { dir: string; ca: CertPair; server: CertPair; admin: CertPair }

async function exists(p: string): Promise<boolean> {
  try { await stat(p); return true; } catch { return false; }
}

async function loadOrCreate(dir: string, name: string, make: () => Promise<CertPair>): Promise<CertPair> {
  const crt = join(dir, `${name}.crt`), key = join(dir, `${name}.key`);
  if (await exists(crt) && await exists(key)) return { certPem: await readFile(crt, 'utf8'), keyPem: await readFile(key, 'utf8') };
  const pair = await make();
  await writeFile(key, pair.keyPem, { mode: 0o600 });
  await writeFile(crt, pair.certPem);
  return pair;
}

/** The names every serving certificate of the API server carries, besides the ones asked for. */
const SERVER_DNS_NAMES = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
const SERVER_IPS = ['127.0.0.1', '::1', '10.96.0.1'];

/**
 * Why an existing serving certificate cannot be kept (a SAN it lacks, another CA, expired), or
 * undefined when it is fine. checkIP/checkHost compare canonical forms, so `::1` matches however
 * the certificate spells it.
 */
export function servingCertProblem(pair: CertPair, ca: CertPair, dnsNames: string[], ipAddresses: string[], now = new Date()): string | undefined {
  let cert: X509Certificate;
  try { cert = new X509Certificate(pair.certPem); } catch (e) { return `unreadable certificate: ${(e as Error).message}`; }
  if (!cert.checkIssued(new X509Certificate(ca.certPem)) || !cert.verify(new X509Certificate(ca.certPem).publicKey)) return 'not signed by the cluster CA';
  if (new Date(cert.validTo).getTime() <= now.getTime()) return `expired at ${cert.validTo}`;
  // A start that died between writing the new key and the new certificate leaves a mismatched pair.
  try {
    const fromKey = createPublicKey(createPrivateKey(pair.keyPem)).export({ type: 'spki', format: 'der' });
    if (!fromKey.equals(cert.publicKey.export({ type: 'spki', format: 'der' }))) return 'the key does not match the certificate';
  } catch (e) { return `unreadable key: ${(e as Error).message}`; }
  const ip = ipAddresses.find((a) => !cert.checkIP(a));
  if (ip) return `no IP SAN ${ip}`;
  const dns = dnsNames.find((n) => !cert.checkHost(n, { subject: 'never', wildcards: false }));
  if (dns) return `no DNS SAN ${dns}`;
  return undefined;
}

/**
 * Load the cluster PKI from `dir`, creating what is missing. The serving certificate must name
 * every `serverNames`/`serverIPs` (e.g. the --advertise-address): one made by an earlier start
 * without them is issued again from the same CA (a new key too), so clients that trusted the CA
 * keep working and nodes' pinned --ca-cert-hash stays valid.
 */
export async function ensureClusterPKI(dir: string, opts: { serverNames?: string[]; serverIPs?: string[]; log?: (msg: string) => void } = {}): Promise<ClusterPKI> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await loadOrCreate(dir, 'ca', () => createCA('skiff-ca'));
  const dnsNames = [...new Set([...SERVER_DNS_NAMES, ...(opts.serverNames ?? [])])];
  const ipAddresses = [...new Set([...SERVER_IPS, ...(opts.serverIPs ?? [])])];
  const issueServing = () => issueCert(ca, { commonName: 'kube-apiserver', usage: 'server', dnsNames, ipAddresses });
  let server = await loadOrCreate(dir, 'apiserver', issueServing);
  const problem = servingCertProblem(server, ca, dnsNames, ipAddresses);
  if (problem) {
    (opts.log ?? ((m: string) => process.stderr.write(`skiff: ${m}\n`)))(`reissuing the API server's serving certificate (${problem})`);
    server = await issueServing();
    await writeFile(join(dir, 'apiserver.key'), server.keyPem, { mode: 0o600 });
    await writeFile(join(dir, 'apiserver.crt'), server.certPem);
  }
  const admin = await loadOrCreate(dir, 'admin', () => issueCert(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' }));
  return { dir, ca, server, admin };
}

/**
 * A client certificate for a control-plane component (made at first use, then kept):
 * `controller-manager` as system:kube-controller-manager, `scheduler` as system:kube-scheduler.
 */
export async function ensureComponentCert(pki: ClusterPKI, file: string, commonName: string, organizations: string[] = []): Promise<CertPair> {
  return loadOrCreate(pki.dir, file, () => issueCert(pki.ca, { commonName, organizations, usage: 'client' }));
}

/** A kubeconfig with embedded credentials (client certificate or token). */
export function kubeconfig(opts: { server: string; caPem: string; user: string; certPem?: string; keyPem?: string; token?: string; context?: string }): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const ctx = opts.context ?? 'skiff';
  const userLines = opts.token
    ? [`    token: ${opts.token}`]
    : [`    client-certificate-data: ${b64(opts.certPem!)}`, `    client-key-data: ${b64(opts.keyPem!)}`];
  return [
    'apiVersion: v1', 'kind: Config',
    'clusters:', `- name: ${ctx}`, '  cluster:', `    server: ${opts.server}`, `    certificate-authority-data: ${b64(opts.caPem)}`,
    'users:', `- name: ${opts.user}`, '  user:', ...userLines,
    'contexts:', `- name: ${ctx}`, '  context:', `    cluster: ${ctx}`, `    user: ${opts.user}`,
    `current-context: ${ctx}`, 'preferences: {}', '',
  ].join('\n');
}
