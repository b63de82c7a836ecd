/**
 * @module apiserver/pki/csr
 * PKCS#10 certificate signing requests as certificates.k8s.io carries them (PEM, base64 in
 * spec.request): made by a joining kubelet, parsed and signature-checked by the API server's
 * validation (synchronously, so it fits the registry's validate hook), read by the approver
 * (subject, SANs) and turned into a certificate by the signer.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { createPublicKey, verify, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** What the approver and signer need to know about a request. */
export interface ParsedCSR {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** SubjectPublicKeyInfo, DER. */
  publicKeyDer: Buffer;
  /** `EC`, `RSA` or `Ed25519`. */
  keyAlgorithm: string;
}

/** Hash of each signature algorithm a CSR may be signed with (null: the key's own, Ed25519). */
const SIGNATURE_HASH: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null,
};

function pemBlock(pem: string, type: string): Buffer {
  const re = new RegExp(`-----BEGIN ${type}-----([\\s\\S]*?)-----END ${type}-----`);
  const m = re.exec(pem);
  if (!m) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

/**
 * Parse a PEM request and check its self-signature (Kubernetes' ParseCSR + CheckSignature). Throws
 * with the message validation reports under spec.request.
 */
export function parseCSR(pem: string): ParsedCSR {
  const der = pemBlock(pem, 'CERTIFICATE REQUEST');
  let req: CertificationRequest;
  try { req = AsnConvert.parse(der, CertificationRequest); } catch (e) { throw new Error(`asn1: structure error: ${(e as Error).message}`); }
  const tbs = Buffer.from(AsnConvert.serialize(req.certificationRequestInfo));
  const spki = Buffer.from(AsnConvert.serialize(req.certificationRequestInfo.subjectPKInfo));
  const oid = req.signatureAlgorithm.algorithm;
  if (!(oid in SIGNATURE_HASH)) throw new Error(`x509: cannot verify signature: algorithm unimplemented`);
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  if (!verify(SIGNATURE_HASH[oid], tbs, key, Buffer.from(req.signature))) throw new Error('x509: ECDSA verification failure');
  const p10 = new x509.Pkcs10CertificateRequest(new Uint8Array(der));
  const names = p10.subjectName;
  const sanExt = p10.getExtension('2.5.29.17');
  const san = sanExt ? new x509.SubjectAlternativeNameExtension(new Uint8Array(sanExt.rawData)) : null;
  const byType = (t: string) => (san?.names.items ?? []).filter((n: x509.GeneralName) => n.type === t).map((n: x509.GeneralName) => n.value);
  return {
    commonName: names.getField('CN')[0] ?? '', organizations: names.getField('O'),
    dnsNames: byType('dns'), ipAddresses: byType('ip'), emailAddresses: byType('email'), uris: byType('url'),
    publicKeyDer: spki, keyAlgorithm: ({ ec: 'EC', rsa: 'RSA', ed25519: 'Ed25519' } as Record<string, string>)[key.asymmetricKeyType ?? ''] ?? String(key.asymmetricKeyType),
  };
}

/** Base64 of a PEM (the JSON form of a []byte field such as spec.request). */
export const toBase64 = (pem: string): string => Buffer.from(pem).toString('base64');
export const fromBase64 = (b64: string | undefined): string => Buffer.from(b64 ?? '', 'base64').toString('utf8');

/** A new EC P-256 key (PKCS#8 PEM) and a CSR for `CN=commonName, O=organizations...` signed with it. */
export async function createCSR(o: { commonName: string; organizations?: string[]; dnsNames?: string[]; ipAddresses?: string[] }): Promise<{ csrPem: string; keyPem: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  const name = [`CN=${esc(o.commonName)}`, ...(o.organizations ?? []).map((g) => `O=${esc(g)}`)].join(', ');
  const sans = [...(o.dnsNames ?? []).map((v) => ({ type: 'dns' as const, value: v })), ...(o.ipAddresses ?? []).map((v) => ({ type: 'ip' as const, value: v }))];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name, keys, signingAlgorithm: alg, extensions: sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  return { csrPem: csr.toString('pem') + '\n', keyPem };
}

/** Import a request's public key for signing a certificate over it. */
export async function importCSRPublicKey(p: ParsedCSR): Promise<CryptoKey> {
  if (p.keyAlgorithm === 'EC') {
    const jwk = createPublicKey({ key: p.publicKeyDer, format: 'der', type: 'spki' }).export({ format: 'jwk' }) as { crv?: string };
    return (await webcrypto.subtle.importKey('spki', p.publicKeyDer, { name: 'ECDSA', namedCurve: jwk.crv ?? 'P-256' }, true, ['verify'])) as unknown as CryptoKey;
  }
  if (p.keyAlgorithm === 'RSA') return (await webcrypto.subtle.importKey('spki', p.publicKeyDer, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify'])) as unknown as CryptoKey;
  if (p.keyAlgorithm === 'Ed25519') return (await webcrypto.subtle.importKey('spki', p.publicKeyDer, { name: 'Ed25519' }, true, ['verify'])) as unknown as CryptoKey;
  throw new Error(`unsupported public key algorithm ${p.keyAlgorithm}`);
}

