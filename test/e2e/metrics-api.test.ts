/**
 * End-to-end: the resource metrics API (metrics.k8s.io/v1beta1) and `kubectl top`. A real
 * `skiff server` (no controllers; metrics resolution 2 s through SKIFF_METRIC_RESOLUTION) scrapes a
 * Kubelet started here on the process runtime, serving its API on an ephemeral loopback port with a
 * certificate from the cluster CA. A pod burns CPU (a shell loop, half the time asleep); kubectl
 * 1.27 and 1.33 `top nodes` / `top pods` show the node and the pod with non-zero CPU and memory.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { NO_COMPONENTS, until } from '../support/controllers.js';
import { kubectl, kubectlOk, kubectlVersions } from '../support/kubectl.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { issueCert } from '../../src/apiserver/pki/certs.js';
import { Kubelet } from '../../src/kubelet/kubelet.js';
import { ProcessRuntime } from '../../src/kubelet/cri/process/process-runtime.js';

const NS = 'metrics-e2e';
const NODE = `metrics-e2e-${process.pid}`;
const VERSIONS = kubectlVersions().filter((v) => v.name === '1.27' || v.name === '1.33');

/** About half a core: a shell counting loop, then a tenth of a second asleep, over and over. */
const BURN = 'while :; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.1; done';

