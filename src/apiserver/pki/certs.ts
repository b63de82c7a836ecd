/**
 * @module apiserver/pki/certs
 * The cluster's certificate authority and the certificates it signs (ECDSA P-256, X.509 v3).
 * Made at first start under <data-dir>/pki, reused after; client certificates carry the user in
 * CN and groups in O, which is how the API server authenticates them.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, randomBytes, X509Certificate as NodeX509 } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface CertPair { certPem: string; keyPem: string }

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive
  return b.toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return (await webcrypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), ALG, true, ['sign'])) as unknown as CryptoKey;
}

function escapeRdn(v: string): string {
  return v.replace(/([,+"\\<>;=])/g, '\\$1');
}

/** A self-signed CA valid for 10 years. */
export async function createCA(commonName: string): Promise<CertPair> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const now = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: `CN=${escapeRdn(commonName)}`, notBefore: now,
    notAfter: new Date(now.getTime() + 10 * 365 * 86400_000), signingAlgorithm: ALG, keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

export interface IssueOptions {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: 'server' | 'client' | 'both';
  validDays?: number;
  /** Lifetime from now in seconds (CSR signers: the smaller of the signer's and the request's duration); overrides validDays. */
  validSeconds?: number;
  /** Sign an existing public key (from a CSR) instead of making a new key pair. */
  publicKey?: CryptoKey;
}

/** A leaf certificate signed by `ca`. */
export async function issueCert(ca: CertPair, opts: IssueOptions): Promise<CertPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKeyPem(ca.keyPem);
  const keys = opts.publicKey ? null : ((await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair);
  const publicKey = opts.publicKey ?? keys!.publicKey;
  const rdn = [`CN=${escapeRdn(opts.commonName)}`, ...(opts.organizations ?? []).map((o) => `O=${escapeRdn(o)}`)].join(', ');
  const eku = opts.usage === 'server' ? [x509.ExtendedKeyUsage.serverAuth]
    : opts.usage === 'client' ? [x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(eku, false),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  const sans = [...(opts.dnsNames ?? []).map((v) => ({ type: 'dns' as const, value: v })), ...(opts.ipAddresses ?? []).map((v) => ({ type: 'ip' as const, value: v }))];
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));
  const now = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: rdn, issuer: caCert.subject, notBefore: now,
    notAfter: opts.validSeconds !== undefined ? new Date(Date.now() + opts.validSeconds * 1000) : new Date(now.getTime() + (opts.validDays ?? 365) * 86400_000), signingAlgorithm: ALG,
    publicKey, signingKey: caKey, extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: keys ? await exportKeyPem(keys.privateKey) : '' };
}

/** User and groups from a verified client certificate's subject (CN = user, O = groups). */
export function identityFromCert(cert: { subject: string } | NodeX509 | undefined | null): { user: string; groups: string[] } | null {
  if (!cert) return null;
  const subject = typeof (cert as NodeX509).subject === 'string' ? (cert as NodeX509).subject : '';
  let user = '';
  const groups: string[] = [];
  for (const line of subject.split('\n')) {
    const i = line.indexOf('=');
    if (i < 0) continue;
    const k = line.slice(0, i), v = line.slice(i + 1);
    if (k === 'CN') user = v;
    else if (k === 'O') groups.push(v);
  }
  return user ? { user, groups } : null;
}
