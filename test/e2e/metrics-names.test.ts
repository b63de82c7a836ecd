/**
 * End-to-end: `skiff server` runs the controller manager and the scheduler in the API server's
 * process, so its `/metrics` shows their metrics under Kubernetes' names beside the API server's:
 * after a Deployment's pod is scheduled onto a simulated node, workqueue_depth{name="deployment"}
 * and scheduler_schedule_attempts_total{result="scheduled",profile="default-scheduler"} are there.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { until } from '../support/controllers.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { configFromKubeconfig } from '../../src/client/transport.js';

function getMetrics(srv: SkiffServer): Promise<string> {
  const u = new URL('/metrics', srv.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, ca: srv.tls.ca, cert: srv.tls.cert, key: srv.tls.key }, (res) => {
      let body = ''; res.setEncoding('utf8'); res.on('data', (d) => { body += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject); req.end();
  });
}

/** The value of the sample `series` (name plus labels exactly as rendered), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('skiff server /metrics: controller manager and scheduler metrics', () => {
  let srv: SkiffServer;
  let cs: Clientset;
  before(async () => {
    srv = await startSkiffServer({ args: ['--simulated-nodes', '1'] });
    cs = newClientset(configFromKubeconfig(srv.kubeconfig));
    await until(async () => (await cs.nodes.list()).items.length === 1, 'one simulated node');
  });
  after(async () => { cs?.close(); await srv?.stop(); });

  it('shows workqueue_* for the deployment controller and scheduler_* after a pod is scheduled', async () => {
    await cs.deployments.create('default', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } } },
    });
    await until(async () => (await cs.pods.list('default')).items.some((p: any) => p.metadata.labels?.app === 'web' && p.spec.nodeName), 'the pod bound to a node', 30_000);
    const text = await until(async () => {
      const t = await getMetrics(srv);
      return (sample(t, 'scheduler_schedule_attempts_total{result="scheduled",profile="default-scheduler"}') ?? 0) >= 1 ? t : undefined;
    }, 'a scheduled attempt counted');
    assert.equal(sample(text, 'workqueue_depth{name="deployment"}') !== undefined, true, 'workqueue_depth{name="deployment"}');
    assert.ok((sample(text, 'workqueue_adds_total{name="deployment"}') ?? 0) >= 1, 'the deployment queue had adds');
    assert.ok((sample(text, 'workqueue_adds_total{name="replicaset"}') ?? 0) >= 1, 'the replicaset queue had adds');
    assert.match(text, /^workqueue_work_duration_seconds_count\{name="deployment"\} [1-9]\d*$/m);
    assert.match(text, /^scheduler_scheduling_attempt_duration_seconds_count\{result="scheduled",profile="default-scheduler"\} [1-9]\d*$/m);
    assert.match(text, /^scheduler_pending_pods\{queue="active"\} \d+$/m);
    assert.match(text, /^scheduler_pod_scheduling_sli_duration_seconds_count\{attempts="1"\} [1-9]\d*$/m);
    // The API server's own metrics are still there, each family once.
    assert.match(text, /^apiserver_request_total\{/m);
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    assert.equal(new Set(types).size, types.length, 'no metric family rendered twice');
  });
});
