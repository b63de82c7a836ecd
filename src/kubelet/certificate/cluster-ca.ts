/**
 * @module kubelet/certificate/cluster-ca
 * How a joining node comes to trust the API server before it has any credentials: a CA file given
 * to it (`--ca-file`), or the CA the server presents in its TLS chain, accepted only when its public
 * key hashes to the pinned value (`--ca-cert-hash sha256:<hex>`, kubeadm's
 * --discovery-token-ca-cert-hash: SHA-256 of the CA's DER SubjectPublicKeyInfo).
 */
import { connect, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';
import { X509Certificate, createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** kubeadm's CA pin: `sha256:` and the hex SHA-256 of the certificate's SubjectPublicKeyInfo. */
export function caCertHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

const toPem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

/** Every certificate the server sent (leaf first), without trusting any of them yet. */
export function fetchServerChain(serverURL: string, timeoutMs = 10_000): Promise<string[]> {
  const u = new URL(serverURL);
  return new Promise((resolve, reject) => {
    const sock = connect({ host: u.hostname, port: Number(u.port || 443), servername: /^[\d.]+$|:/.test(u.hostname) ? undefined : u.hostname, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const chain: string[] = [];
      let c: DetailedPeerCertificate | PeerCertificate | undefined = sock.getPeerCertificate(true);
      const seen = new Set<string>();
      while (c && c.raw && !seen.has(c.fingerprint256)) {
        seen.add(c.fingerprint256);
        chain.push(toPem(c.raw));
        c = (c as DetailedPeerCertificate).issuerCertificate;
      }
      sock.end();
      resolve(chain);
    });
    sock.setTimeout(timeoutMs, () => { sock.destroy(); reject(new Error(`timed out connecting to ${serverURL}`)); });
    sock.once('error', reject);
  });
}

/** The cluster CA (PEM) to trust for `server`, from a file or a pinned hash. */
export async function resolveClusterCA(o: { server: string; caFile?: string; caCertHash?: string }): Promise<string> {
  if (o.caFile) {
    const pem = await readFile(o.caFile, 'utf8');
    if (o.caCertHash && caCertHash(pem) !== o.caCertHash.toLowerCase()) throw new Error(`the CA in ${o.caFile} does not match --ca-cert-hash ${o.caCertHash}`);
    return pem;
  }
  if (!o.caCertHash) throw new Error('need --ca-file or --ca-cert-hash to trust the API server');
  if (!/^sha256:[0-9a-f]{64}$/i.test(o.caCertHash)) throw new Error(`invalid --ca-cert-hash "${o.caCertHash}": want sha256:<64 hex digits>`);
  const chain = await fetchServerChain(o.server);
  const ca = chain.find((pem) => caCertHash(pem) === o.caCertHash!.toLowerCase());
  if (!ca) throw new Error(`none of the certificates ${o.server} presented matches --ca-cert-hash ${o.caCertHash}`);
  // The CA must actually have signed the server's certificate, or the pin proves nothing.
  if (!new X509Certificate(chain[0]).verify(new X509Certificate(ca).publicKey)) throw new Error(`the server's certificate is not signed by the pinned CA`);
  return ca;
}
