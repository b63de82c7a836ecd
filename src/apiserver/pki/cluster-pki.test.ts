/**
 * @module apiserver/pki/cluster-pki.test
 * The serving certificate names what the server answers on, and is issued again (same CA) when
 * a later start needs an address an earlier one did not.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClusterPKI, servingCertProblem } from './cluster-pki.js';

it('reissues the serving certificate from the same CA when an IP SAN is missing, and keeps it otherwise', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-pki-'));
  const logs: string[] = [];
  try {
    const first = await ensureClusterPKI(dir, { log: (m) => logs.push(m) });
    assert.equal(new X509Certificate(first.server.certPem).checkIP('10.20.0.1'), undefined);
    assert.equal(logs.length, 0);

    const second = await ensureClusterPKI(dir, { serverIPs: ['10.20.0.1'], log: (m) => logs.push(m) });
    assert.equal(second.ca.certPem, first.ca.certPem, 'the CA is kept');
    assert.equal(second.admin.certPem, first.admin.certPem);
    const cert = new X509Certificate(second.server.certPem);
    for (const ip of ['10.20.0.1', '127.0.0.1', '::1', '10.96.0.1']) assert.equal(cert.checkIP(ip), ip);
    assert.equal(cert.checkHost('kubernetes.default.svc', { subject: 'never' }), 'kubernetes.default.svc');
    assert.ok(cert.checkIssued(new X509Certificate(first.ca.certPem)));
    assert.match(logs[0], /reissuing the API server's serving certificate \(no IP SAN 10\.20\.0\.1\)/);

    const third = await ensureClusterPKI(dir, { serverIPs: ['10.20.0.1'], log: (m) => logs.push(m) });
    assert.equal(third.server.certPem, second.server.certPem, 'a certificate that fits is kept');
    assert.equal(logs.length, 1);

    // A key that no longer matches its certificate (a start that died half way) is mended too.
    await writeFile(join(dir, 'apiserver.key'), first.server.keyPem);
    assert.equal(servingCertProblem({ certPem: second.server.certPem, keyPem: first.server.keyPem }, first.ca, [], []), 'the key does not match the certificate');
    const fourth = await ensureClusterPKI(dir, { serverIPs: ['10.20.0.1'], log: (m) => logs.push(m) });
    assert.equal(servingCertProblem(fourth.server, fourth.ca, [], ['10.20.0.1']), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
