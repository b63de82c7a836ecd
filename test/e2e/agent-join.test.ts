/**
 * End-to-end: a node joins a real `skiff server` with `skiff agent --token` (bootstrap token auth,
 * then TLS bootstrapping): the agent trusts the server through the pinned --ca-cert-hash, creates a
 * CertificateSigningRequest as system:bootstrap:<id>, the csrapproving controller approves it after
 * a SubjectAccessReview and csrsigning issues it with the cluster CA; the agent registers its Node
 * as system:node:NAME, which the Node authorizer lets change its own Node and no other. A second
 * start reuses the certificate without a token.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate, randomBytes } from 'node:crypto';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { startSkiff, type SkiffProcess } from '../support/skiff-process.js';
import { until } from '../support/controllers.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { StatusError } from '../../src/machinery/status.js';
import { caCertHash } from '../../src/kubelet/certificate/cluster-ca.js';

const CSRS = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', namespaced: false };
const b64 = (s: string) => Buffer.from(s).toString('base64');
// The simulated runtime when this build has it, else the process runtime: neither needs root.
const RUNTIME = existsSync('dist/src/kubelet/cri/simulated/simulated-runtime.js') ? 'simulated' : 'process';

describe('skiff agent joins with a bootstrap token', { timeout: 120_000 }, () => {
  let srv: SkiffServer;
  let admin: Clientset;
  let agentDir: string;
  let agent: SkiffProcess | undefined;
  const nodeName = `join-${randomBytes(3).toString('hex')}`;
  const tokenId = randomBytes(3).toString('hex');
  const token = `${tokenId}.${randomBytes(8).toString('hex')}`;

  const agentArgs = (extra: string[]) => ['agent', '--server', srv.url, '--data-dir', agentDir, '--node-name', nodeName,
    '--runtime', RUNTIME, '--kubelet-port', '0', ...extra];

  before(async () => {
    srv = await startSkiffServer({ args: ['--disable-scheduler', '--controllers', 'csrapproving,csrsigning'] });
    admin = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'agent-join-e2e' });
    agentDir = await mkdtemp(join(tmpdir(), 'skiff-agent-e2e-'));
    await admin.secrets.create('kube-system', {
      apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${tokenId}`, namespace: 'kube-system' },
      data: { 'token-id': b64(tokenId), 'token-secret': b64(token.split('.')[1]), 'usage-bootstrap-authentication': b64('true') },
    });
  });

  after(async () => {
    await agent?.stop();
    admin?.close();
    await srv?.stop();
    if (agentDir) await rm(agentDir, { recursive: true, force: true });
  });

  it('gets its client certificate through an auto-approved CSR and registers its Node', async () => {
    agent = await startSkiff(agentArgs(['--token', token, '--ca-cert-hash', caCertHash(srv.tls.ca)]), /node \S+ ready/, { timeoutMs: 60_000 });
    const list = await admin.resource(CSRS).list();
    const csr = list.items.find((c: any) => c.spec.username === `system:bootstrap:${tokenId}`);
    assert.ok(csr, 'a CSR made by the bootstrap token');
    assert.equal(csr.spec.signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
    assert.ok(csr.spec.groups.includes('system:bootstrappers'));
    const approved = csr.status.conditions.find((c: any) => c.type === 'Approved');
    assert.equal(approved?.reason, 'AutoApproved');
    assert.match(approved?.message, /Auto approving kubelet client certificate after SubjectAccessReview/);
    const cert = new X509Certificate(Buffer.from(csr.status.certificate, 'base64'));
    assert.match(cert.subject, new RegExp(`CN=system:node:${nodeName}`));
    assert.match(cert.subject, /O=system:nodes/);
    assert.ok(cert.verify(new X509Certificate(srv.tls.ca).publicKey), 'signed by the cluster CA');
    const onDisk = await readFile(join(agentDir, 'kubelet', 'pki', 'kubelet-client.crt'), 'utf8');
    assert.equal(new X509Certificate(onDisk).fingerprint256, cert.fingerprint256);
    const node = await until(() => admin.nodes.get('', nodeName).catch(() => undefined), `Node ${nodeName} registered`, 30_000);
    assert.equal(node.metadata.name, nodeName);
  });

  it('acts as system:node:NAME, which may change only its own Node', async () => {
    const kc = join(agentDir, 'kubelet', 'kubeconfig');
    const nodeCS = newClientset({ ...configFromKubeconfig(kc), userAgent: 'agent-join-e2e-node' });
    try {
      const who = await nodeCS.transport.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      const info = JSON.parse(who.body).status.userInfo;
      assert.equal(info.username, `system:node:${nodeName}`);
      assert.ok(info.groups.includes('system:nodes'));
      await nodeCS.nodes.patch('', nodeName, { metadata: { annotations: { 'skiff.test/touched': 'yes' } } });
      const other = `${nodeName}-other`;
      await admin.nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: other } });
      await assert.rejects(nodeCS.nodes.patch('', other, { metadata: { annotations: { 'skiff.test/touched': 'yes' } } }),
        (e: unknown) => e instanceof StatusError && e.code === 403);
      await assert.rejects(nodeCS.nodes.patch('', other, { status: { conditions: [] } }, 'merge', 'status'),
        (e: unknown) => e instanceof StatusError && e.code === 403);
      await admin.nodes.delete('', other);
      // A node may not approve its own requests.
      await assert.rejects(nodeCS.transport.request('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval', {}).then((r) => {
        if (r.status >= 300) throw new StatusError(r.status, '', r.body);
      }), (e: unknown) => e instanceof StatusError && e.code === 403);
    } finally {
      nodeCS.close();
    }
  });

  it('restarts with its saved certificate and no token', async () => {
    await agent!.stop();
    const before = (await admin.resource(CSRS).list()).items.length;
    agent = await startSkiff(agentArgs([]), /node \S+ ready/, { timeoutMs: 60_000 });
    assert.match(agent.log(), /using the client certificate/);
    assert.equal((await admin.resource(CSRS).list()).items.length, before, 'no new CSR');
  });
});

describe('skiff server runs an embedded agent', { timeout: 90_000 }, () => {
  let srv: SkiffServer | undefined;
  after(async () => { await srv?.stop(); });

  it('registers its own node with a minted certificate, falling back to the process runtime without containerd', async () => {
    const nodeName = `embedded-${randomBytes(3).toString('hex')}`;
    // No containerd on PATH: the embedded agent must fall back rather than fail the server.
    srv = await startSkiffServer({ agent: true, args: ['--disable-scheduler', '--node-name', nodeName, '--kubelet-port', '0'], env: { PATH: '/nonexistent' } });
    const admin = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'agent-join-e2e' });
    try {
      const node = await until(() => admin.nodes.get('', nodeName).catch(() => undefined), `embedded Node ${nodeName}`, 30_000);
      await until(async () => (await admin.nodes.get('', nodeName)).status?.nodeInfo?.containerRuntimeVersion, 'node info', 30_000);
      const fresh = await admin.nodes.get('', nodeName);
      assert.match(fresh.status.nodeInfo.containerRuntimeVersion, /^process:\/\//);
      assert.equal(node.metadata.name, nodeName);
      const kc = join(srv.dataDir, 'kubelet', 'kubeconfig');
      const cert = new X509Certificate(Buffer.from(/client-certificate-data: (\S+)/.exec(await readFile(kc, 'utf8'))![1], 'base64'));
      assert.match(cert.subject, new RegExp(`CN=system:node:${nodeName}`));
      assert.equal((await admin.resource(CSRS).list()).items.length, 0, 'no CSR: the server minted it');
    } finally {
      admin.close();
    }
  });
});
