/**
 * End-to-end: the built-in admission plugins through the real kubectl: ServiceAccount (default
 * account, projected token volume), DefaultTolerationSeconds, Priority, LimitRanger,
 * ResourceQuota (charged on create, given back on delete) and NamespaceLifecycle.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectlVersions, kubectl, kubectlOk } from '../support/kubectl.js';

const versions = kubectlVersions();
const bin = versions.find((v) => v.name.startsWith('dispatcher'))?.path ?? versions[0]?.path;
const pod = (name: string, ns: string, spec: any = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns },
  spec: { containers: [{ name: 'app', image: 'busybox' }], ...spec } });

async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('built-in admission plugins', { skip: bin ? false : 'no kubectl installed' }, () => {
  let srv: SkiffServer;
  const k = (args: string[], input?: string) => kubectlOk(bin!, srv.kubeconfig, args, input);
  const kr = (args: string[], input?: string) => kubectl(bin!, srv.kubeconfig, args, input);
  before(async () => {
    srv = await startSkiffServer();
    await k(['create', 'namespace', 'adm']);
  });
  after(async () => { await srv?.stop(); });

  it('ServiceAccount, DefaultTolerationSeconds and Priority fill in a pod', async () => {
    await k(['create', '-f', '-'], pod('plain', 'adm'));
    const p = JSON.parse(await k(['-n', 'adm', 'get', 'pod', 'plain', '-o', 'json']));
    assert.equal(p.spec.serviceAccountName, 'default');
    const vol = p.spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'));
    assert.ok(vol, 'the projected token volume');
    assert.deepEqual(vol.projected.sources[0], { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    assert.deepEqual(p.spec.containers[0].volumeMounts, [{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    assert.deepEqual(p.spec.tolerations.map((t: any) => `${t.key}:${t.effect}:${t.tolerationSeconds}`),
      ['node.kubernetes.io/not-ready:NoExecute:300', 'node.kubernetes.io/unreachable:NoExecute:300']);
    assert.equal(p.spec.priority, 0);
    const missing = await kr(['create', '-f', '-'], pod('lost', 'adm', { serviceAccountName: 'nobody' }));
    assert.match(missing.stderr, /pods "lost" is forbidden: error looking up service account adm\/nobody: serviceaccount "nobody" not found/);
    await k(['create', '-f', '-'], pod('critical', 'adm', { priorityClassName: 'system-cluster-critical' }));
    assert.equal(JSON.parse(await k(['-n', 'adm', 'get', 'pod', 'critical', '-o', 'json'])).spec.priority, 2000000000);
    const unknown = await kr(['create', '-f', '-'], pod('vip', 'adm', { priorityClassName: 'gold' }));
    assert.match(unknown.stderr, /pods "vip" is forbidden: no PriorityClass with name gold was found/);
  });

  it('LimitRanger defaults requests and limits and refuses what exceeds max', async () => {
    await k(['create', 'namespace', 'limited']);
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits', namespace: 'limited' },
      spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' } }] } }));
    await k(['create', '-f', '-'], pod('defaulted', 'limited'));
    const p = JSON.parse(await k(['-n', 'limited', 'get', 'pod', 'defaulted', '-o', 'json']));
    assert.deepEqual(p.spec.containers[0].resources, { limits: { cpu: '500m' }, requests: { cpu: '100m' } });
    assert.equal(p.metadata.annotations['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu request for container app; cpu limit for container app');
    const big = await kr(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'big', namespace: 'limited' },
      spec: { containers: [{ name: 'app', image: 'busybox', resources: { limits: { cpu: '2' } } }] } }));
    assert.match(big.stderr, /pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2$/m);
  });

  it('ResourceQuota charges creates, refuses past hard, and gives usage back on delete', async () => {
    await k(['create', 'namespace', 'quota']);
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'two-pods', namespace: 'quota' }, spec: { hard: { pods: '2', configmaps: '5' } } }));
    await waitFor(async () => JSON.parse(await k(['-n', 'quota', 'get', 'resourcequota', 'two-pods', '-o', 'json'])).status?.hard?.pods === '2');
    await k(['create', '-f', '-'], pod('one', 'quota'));
    await k(['create', '-f', '-'], pod('two', 'quota'));
    const third = await kr(['create', '-f', '-'], pod('three', 'quota'));
    assert.notEqual(third.code, 0);
    assert.match(third.stderr, /pods "three" is forbidden: exceeded quota: two-pods, requested: pods=1, used: pods=2, limited: pods=2/);
    assert.equal(JSON.parse(await k(['-n', 'quota', 'get', 'resourcequota', 'two-pods', '-o', 'json'])).status.used.pods, '2');
    await k(['-n', 'quota', 'delete', 'pod', 'one', '--grace-period=0', '--force']);
    await waitFor(async () => JSON.parse(await k(['-n', 'quota', 'get', 'resourcequota', 'two-pods', '-o', 'json'])).status.used.pods === '1');
    await k(['create', '-f', '-'], pod('three', 'quota'));
  });

  it('ResourceQuota holds under 20 concurrent creates: exactly hard are admitted', async () => {
    await k(['create', 'namespace', 'race']);
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'five', namespace: 'race' }, spec: { hard: { pods: '5' } } }));
    await waitFor(async () => JSON.parse(await k(['-n', 'race', 'get', 'resourcequota', 'five', '-o', 'json'])).status?.hard?.pods === '5');
    const { connect } = await import('node:http2');
    const s = connect(srv.url, { ca: srv.tls.ca, cert: srv.tls.cert, key: srv.tls.key });
    const post = (i: number) => new Promise<number>((resolve, reject) => {
      const r = s.request({ ':method': 'POST', ':path': '/api/v1/namespaces/race/pods', 'content-type': 'application/json' });
      r.on('response', (h) => resolve(Number(h[':status'])));
      r.on('error', reject);
      r.resume();
      r.end(pod(`p-${i}`, 'race'));
    });
    const codes = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i)));
    s.close();
    assert.equal(codes.filter((c) => c === 201).length, 5, `codes: ${codes}`);
    assert.equal(codes.filter((c) => c === 403).length, 15);
    assert.equal(JSON.parse(await k(['-n', 'race', 'get', 'resourcequota', 'five', '-o', 'json'])).status.used.pods, '5');
  });

  it('NamespaceLifecycle keeps the system namespaces', async () => {
    const r = await kr(['delete', 'namespace', 'kube-system']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /namespaces "kube-system" is forbidden: this namespace may not be deleted/);
  });
});
