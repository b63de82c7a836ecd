/**
 * End-to-end: a real `skiff server --advertise-address` publishes itself. `kubectl get endpoints
 * kubernetes` and the `kubernetes` EndpointSlice show advertise-address:port, a deleted one comes
 * back, and the serving certificate (fetched over TLS from 127.0.0.1) names the advertise address,
 * also after a restart of an existing data dir with a new address. Loopback only: 127.0.0.2 and
 * 127.0.0.3 are on `lo` like 127.0.0.1, so nothing leaves the machine.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { NO_COMPONENTS, until } from '../support/controllers.js';
import { kubectlOk, kubectlVersions } from '../support/kubectl.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';

/** The serving certificate the server presents on 127.0.0.1:port (no verification: we only read it). */
function servingCert(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const raw = s.getPeerX509Certificate();
      s.destroy();
      if (raw) resolve(raw); else reject(new Error('no peer certificate'));
    });
    s.once('error', reject);
  });
}

const portOf = (url: string) => Number(new URL(url).port);
const kubectl = kubectlVersions()[0];

describe('the kubernetes Service publishes the advertise address', () => {
  let dataDir: string;
  let srv: SkiffServer;
  let cs: Clientset;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'skiff-e2e-advertise-'));
    // A first start without --advertise-address: its certificate has no 127.0.0.2.
    const first = await startSkiffServer({ dataDir, args: NO_COMPONENTS });
    const firstCA = first.tls.ca;
    assert.equal((await servingCert(portOf(first.url))).checkIP('127.0.0.2'), undefined);
    await first.stop({ keepData: true });
    srv = await startSkiffServer({ dataDir, args: [...NO_COMPONENTS, '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.2'] });
    assert.equal(srv.tls.ca, firstCA, 'the CA survives the reissue');
    cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-e2e' });
  });
  after(async () => {
    cs?.close();
    await srv?.stop({ keepData: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('Endpoints and EndpointSlice list advertise-address:port as `https`', async () => {
    const port = portOf(srv.url);
    const ep = await cs.endpoints.get('default', 'kubernetes');
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.2' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
    assert.equal(ep.metadata.labels['endpointslice.kubernetes.io/skip-mirror'], 'true');
    const slices = (await cs.endpointslices.list('default', { labelSelector: 'kubernetes.io/service-name=kubernetes' })).items as any[];
    assert.equal(slices.length, 1);
    assert.equal(slices[0].metadata.name, 'kubernetes');
    assert.equal(slices[0].addressType, 'IPv4');
    assert.deepEqual(slices[0].endpoints, [{ addresses: ['127.0.0.2'], conditions: { ready: true } }]);
    assert.deepEqual(slices[0].ports, [{ name: 'https', port, protocol: 'TCP' }]);
    const svc = await cs.services.get('default', 'kubernetes');
    assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }]);
  });

  it('kubectl shows them', { skip: kubectl ? false : 'no kubectl installed' }, async () => {
    const port = portOf(srv.url);
    const eps = await kubectlOk(kubectl.path, srv.kubeconfig, ['get', 'endpoints', 'kubernetes', '-n', 'default']);
    assert.match(eps, /^NAME\s+ENDPOINTS\s+AGE\n/);
    assert.match(eps, new RegExp(`^kubernetes\\s+127\\.0\\.0\\.2:${port}\\s`, 'm'));
    const es = await kubectlOk(kubectl.path, srv.kubeconfig, ['get', 'endpointslices', 'kubernetes', '-n', 'default']);
    assert.match(es, new RegExp(`^kubernetes\\s+IPv4\\s+${port}\\s+127\\.0\\.0\\.2\\s`, 'm'));
  });

  it('a deleted or edited Endpoints and EndpointSlice come back', async () => {
    const ep = await cs.endpoints.get('default', 'kubernetes');
    await cs.endpoints.delete('default', 'kubernetes');
    await until(async () => { const e = await cs.endpoints.get('default', 'kubernetes').catch(() => null); return e && e.metadata.uid !== ep.metadata.uid && e.subsets?.[0]?.addresses?.[0]?.ip === '127.0.0.2'; }, 'Endpoints recreated');
    const slice = await cs.endpointslices.get('default', 'kubernetes');
    await cs.endpointslices.delete('default', 'kubernetes');
    await until(async () => { const s = await cs.endpointslices.get('default', 'kubernetes').catch(() => null); return s && s.metadata.uid !== slice.metadata.uid; }, 'EndpointSlice recreated');
    const cur = await cs.endpointslices.get('default', 'kubernetes');
    cur.endpoints = [{ addresses: ['10.9.9.9'], conditions: { ready: true } }];
    await cs.endpointslices.update('default', cur);
    await until(async () => (await cs.endpointslices.get('default', 'kubernetes')).endpoints?.[0]?.addresses?.[0] === '127.0.0.2', 'EndpointSlice repaired');
  });

  it('the serving certificate names the advertise address, the service IP and the service names', async () => {
    const cert = await servingCert(portOf(srv.url));
    for (const ip of ['127.0.0.2', '127.0.0.1', '10.96.0.1']) assert.equal(cert.checkIP(ip), ip, cert.subjectAltName);
    assert.equal(cert.checkHost('kubernetes.default.svc.cluster.local', { subject: 'never' }), 'kubernetes.default.svc.cluster.local');
    assert.ok(cert.checkIssued(new X509Certificate(srv.tls.ca)));
  });
});
