/**
 * End-to-end: admission webhooks with a real HTTPS webhook server the test runs on loopback (its
 * own CA, given to skiff as the configuration's caBundle). A validating webhook denies a pod, a
 * mutating webhook injects a label (JSONPatch), namespaceSelector limits them, and with the
 * webhook down failurePolicy Fail refuses while Ignore admits.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectlVersions, kubectl, kubectlOk } from '../support/kubectl.js';
import { createCA, issueCert } from '../../src/apiserver/pki/certs.js';

const versions = kubectlVersions();
const bin = versions.find((v) => v.name.startsWith('dispatcher'))?.path ?? versions[0]?.path;

function pod(name: string, ns: string, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
}

describe('admission webhooks', { skip: bin ? false : 'no kubectl installed' }, () => {
  let srv: SkiffServer;
  let hook: Server | undefined;
  let port = 0;
  let caB64 = '';
  let calls = 0;
  const k = (args: string[], input?: string) => kubectlOk(bin!, srv.kubeconfig, args, input);
  const kr = (args: string[], input?: string) => kubectl(bin!, srv.kubeconfig, args, input);

  async function startHook(): Promise<void> {
    const ca = await createCA('webhook-ca');
    const cert = await issueCert(ca, { commonName: 'webhook', ipAddresses: ['127.0.0.1'], usage: 'server' });
    caB64 = Buffer.from(ca.certPem).toString('base64');
    hook = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls++;
        const review = JSON.parse(body);
        const r = review.request;
        const labels = r.object?.metadata?.labels ?? {};
        let response: any = { uid: r.uid, allowed: true };
        if (req.url?.startsWith('/validate') && labels.deny === 'true') {
          response = { uid: r.uid, allowed: false, status: { code: 403, message: 'pods labelled deny are not allowed' } };
        }
        if (req.url?.startsWith('/mutate')) {
          const patch = r.object.metadata.labels ? [{ op: 'add', path: '/metadata/labels/injected', value: 'yes' }]
            : [{ op: 'add', path: '/metadata/labels', value: { injected: 'yes' } }];
          response = { uid: r.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64'), warnings: ['mutated by the test webhook'] };
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
      });
    });
    await new Promise<void>((r) => hook!.listen(port, '127.0.0.1', () => r()));
    port = (hook!.address() as AddressInfo).port;
  }

  function configs(failurePolicy: string): string {
    const common = (path: string) => ({ admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy, timeoutSeconds: 5,
      clientConfig: { url: `https://127.0.0.1:${port}${path}`, caBundle: caB64 },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      namespaceSelector: { matchLabels: { webhooks: 'on' } } });
    return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'deny-pods' },
        webhooks: [{ name: 'deny.skiff.test', ...common('/validate') }] },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'inject-label' },
        webhooks: [{ name: 'inject.skiff.test', ...common('/mutate') }] },
    ] });
  }

  before(async () => {
    srv = await startSkiffServer();
    await startHook();
  });
  after(async () => {
    await new Promise<void>((r) => (hook?.listening ? hook.close(() => r()) : r()));
    await srv?.stop();
  });

  it('refuses an invalid configuration with field paths', async () => {
    const bad = await kr(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'bad' },
      webhooks: [{ name: 'bad', clientConfig: { url: 'http://127.0.0.1:1/x' }, rules: [] }] }));
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /webhooks\[0\]\.name: Invalid value: "bad": should be a domain with at least three segments separated by dots/);
    assert.match(bad.stderr, /webhooks\[0\]\.sideEffects: Required value/);
    assert.match(bad.stderr, /webhooks\[0\]\.clientConfig\.url: Invalid value: "http:\/\/127\.0\.0\.1:1\/x": 'https' is the only allowed URL scheme/);
  });

  it('a validating webhook denies a pod and a mutating webhook injects a label, only where the namespaceSelector says', async () => {
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hooked', labels: { webhooks: 'on' } } }));
    await k(['create', 'namespace', 'plain']);
    await k(['apply', '-f', '-'], configs('Fail'));
    // The configurations reach the admission chain through the watch cache: wait until they act.
    let denied = await kr(['create', '-f', '-'], pod('bad', 'hooked', { deny: 'true' }));
    const deadline = Date.now() + 10_000;
    while (denied.code === 0) {
      await k(['-n', 'hooked', 'delete', 'pod', 'bad', '--wait=false']);
      if (Date.now() > deadline) throw new Error('webhooks never took effect');
      await new Promise((r) => setTimeout(r, 100));
      denied = await kr(['create', '-f', '-'], pod('bad', 'hooked', { deny: 'true' }));
    }
    assert.match(denied.stderr, /admission webhook "deny.skiff.test" denied the request: pods labelled deny are not allowed/);
    assert.match(await k(['get', 'validatingwebhookconfigurations']), /^NAME\s+WEBHOOKS\s+AGE\ndeny-pods\s+1\s+\d+s/);

    const made = await kr(['create', '-f', '-'], pod('good', 'hooked', { app: 'x' }));
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stderr, /Warning: mutated by the test webhook/);
    const got = JSON.parse(await k(['-n', 'hooked', 'get', 'pod', 'good', '-o', 'json']));
    assert.deepEqual(got.metadata.labels, { app: 'x', injected: 'yes' });

    const before = calls;
    await k(['create', '-f', '-'], pod('elsewhere', 'plain', { deny: 'true' }));
    const other = JSON.parse(await k(['-n', 'plain', 'get', 'pod', 'elsewhere', '-o', 'json']));
    assert.equal(other.metadata.labels.injected, undefined);
    assert.equal(calls, before, 'no webhook was called for a namespace the selector leaves out');
  });

  it('with the webhook down, failurePolicy Fail refuses and Ignore admits', async () => {
    await new Promise<void>((r) => hook!.close(() => r()));
    hook!.closeAllConnections?.();
    const refused = await kr(['create', '-f', '-'], pod('while-down', 'hooked'));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /failed calling webhook "(inject|deny).skiff.test": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/(mutate|validate)\?timeout=5s"/);
    await k(['apply', '-f', '-'], configs('Ignore'));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await kr(['create', '-f', '-'], pod('while-down', 'hooked'));
      if (r.code === 0) break;
      if (Date.now() > deadline) throw new Error(`Ignore never took effect: ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  });
});
