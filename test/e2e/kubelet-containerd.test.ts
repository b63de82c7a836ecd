/**
 * End-to-end, the must-show on real parts: a `skiff server`, the Kubelet driving a real
 * containerd + runc over CRI v1 with images pulled from a loopback docker-registry, and the real
 * kubectl (1.27 over SPDY, 1.33 over WebSocket) through the API server to the kubelet's API and on
 * to containerd's streaming server. The seed's doctor-backend pod (busybox httpd on port 8000 with
 * probes on /health and /ready) goes Running and Ready; `kubectl logs` and
 * `kubectl exec -- wget -qO- localhost:8000/health` work; a bad image shows ErrImagePull /
 * ImagePullBackOff with the registry's words; a crashing container goes CrashLoopBackOff.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { until } from '../support/controllers.js';
import { kubectl, kubectlVersions } from '../support/kubectl.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushTestImages, type TestImages } from '../support/images.js';
import { removeCgroupTree, startTestContainerd, type TestContainerd } from '../support/containerd.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { Kubelet } from '../../src/kubelet/kubelet.js';
import { ensureServingCert } from '../../src/kubelet/certificate/serving.js';

const NS = 'doctor-app';
const NODE = `ctrd-node-${process.pid}`;
const VERSIONS = kubectlVersions().filter((v) => v.name === '1.27' || v.name === '1.33');
const isRoot = process.getuid?.() === 0;
const CGROUP_ROOT = `/skiff-e2e-${process.pid}`;

const removeCgroups = (): void => removeCgroupTree(CGROUP_ROOT);

describe('kubelet on containerd: the doctor-backend pod', { skip: !isRoot ? 'needs root for containerd' : false }, () => {
  let srv: SkiffServer;
  let cs: Clientset;
  let dir: string;
  let reg: TestRegistry;
  let images: TestImages;
  let ctrd: TestContainerd;
  let kubelet: Kubelet;

  const cond = (p: any, type: string) => p?.status?.conditions?.find((c: any) => c.type === type)?.status;
  const pod = (name: string, containers: any[], extra: any = {}) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app: name } },
    spec: { nodeName: NODE, automountServiceAccountToken: false, terminationGracePeriodSeconds: 2, containers, ...extra },
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-ctrd-'));
    reg = await startRegistry();
    images = await pushTestImages(reg.host);
    ctrd = await startTestContainerd({ registryHost: reg.host, sandboxImage: images.pause });
    // The controller manager runs (the Job below); pods are bound by nodeName, so no scheduler.
    srv = await startSkiffServer({ args: ['--disable-scheduler'] });
    cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-e2e/kubelet-containerd' });
    await cs.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const caPem = readFileSync(join(srv.dataDir, 'pki', 'ca.crt'), 'utf8');
    const rootDir = join(dir, 'kubelet');
    const serving = await ensureServingCert({ rootDir, nodeName: NODE, ips: ['127.0.0.1'] });
    kubelet = new Kubelet({
      nodeName: NODE, cs, runtime: ctrd.runtime, runtimeName: 'containerd', rootDir, nodeIP: '127.0.0.1', kubeletPort: 0,
      podCIDR: ctrd.podCIDR, cgroupRoot: CGROUP_ROOT, serving: { certPem: serving.certPem, keyPem: serving.keyPem, clientCAPem: caPem },
      resyncMs: 1_000, nodeStatusUpdateMs: 1_000,
    });
    await kubelet.start();
  });

  after(async () => {
    await cs?.jobs.delete(NS, 'pi', { propagationPolicy: 'Background' } as any).catch(() => {});
    for (const p of ['doctor-backend', 'bad-image', 'crasher', 'oom', 'init-fails', 'init-feeds', 'config-reader', 'attach-me']) await cs?.pods.delete(NS, p, { gracePeriodSeconds: 0 } as any).catch(() => {});
    await kubelet?.stop();
    await ctrd?.stop();
    if (isRoot) removeCgroups();
    await reg?.stop();
    cs?.close();
    await srv?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the doctor-backend pod to Running and Ready with its probes', async () => {
    const probe = (path: string) => ({ httpGet: { path, port: 8000 }, periodSeconds: 1, initialDelaySeconds: 0 });
    await cs.pods.create(NS, pod('doctor-backend', [{
      name: 'backend', image: images.doctorBackend, ports: [{ containerPort: 8000 }],
      livenessProbe: probe('/health'), readinessProbe: probe('/ready'),
    }]));
    const p = await until(async () => { const x = await cs.pods.get(NS, 'doctor-backend'); return cond(x, 'Ready') === 'True' && x; }, 'doctor-backend Ready', 60_000);
    assert.equal(p.status.phase, 'Running');
    assert.match(p.status.containerStatuses[0].containerID, /^containerd:\/\//);
    assert.equal(p.status.containerStatuses[0].restartCount, 0);
    assert.ok(p.status.podIP, 'a pod IP from CNI');
  });

  for (const k of VERSIONS) {
    it(`kubectl ${k.name}: logs and exec into the doctor-backend`, async () => {
      const ex = await kubectl(k.path, srv.kubeconfig, ['-n', NS, 'exec', 'doctor-backend', '--', 'wget', '-qO-', 'localhost:8000/health']);
      assert.equal(ex.code, 0, ex.stderr);
      assert.equal(ex.stdout.trim(), 'ok');
      // busybox httpd -v logs each request (the kubelet's probes make some: `[ip]:port: response:200`) to stderr, which lands in the CRI log.
      let last = '';
      await until(async () => { const r = await kubectl(k.path, srv.kubeconfig, ['-n', NS, 'logs', 'doctor-backend']); last = `${r.code} ${r.stdout} ${r.stderr}`; return r.code === 0 && /response:200/.test(r.stdout); }, 'httpd access log', 20_000)
        .catch((e) => { throw new Error(`${e.message}; last kubectl logs: ${last}`); });
      const code = await kubectl(k.path, srv.kubeconfig, ['-n', NS, 'exec', 'doctor-backend', '--', 'sh', '-c', 'exit 7']);
      assert.equal(code.code, 7);
    });
  }

  it('a failing readiness probe turns Ready false; a failing liveness probe restarts the container (restartCount 1)', async () => {
    const id = (await cs.pods.get(NS, 'doctor-backend')).status.containerStatuses[0].containerID.replace('containerd://', '');
    await ctrd.runtime.execSync(id, ['rm', '/www/ready'], 5);
    const notReady = await until(async () => { const x = await cs.pods.get(NS, 'doctor-backend'); return cond(x, 'Ready') === 'False' && x; }, 'Ready False', 30_000);
    assert.equal(notReady.status.containerStatuses[0].restartCount, 0);
    assert.equal(notReady.status.phase, 'Running');
    await ctrd.runtime.execSync(id, ['rm', '/www/health'], 5);
    // The new container starts from the image again, /health and /ready included, so it is Ready again.
    const restarted = await until(async () => {
      const x = await cs.pods.get(NS, 'doctor-backend');
      const s = x.status.containerStatuses[0];
      return s.restartCount === 1 && cond(x, 'Ready') === 'True' && x;
    }, 'restart after liveness failure', 60_000);
    assert.notEqual(restarted.status.containerStatuses[0].containerID, `containerd://${id}`);
    assert.ok(restarted.status.containerStatuses[0].lastState.terminated, 'lastState records the killed container');
  });

  it('a bad image shows ErrImagePull / ImagePullBackOff with the registry\'s message', async () => {
    await cs.pods.create(NS, pod('bad-image', [{ name: 'app', image: `${reg.host}/skiff/does-not-exist:1` }]));
    const w = await until(async () => {
      const x = await cs.pods.get(NS, 'bad-image');
      const waiting = x.status?.containerStatuses?.[0]?.state?.waiting;
      return waiting && (waiting.reason === 'ErrImagePull' || waiting.reason === 'ImagePullBackOff') && waiting;
    }, 'ErrImagePull', 60_000);
    assert.match(w.message, /not found|does-not-exist/);
  });

  it('a crashing container goes CrashLoopBackOff with a growing restart count', async () => {
    await cs.pods.create(NS, pod('crasher', [{ name: 'app', image: images.busybox, command: ['sh', '-c', 'echo bye; exit 3'] }]));
    const st = await until(async () => {
      const x = await cs.pods.get(NS, 'crasher');
      const s = x.status?.containerStatuses?.[0];
      return s?.state?.waiting?.reason === 'CrashLoopBackOff' && s;
    }, 'CrashLoopBackOff', 60_000);
    const seen = JSON.stringify(st);
    assert.ok(st.restartCount >= 1, seen);
    assert.equal(st.lastState?.terminated?.exitCode, 3, seen);
    assert.equal(st.lastState?.terminated?.reason, 'Error', seen);
  });

  it('a container over its memory limit is OOMKilled (exit 137) and, with restartPolicy Never, the pod Failed', async () => {
    await cs.pods.create(NS, pod('oom', [{
      name: 'hog', image: images.busybox, command: ['sh', '-c', 'a=xxxxxxxxxxxxxxxx; while :; do a="$a$a"; done'],
      resources: { limits: { memory: '16Mi' } },
    }], { restartPolicy: 'Never' }));
    const p = await until(async () => { const x = await cs.pods.get(NS, 'oom'); return x.status?.phase === 'Failed' && x; }, 'oom pod Failed', 60_000);
    const t = p.status.containerStatuses[0].state.terminated;
    assert.equal(t.reason, 'OOMKilled');
    assert.equal(t.exitCode, 137);
  });

  it('init containers run in order before the app; a failing one fails a restartPolicy Never pod', async () => {
    const vol = { name: 'shared', emptyDir: {} };
    await cs.pods.create(NS, pod('init-feeds', [{ name: 'app', image: images.busybox, command: ['cat', '/shared/greeting'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] }], {
      restartPolicy: 'Never', volumes: [vol],
      initContainers: [
        { name: 'first', image: images.busybox, command: ['sh', '-c', 'echo -n hello > /shared/greeting'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
        { name: 'second', image: images.busybox, command: ['sh', '-c', 'echo -n " from init" >> /shared/greeting'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }] },
      ],
    }));
    await cs.pods.create(NS, pod('init-fails', [{ name: 'app', image: images.busybox, command: ['true'] }], {
      restartPolicy: 'Never', initContainers: [{ name: 'setup', image: images.busybox, command: ['sh', '-c', 'exit 4'] }],
    }));
    const ok = await until(async () => { const x = await cs.pods.get(NS, 'init-feeds'); return x.status?.phase === 'Succeeded' && x; }, 'init-feeds Succeeded', 60_000);
    assert.deepEqual(ok.status.initContainerStatuses.map((s: any) => [s.name, s.state.terminated?.reason]), [['first', 'Completed'], ['second', 'Completed']]);
    const logs = await kubectl(VERSIONS.at(-1)!.path, srv.kubeconfig, ['-n', NS, 'logs', 'init-feeds']);
    assert.equal(logs.stdout, 'hello from init');
    const bad = await until(async () => { const x = await cs.pods.get(NS, 'init-fails'); return x.status?.phase === 'Failed' && x; }, 'init-fails Failed', 60_000);
    const init = bad.status.initContainerStatuses[0].state.terminated;
    assert.equal(init.exitCode, 4);
    assert.equal(init.reason, 'Error');
    // The app container never ran.
    assert.ok(!bad.status.containerStatuses?.[0]?.state?.terminated?.startedAt, 'app container did not start');
  });

  it('ConfigMap and Secret reach the container as files and as env (configMapKeyRef, secretKeyRef, envFrom)', async () => {
    await cs.configmaps.create(NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: NS }, data: { 'mode': 'clinic', 'app.conf': 'port=8000\n' } });
    await cs.secrets.create(NS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: NS }, data: { password: Buffer.from('s3cret').toString('base64') } });
    await cs.pods.create(NS, pod('config-reader', [{
      name: 'app', image: images.busybox,
      command: ['sh', '-c', 'echo "MODE=$MODE PW=$PW FROM=$mode"; cat /etc/app/app.conf; cat /etc/db/password; echo; stat -L -c %a /etc/db/password'],
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'mode' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      ],
      envFrom: [{ configMapRef: { name: 'app-config' } }],
      volumeMounts: [{ name: 'cfg', mountPath: '/etc/app', readOnly: true }, { name: 'sec', mountPath: '/etc/db', readOnly: true }],
    }], { restartPolicy: 'Never', volumes: [{ name: 'cfg', configMap: { name: 'app-config' } }, { name: 'sec', secret: { secretName: 'db', defaultMode: 0o400 } }] }));
    await until(async () => (await cs.pods.get(NS, 'config-reader')).status?.phase === 'Succeeded', 'config-reader Succeeded', 60_000);
    const logs = await kubectl(VERSIONS.at(-1)!.path, srv.kubeconfig, ['-n', NS, 'logs', 'config-reader']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout, 'MODE=clinic PW=s3cret FROM=clinic\nport=8000\ns3cret\n400\n');
  });

  it('a Job runs its pods to completion on the node and turns Complete', async () => {
    await cs.jobs.create(NS, {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: NS },
      spec: { completions: 2, parallelism: 1, backoffLimit: 2, template: { spec: {
        nodeName: NODE, restartPolicy: 'Never', automountServiceAccountToken: false, terminationGracePeriodSeconds: 2,
        containers: [{ name: 'pi', image: images.busybox, command: ['sh', '-c', 'echo 3.14159'] }],
      } } },
    });
    const j = await until(async () => { const x = await cs.jobs.get(NS, 'pi'); return x.status?.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True') && x; }, 'Job Complete', 90_000);
    assert.equal(j.status.succeeded, 2);
  });

  for (const k of VERSIONS) {
    it(`kubectl ${k.name}: port-forward reaches the doctor-backend's port 8000 inside its pod network`, async () => {
      const pf = spawn(k.path, ['--kubeconfig', srv.kubeconfig, '-n', NS, 'port-forward', 'pod/doctor-backend', ':8000'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      pf.stdout!.on('data', (b) => (out += b));
      pf.stderr!.on('data', (b) => (err += b));
      const exited = new Promise((r) => pf.on('close', r));
      try {
        const m = await until(() => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out), `port-forward listening (${err})`, 20_000);
        for (let i = 0; i < 2; i++) {
          const body = await new Promise<string>((resolve, reject) => {
            httpGet({ host: '127.0.0.1', port: Number(m[1]), path: '/health' }, (res) => {
              let b = '';
              res.on('data', (c) => (b += c));
              res.on('end', () => resolve(`${res.statusCode} ${b}`));
            }).on('error', reject);
          });
          assert.equal(body, '200 ok');
        }
      } finally {
        if (pf.exitCode === null) pf.kill('SIGKILL');
        await exited;
      }
    });
  }

  it('kubectl cp copies a file into the container and back (tar over exec)', async () => {
    const bin = VERSIONS.at(-1)!.path;
    const src = join(dir, 'note.txt'), back = join(dir, 'note-back.txt');
    writeFileSync(src, 'patient notes\n');
    const put = await kubectl(bin, srv.kubeconfig, ['-n', NS, 'cp', src, 'doctor-backend:/tmp/note.txt']);
    assert.equal(put.code, 0, put.stderr);
    const cat = await kubectl(bin, srv.kubeconfig, ['-n', NS, 'exec', 'doctor-backend', '--', 'cat', '/tmp/note.txt']);
    assert.equal(cat.stdout, 'patient notes\n');
    const get = await kubectl(bin, srv.kubeconfig, ['-n', NS, 'cp', 'doctor-backend:/tmp/note.txt', back]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(readFileSync(back, 'utf8'), 'patient notes\n');
  });

  it('kubectl attach -i reaches a running container\'s stdin and streams its stdout', async () => {
    await cs.pods.create(NS, pod('attach-me', [{ name: 'c', image: images.busybox, stdin: true, command: ['sh', '-c', 'echo ready; read line; echo "got $line"; sleep 2'] }], { restartPolicy: 'Never' }));
    await until(async () => (await cs.pods.get(NS, 'attach-me')).status?.phase === 'Running', 'attach-me Running', 60_000);
    const r = await kubectl(VERSIONS.at(-1)!.path, srv.kubeconfig, ['-n', NS, 'attach', '-i', 'attach-me', '-c', 'c'], 'hello\n', 30_000);
    assert.match(r.stdout, /got hello/, `${r.code} ${r.stdout} ${r.stderr}`);
  });
});