describe('metrics.k8s.io and kubectl top, from a kubelet on the process runtime', () => {
  let srv: SkiffServer;
  let cs: Clientset;
  let dir: string;
  let runtime: ProcessRuntime;
  let kubelet: Kubelet;

  /** A GET as the admin: status and parsed body. */
  const get = (path: string, accept = 'application/json') => new Promise<{ code: number; body: any }>((resolve, reject) => {
    const u = new URL(srv.url + path);
    const r = httpsRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, ca: srv.tls.ca, cert: srv.tls.cert, key: srv.tls.key, headers: { Accept: accept } }, (res) => {
      let s = '';
      res.on('data', (b) => (s += b));
      res.on('end', () => { try { resolve({ code: res.statusCode ?? 0, body: JSON.parse(s) }); } catch { resolve({ code: res.statusCode ?? 0, body: s }); } });
    });
    r.on('error', reject);
    r.end();
  });
  const milli = (cpu: string) => cpu.endsWith('n') ? Number(cpu.slice(0, -1)) / 1e6 : cpu.endsWith('u') ? Number(cpu.slice(0, -1)) / 1e3 : cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-metrics-e2e-'));
    srv = await startSkiffServer({ args: NO_COMPONENTS, env: { SKIFF_METRIC_RESOLUTION: '2s' } });
    cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-e2e/metrics' });
    await cs.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await cs.serviceaccounts.create(NS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } }).catch(() => {});
    const pki = join(srv.dataDir, 'pki');
    const ca = { certPem: await readFile(join(pki, 'ca.crt'), 'utf8'), keyPem: await readFile(join(pki, 'ca.key'), 'utf8') };
    const serving = await issueCert(ca, { commonName: `system:node:${NODE}`, organizations: ['system:nodes'], usage: 'server', ipAddresses: ['127.0.0.1'] });
    runtime = new ProcessRuntime({ stateDir: join(dir, 'runtime'), pollMs: 100 });
    kubelet = new Kubelet({
      nodeName: NODE, cs, runtime, runtimeName: 'process', rootDir: join(dir, 'kubelet'), nodeIP: '127.0.0.1', kubeletPort: 0,
      serving: { certPem: serving.certPem, keyPem: serving.keyPem, clientCAPem: ca.certPem },
      resyncMs: 1_000, nodeStatusUpdateMs: 1_000, leaseRenewMs: 1_000, labels: { 'metrics-e2e': 'yes' },
    });
    await kubelet.start();
    await cs.pods.create(NS, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'burner', namespace: NS, labels: { app: 'burner' } },
      spec: { nodeName: NODE, automountServiceAccountToken: false, terminationGracePeriodSeconds: 1,
        containers: [{ name: 'burn', image: 'busybox', command: ['sh', '-c', BURN] }] },
    });
    await until(async () => (await cs.pods.get(NS, 'burner')).status?.phase === 'Running', 'pod burner Running');
  });

  after(async () => {
    // The burner goes first, whatever happened: delete it and let the kubelet stop it, then stop whatever is left.
    await cs?.pods.delete(NS, 'burner', { gracePeriodSeconds: 0 }).catch(() => undefined);
    if (runtime) {
      await until(async () => (await runtime.listContainers({ state: 'CONTAINER_RUNNING' })).length === 0, 'burner stopped', 15_000).catch(() => undefined);
      for (const c of await runtime.listContainers().catch(() => [])) await runtime.stopContainer(c.id, 0).catch(() => undefined);
      for (const s of await runtime.listPodSandbox().catch(() => [])) await runtime.removePodSandbox(s.id).catch(() => undefined);
    }
    await kubelet?.stop();
    await runtime?.close();
    cs?.close();
    await srv?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('discovery lists metrics.k8s.io/v1beta1 with nodes and pods (legacy and aggregated)', async () => {
    const groups = await get('/apis');
    assert.ok(groups.body.groups.some((g: any) => g.name === 'metrics.k8s.io' && g.preferredVersion.version === 'v1beta1'));
    const rl = await get('/apis/metrics.k8s.io/v1beta1');
    assert.deepEqual(rl.body.resources.map((r: any) => `${r.name}:${r.kind}:${r.verbs.join(',')}`), ['nodes:NodeMetrics:get,list', 'pods:PodMetrics:get,list']);
    const agg = await get('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    assert.ok(agg.body.items.some((g: any) => g.metadata.name === 'metrics.k8s.io'));
  });

  it('serves NodeMetrics and PodMetrics with a CPU rate and the working set once it has two samples', async () => {
    const node = await until(async () => { const r = await get(`/apis/metrics.k8s.io/v1beta1/nodes/${NODE}`); return r.code === 200 && r.body; }, 'node metrics', 30_000);
    assert.equal(node.kind, 'NodeMetrics');
    assert.equal(node.metadata.labels['metrics-e2e'], 'yes');
    assert.match(node.window, /^\d+(\.\d+)?m?s$/);
    assert.ok(milli(node.usage.cpu) > 0, `node cpu ${node.usage.cpu}`);
    assert.match(node.usage.memory, /^\d+(Ki|Mi|Gi)?$/);
    const pod = await until(async () => {
      const r = await get(`/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/burner`);
      return r.code === 200 && milli(r.body.containers[0].usage.cpu) > 10 && r.body;
    }, 'burner metrics with CPU', 30_000);
    assert.equal(pod.metadata.labels.app, 'burner');
    assert.deepEqual(pod.containers.map((c: any) => c.name), ['burn']);
    assert.notEqual(pod.containers[0].usage.memory, '0');
    const list = await get(`/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Dburner`);
    assert.deepEqual(list.body.items.map((p: any) => p.metadata.name), ['burner']);
    const none = await get(`/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods/nope`);
    assert.equal(none.code, 404);
    assert.equal(none.body.reason, 'NotFound');
  });

  for (const v of VERSIONS) {
    it(`kubectl ${v.name} top nodes / top pods show the node and the burning pod`, async () => {
      const nodes: string = await until(async () => {
        const r = await kubectl(v.path, srv.kubeconfig, ['top', 'nodes']);
        return r.code === 0 && r.stdout.includes(NODE) && !r.stdout.includes('<unknown>') ? r.stdout : undefined;
      }, `kubectl ${v.name} top nodes`, 30_000);
      // 1.27 heads the percentages CPU% and MEMORY%, 1.33 CPU(%) and MEMORY(%).
      assert.match(nodes.split('\n')[0]!, /^NAME\s+CPU\(cores\)\s+CPU\(?%\)?\s+MEMORY\(bytes\)\s+MEMORY\(?%\)?\s*$/);
      process.stderr.write(`kubectl ${v.name} top nodes:\n${nodes}`);
      const row = nodes.split('\n').find((l) => l.startsWith(NODE))!.trim().split(/\s+/);
      assert.match(row[1]!, /^\d+m$/);
      assert.ok(Number(row[1]!.slice(0, -1)) > 0, nodes);
      assert.match(row[3]!, /^\d+Mi$/);
      const pods: string = await until(async () => {
        const r = await kubectl(v.path, srv.kubeconfig, ['top', 'pods', '-n', NS]);
        const line = r.code === 0 ? r.stdout.split('\n').find((l) => l.startsWith('burner')) : undefined;
        return line && Number(line.trim().split(/\s+/)[1]!.replace(/m$/, '')) > 0 ? r.stdout : undefined;
      }, `kubectl ${v.name} top pods`, 30_000);
      assert.deepEqual(pods.split('\n')[0]!.trim().split(/\s+/), ['NAME', 'CPU(cores)', 'MEMORY(bytes)']);
      process.stderr.write(`kubectl ${v.name} top pods:\n${pods}`);
      const prow = pods.split('\n').find((l) => l.startsWith('burner'))!.trim().split(/\s+/);
      assert.match(prow[1]!, /^\d+m$/);
      assert.match(prow[2]!, /^\d+Mi$/);
      assert.ok(Number(prow[2]!.slice(0, -2)) > 0, pods);
      const containers = await kubectlOk(v.path, srv.kubeconfig, ['top', 'pods', '-A', '--containers', '-l', 'app=burner']);
      assert.match(containers, new RegExp(`${NS}\\s+burner\\s+burn\\s+\\d+m\\s+\\d+Mi`));
      const one = await kubectlOk(v.path, srv.kubeconfig, ['top', 'pod', 'burner', '-n', NS]);
      assert.match(one, /burner\s+\d+m\s+\d+Mi/);
    });
  }

  it('kubectl get on the metrics resources prints a Table (Name, cpu, memory, Window)', { skip: VERSIONS.length ? false : 'no kubectl 1.27/1.33' }, async () => {
    const out = await kubectlOk(VERSIONS.at(-1)!.path, srv.kubeconfig, ['get', 'podmetrics.metrics.k8s.io', '-n', NS]);
    assert.deepEqual(out.split('\n')[0]!.trim().split(/\s+/), ['NAME', 'CPU', 'MEMORY', 'WINDOW']);
    assert.match(out, /burner\s+\d+n?\s+\d+(Ki)?\s+\d/);
  });

  it('view (and so edit and admin) may read resource metrics, through system:aggregated-metrics-reader', async () => {
    const clusterroles = cs.resource({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', namespaced: false });
    const reader = await clusterroles.get('', 'system:aggregated-metrics-reader');
    assert.equal(reader.metadata.labels['rbac.authorization.k8s.io/aggregate-to-view'], 'true');
    const view = await until(async () => { const r = await clusterroles.get('', 'view'); return r.rules.some((x: any) => x.apiGroups?.includes('metrics.k8s.io')) && r; }, 'view aggregated');
    assert.ok(view.rules.some((x: any) => x.apiGroups.includes('metrics.k8s.io') && x.resources.includes('pods') && x.verbs.includes('list')));
  });
});
