/**
 * Unit tests of the kubelet's metrics: running pods and containers read from the runtime, the pod
 * start durations observed once when a pod first runs, the pod workers' sync durations by
 * operation_type, and the kubelet server's /metrics over mutual TLS.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { KubeletMetrics } from './metrics.js';
import { PodWorkers } from './pod-workers.js';
import { KubeletServer } from './server/server.js';
import { createCA, issueCert } from '../apiserver/pki/certs.js';

const sandbox = (id: string, state: string) => ({ id, state });
const container = (id: string, state: string) => ({ id, state });

/** A runtime that lists the given sandboxes and containers. */
function fakeRuntime(sbs: any[], cs: any[]): any {
  return { listPodSandbox: async () => sbs, listContainers: async () => cs };
}

describe('kubelet metrics', () => {
  it('kubelet_running_pods counts ready sandboxes; kubelet_running_containers counts by container_state', async () => {
    const m = new KubeletMetrics();
    const rt = fakeRuntime(
      [sandbox('s1', 'SANDBOX_READY'), sandbox('s2', 'SANDBOX_READY'), sandbox('s3', 'SANDBOX_NOTREADY')],
      [container('c1', 'CONTAINER_RUNNING'), container('c2', 'CONTAINER_RUNNING'), container('c3', 'CONTAINER_EXITED'), container('c4', 'CONTAINER_CREATED')],
    );
    const text = await m.render(rt);
    assert.match(text, /^kubelet_running_pods 2$/m);
    assert.match(text, /^kubelet_running_containers\{container_state="running"\} 2$/m);
    assert.match(text, /^kubelet_running_containers\{container_state="exited"\} 1$/m);
    assert.match(text, /^kubelet_running_containers\{container_state="created"\} 1$/m);
    assert.match(text, /^kubelet_running_containers\{container_state="unknown"\} 0$/m);
    // A pod stops: the gauges follow the runtime on the next scrape.
    const after = await m.render(fakeRuntime([sandbox('s1', 'SANDBOX_READY')], [container('c1', 'CONTAINER_RUNNING')]));
    assert.match(after, /^kubelet_running_pods 1$/m);
    assert.match(after, /^kubelet_running_containers\{container_state="exited"\} 0$/m);
  });

  it('observes the pod start durations once per pod, from first seen and from creation', async () => {
    const m = new KubeletMetrics();
    m.podSeen('u1');
    m.podSeen('u1'); // a later update keeps the first time
    m.podStarted('u1', new Date(Date.now() - 3_000).toISOString());
    m.podStarted('u1', undefined); // Running again (a resync): not a second start
    m.podStarted('never-seen', undefined);
    assert.equal(m.podStartDuration.count(), 1);
    assert.equal(m.podStartTotalDuration.count(), 1);
    const text = m.registry.render();
    assert.match(text, /^kubelet_pod_start_duration_seconds_bucket\{le="0.5"\} 1$/m);
    assert.match(text, /^kubelet_pod_start_total_duration_seconds_bucket\{le="2"\} 0$/m);
    assert.match(text, /^kubelet_pod_start_total_duration_seconds_bucket\{le="4"\} 1$/m);
    m.podSeen('gone'); m.forgetPod('gone'); m.podStarted('gone', undefined);
    assert.equal(m.podStartDuration.count(), 1);
  });

  it('times each pod worker sync by operation_type: create first, update after a change, sync on resync', async () => {
    const m = new KubeletMetrics();
    const pw = new PodWorkers({ syncer: { syncPod: async () => ({}), syncTerminatingPod: async () => {}, syncTerminatedPod: async () => {} }, resyncMs: 60_000, observeSync: (op, s) => m.observePodWorker(op, s) });
    const pod = { metadata: { uid: 'u', name: 'p', namespace: 'default' }, spec: {} };
    pw.updatePod(pod, 'create'); await pw.waitIdle();
    pw.updatePod(pod, 'update'); await pw.waitIdle();
    pw.updatePod(pod, 'sync'); await pw.waitIdle();
    pw.stop();
    for (const op of ['create', 'update', 'sync']) assert.equal(m.podWorkerDuration.count({ operation_type: op }), 1, op);
    assert.match(m.registry.render(), /^kubelet_pod_worker_duration_seconds_bucket\{operation_type="create",le="0.005"\} 1$/m);
  });

  it('the kubelet server serves /metrics in the Prometheus text format to a client certificate', async () => {
    const ca = await createCA('metrics-test-ca');
    const serving = await issueCert(ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'server', ipAddresses: ['127.0.0.1'] });
    const client = await issueCert(ca, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' });
    const m = new KubeletMetrics();
    const rt = fakeRuntime([sandbox('s1', 'SANDBOX_READY')], []);
    const host: any = { runtime: rt, getPodByName: () => undefined, containerFor: async () => undefined, sandboxFor: async () => undefined, renderMetrics: () => m.render(rt) };
    const srv = new KubeletServer({ host, address: '127.0.0.1', port: 0, certPem: serving.certPem, keyPem: serving.keyPem, clientCAPem: ca.certPem });
    const port = await srv.start();
    try {
      const get = () => new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/metrics', ca: ca.certPem, cert: client.certPem, key: client.keyPem }, (res) => {
          let body = ''; res.setEncoding('utf8'); res.on('data', (d) => { body += d; }); res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
        });
        req.on('error', reject); req.end();
      });
      const r = await get();
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/plain; version=0\.0\.4/);
      assert.match(r.body, /^kubelet_running_pods 1$/m);
      assert.match(r.body, /^# TYPE kubelet_pod_start_duration_seconds histogram$/m);
      assert.match(r.body, /^process_start_time_seconds /m);
    } finally { await srv.stop(); }
  });
});
