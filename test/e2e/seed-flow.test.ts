/**
 * End-to-end: the seed's request flow on a default `skiff server` with simulated nodes, driven by
 * the real kubectl: `kubectl apply` of the doctor-backend Deployment gives one ReplicaSet and three
 * pods bound to nodes and Running, with the events `kubectl describe` shows at each step; a rolling
 * update from v1 to v2 never breaks maxSurge/maxUnavailable (checked at every pod change seen on a
 * watch), and `kubectl rollout undo` brings v1 back.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectlOk, kubectlVersions } from '../support/kubectl.js';
import { until } from '../support/controllers.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { configFromKubeconfig } from '../../src/client/transport.js';

const KUBECTL = kubectlVersions().at(-1)!.path;

const DOCTOR_BACKEND = (image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: doctor-backend
  namespace: doctor-app
spec:
  replicas: 3
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  selector:
    matchLabels: {app: doctor-backend}
  template:
    metadata:
      labels: {app: doctor-backend}
    spec:
      containers:
      - name: backend
        image: ${image}
        ports: [{containerPort: 8080}]
        resources:
          requests: {cpu: 500m, memory: 512Mi}
        readinessProbe:
          httpGet: {path: /healthz, port: 8080}
          initialDelaySeconds: 1
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            preference:
              matchExpressions:
              - {key: workload-type, operator: In, values: [backend]}
`;

describe('the seed\'s flow: kubectl apply -> Deployment -> ReplicaSet -> Pods -> scheduled -> Running', () => {
  let srv: SkiffServer;
  let cs: Clientset;
  const k = (args: string[], input?: string) => kubectlOk(KUBECTL, srv.kubeconfig, args, input);
  before(async () => {
    srv = await startSkiffServer({ args: ['--simulated-nodes', '3'] });
    cs = newClientset(configFromKubeconfig(srv.kubeconfig));
    await until(async () => (await cs.nodes.list()).items.length === 3, 'three simulated nodes');
    await k(['label', 'node', 'sim-1', 'workload-type=backend']);
    await k(['create', 'namespace', 'doctor-app']);
  });
  after(async () => { cs?.close(); await srv?.stop(); });

  it('apply gives one ReplicaSet and three Running pods bound to nodes, with the events of each step', async () => {
    await k(['apply', '-f', '-'], DOCTOR_BACKEND('doctor-backend:v1'));
    await k(['rollout', 'status', 'deployment/doctor-backend', '-n', 'doctor-app', '--timeout', '60s']);
    const rs = (await cs.replicasets.list('doctor-app')).items;
    assert.equal(rs.length, 1);
    assert.equal(rs[0].metadata.ownerReferences[0].name, 'doctor-backend');
    const pods = (await cs.pods.list('doctor-app')).items;
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.ok(p.spec.nodeName?.startsWith('sim-'), `${p.metadata.name} is bound`);
      assert.equal(p.status.phase, 'Running');
      assert.equal(p.metadata.ownerReferences[0].name, rs[0].metadata.name);
    }
    // The preferred node affinity (weight 100) draws the pods to the labelled node while they fit there.
    assert.ok(pods.some((p: any) => p.spec.nodeName === 'sim-1'), 'a pod landed on the workload-type=backend node');
    const dep = await k(['describe', 'deployment', 'doctor-backend', '-n', 'doctor-app']);
    assert.match(dep, /ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set doctor-backend-\w+ from 0 to 3/);
    const rsText = await k(['describe', 'replicaset', rs[0].metadata.name, '-n', 'doctor-app']);
    assert.match(rsText, /SuccessfulCreate\s+\S+\s+replicaset-controller\s+Created pod: doctor-backend-/);
    const podText = await k(['describe', 'pod', pods[0].metadata.name, '-n', 'doctor-app']);
    assert.match(podText, new RegExp(`Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned doctor-app/${pods[0].metadata.name} to sim-`));
  });

  it('a rolling update v1 -> v2 respects maxSurge 1 / maxUnavailable 0 at every moment, and rollout undo brings v1 back', async () => {
    const replicas = 3, maxSurge = 1, maxUnavailable = 0;
    const violations: string[] = [];
    const pods = new Map<string, any>();
    const rv = (await cs.pods.list('doctor-app')).metadata.resourceVersion;
    const ready = (p: any) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
    const w = cs.pods.watch('doctor-app', { resourceVersion: rv }, (ev) => {
      if (ev.type === 'DELETED') pods.delete(ev.object.metadata.name); else pods.set(ev.object.metadata.name, ev.object);
      const live = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp);
      const available = live.filter(ready).length;
      if (live.length > replicas + maxSurge) violations.push(`${live.length} pods > ${replicas + maxSurge}`);
      if (available < replicas - maxUnavailable) violations.push(`${available} available < ${replicas - maxUnavailable}`);
    }, () => {});
    for (const p of (await cs.pods.list('doctor-app')).items) pods.set(p.metadata.name, p);
    try {
      await k(['set', 'image', 'deployment/doctor-backend', '-n', 'doctor-app', 'backend=doctor-backend:v2']);
      await k(['rollout', 'status', 'deployment/doctor-backend', '-n', 'doctor-app', '--timeout', '60s']);
      const images = async () => (await cs.pods.list('doctor-app')).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.spec.containers[0].image);
      await until(async () => { const i = await images(); return i.length === 3 && i.every((x: string) => x === 'doctor-backend:v2'); }, 'three v2 pods');
      const history = await k(['rollout', 'history', 'deployment/doctor-backend', '-n', 'doctor-app']);
      assert.match(history, /^1\s/m);
      assert.match(history, /^2\s/m);
      await k(['rollout', 'undo', 'deployment/doctor-backend', '-n', 'doctor-app']);
      await k(['rollout', 'status', 'deployment/doctor-backend', '-n', 'doctor-app', '--timeout', '60s']);
      await until(async () => { const i = await images(); return i.length === 3 && i.every((x: string) => x === 'doctor-backend:v1'); }, 'three v1 pods again');
      const sets = (await cs.replicasets.list('doctor-app')).items;
      assert.equal(sets.length, 2, 'the undo reused the v1 ReplicaSet');
      const v1 = sets.find((s: any) => s.spec.template.spec.containers[0].image === 'doctor-backend:v1');
      assert.equal(v1.metadata.annotations['deployment.kubernetes.io/revision'], '3');
    } finally { w.stop(); }
    assert.deepEqual(violations, []);
  });
});
