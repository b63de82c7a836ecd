/**
 * @module apiserver/pki/cluster-pki
 * The files under <data-dir>/pki: the cluster CA, the API server's serving certificate and the admin
 * client certificate, made once at first start. Also writes the admin kubeconfig.
 */
import { mkdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
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

/** Load the cluster PKI from `dir`, creating what is missing. */
export async function ensureClusterPKI(dir: string, opts: { serverNames?: string[]; serverIPs?: string[] } = {}): Promise<ClusterPKI> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await loadOrCreate(dir, 'ca', () => createCA('skiff-ca'));
  const server = await loadOrCreate(dir, 'apiserver', () => issueCert(ca, {
    commonName: 'kube-apiserver', usage: 'server',
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...(opts.serverNames ?? [])],
    ipAddresses: ['127.0.0.1', '::1', '10.96.0.1', ...(opts.serverIPs ?? [])],
  }));
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
