/**
 * End-to-end: the real kubectl (1.27, 1.33, and the dispatcher's 1.32) against a real `skiff server`
 * process on the embedded SQLite default. Each kubectl version works in its own namespace.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectlVersions, kubectl, kubectlOk } from '../support/kubectl.js';

const FIX = 'test/fixtures';
const versions = kubectlVersions();
const nsYaml = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

describe('kubectl against skiff', { skip: versions.length === 0 ? 'no kubectl installed' : false }, () => {
  let srv: SkiffServer;
  before(async () => { srv = await startSkiffServer(); });
  after(async () => { await srv?.stop(); });

  for (const v of versions) {
    describe(`kubectl ${v.name}`, () => {
      const ns = `k-${v.name.replace(/[^0-9]/g, '')}`;
      const k = (args: string[], input?: string) => kubectlOk(v.path, srv.kubeconfig, args, input);
      const kr = (args: string[], input?: string) => kubectl(v.path, srv.kubeconfig, args, input);

      it('discovers the API: version, api-resources, api-versions', async () => {
        const ver = await k(['version', '-o', 'json']);
        assert.equal(JSON.parse(ver).serverVersion.minor, '32');
        const res = await k(['api-resources']);
        assert.match(res, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
        assert.match(res, /pods\s+po\s+v1\s+true\s+Pod/);
        const gv = await k(['api-versions']);
        for (const g of ['apps/v1', 'batch/v1', 'rbac.authorization.k8s.io/v1', 'v1']) assert.ok(gv.split('\n').includes(g), `api-versions lacks ${g}`);
      });

      it('applies a namespace (JSON body)', async () => {
        assert.match(await k(['apply', '-f', '-'], nsYaml(ns)), new RegExp(`namespace/${ns} created`));
      });

      // kubectl 1.30+ sends `kubectl create <kind>` bodies as Kubernetes protobuf; 1.27 sends JSON.
      it('creates with kubectl create, gets (Table columns), describes and deletes', async () => {
        await k(['create', 'namespace', `${ns}-c`]);
        await k(['delete', 'namespace', `${ns}-c`]);
        await k(['-n', ns, 'create', 'configmap', 'settings', '--from-literal=a=1', '--from-literal=b=2']);
        const table = await k(['-n', ns, 'get', 'configmap', 'settings']);
        assert.match(table, /^NAME\s+DATA\s+AGE\n/);
        assert.match(table, /settings\s+2\s+\d+s/);
        const obj = JSON.parse(await k(['-n', ns, 'get', 'cm', 'settings', '-o', 'json']));
        assert.equal(obj.data.b, '2');
        assert.ok(Number(obj.metadata.resourceVersion) > 0);
        const desc = await k(['-n', ns, 'describe', 'configmap', 'settings']);
        assert.match(desc, /Name:\s+settings/);
        const dup = await kr(['-n', ns, 'create', 'configmap', 'settings']);
        assert.notEqual(dup.code, 0);
        assert.match(dup.stderr, /AlreadyExists|already exists/);
        await k(['-n', ns, 'delete', 'configmap', 'settings']);
        const gone = await kr(['-n', ns, 'get', 'configmap', 'settings']);
        assert.match(gone.stderr, /NotFound|not found/);
      });

      it('applies the seed Deployment client-side, then re-applies a change', async () => {
        const dep = readFileSync(`${FIX}/seed-3.yaml`, 'utf8').replace('namespace: doctor-app', `namespace: ${ns}`);
        assert.match(await k(['apply', '-f', '-'], dep), /deployment.apps\/doctor-backend created/);
        const table = await k(['-n', ns, 'get', 'deployments']);
        assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
        assert.match(await k(['apply', '-f', '-'], dep.replace('replicas: 3', 'replicas: 4')), /configured/);
        const obj = JSON.parse(await k(['-n', ns, 'get', 'deploy', 'doctor-backend', '-o', 'json']));
        assert.equal(obj.spec.replicas, 4);
        assert.equal(obj.metadata.generation, 2);
        assert.ok(obj.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
        assert.match(await k(['apply', '-f', '-'], dep.replace('replicas: 3', 'replicas: 4')), /unchanged/);
      });

      it('server-side apply: re-applying with a field removed removes it', async () => {
        const cm = (extra: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: ${ns}\ndata:\n  keep: "1"\n${extra}`;
        assert.match(await k(['apply', '--server-side', '-f', '-'], cm('  drop: "2"\n')), /serverside-applied/);
        let obj = JSON.parse(await k(['-n', ns, 'get', 'cm', 'ssa', '-o', 'json', '--show-managed-fields']));
        assert.deepEqual(obj.data, { keep: '1', drop: '2' });
        assert.ok(obj.metadata.managedFields.some((m: any) => m.manager === 'kubectl' && m.operation === 'Apply'));
        await k(['apply', '--server-side', '-f', '-'], cm(''));
        obj = JSON.parse(await k(['-n', ns, 'get', 'cm', 'ssa', '-o', 'json']));
        assert.deepEqual(obj.data, { keep: '1' });
      });

      it('patches with merge, json and strategic patches', async () => {
        await k(['-n', ns, 'patch', 'deploy', 'doctor-backend', '--type=merge', '-p', '{"spec":{"replicas":2}}']);
        await k(['-n', ns, 'patch', 'deploy', 'doctor-backend', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels","value":{"tier":"api"}}]']);
        await k(['-n', ns, 'patch', 'deploy', 'doctor-backend', '--type=strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}']);
        const obj = JSON.parse(await k(['-n', ns, 'get', 'deploy', 'doctor-backend', '-o', 'json']));
        assert.equal(obj.spec.replicas, 2);
        assert.equal(obj.metadata.labels.tier, 'api');
        assert.deepEqual(obj.spec.template.spec.containers.map((c: any) => c.name).sort(), ['backend', 'sidecar']);
      });

      it('labels, annotates and scales', async () => {
        await k(['-n', ns, 'label', 'deploy', 'doctor-backend', 'team=doctors']);
        await k(['-n', ns, 'annotate', 'deploy', 'doctor-backend', 'owner=alice']);
        assert.match(await k(['-n', ns, 'scale', 'deploy', 'doctor-backend', '--replicas=5']), /scaled/);
        const obj = JSON.parse(await k(['-n', ns, 'get', 'deploy', 'doctor-backend', '-o', 'json']));
        assert.equal(obj.metadata.labels.team, 'doctors');
        assert.equal(obj.metadata.annotations.owner, 'alice');
        assert.equal(obj.spec.replicas, 5);
        const sel = await k(['-n', ns, 'get', 'deploy', '-l', 'team=doctors', '-o', 'name']);
        assert.equal(sel.trim(), 'deployment.apps/doctor-backend');
        assert.equal((await k(['-n', ns, 'get', 'deploy', '-l', 'team!=doctors', '-o', 'name'])).trim(), '');
      });

      it('watches with get -w', async () => {
        const p = spawn(v.path, ['--kubeconfig', srv.kubeconfig, '-n', ns, 'get', 'configmaps', '-w', '--no-headers'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (b) => (out += b));
        try {
          const deadline = Date.now() + 20_000;
          // The watch lists first; create once it is running, until the new object shows up.
          let n = 0;
          while (!/watched-\d/.test(out)) {
            if (Date.now() > deadline) throw new Error(`get -w never showed the new object: ${out}`);
            await k(['apply', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched-${n++}\n  namespace: ${ns}\n`);
            await new Promise((r) => setTimeout(r, 300));
          }
        } finally { p.kill('SIGKILL'); }
      });

      it('waits for a condition', async () => {
        await k(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata:\n  name: waiter\n  namespace: ${ns}\nspec:\n  containers:\n  - name: c\n    image: busybox\n`);
        const w = spawn(v.path, ['--kubeconfig', srv.kubeconfig, '-n', ns, 'wait', '--for=condition=Ready', 'pod/waiter', '--timeout=30s'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        w.stdout.on('data', (b) => (out += b));
        const done = new Promise<number>((r) => w.on('close', (c) => r(c ?? -1)));
        await new Promise((r) => setTimeout(r, 500));
        await k(['-n', ns, 'patch', 'pod', 'waiter', '--subresource=status', '--type=merge', '-p', '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}']);
        assert.equal(await done, 0, out);
        assert.match(out, /condition met/);
      });

      it('explains fields from OpenAPI', async () => {
        const out = await k(['explain', 'deployment.spec.replicas']);
        assert.match(out, /KIND:\s+Deployment/);
        assert.match(out, /replicas/);
      });

      it('reads /metrics with get --raw', async () => {
        const out = await k(['get', '--raw', '/metrics']);
        assert.match(out, /apiserver_request_total\{/);
        assert.match(out, /apiserver_request_duration_seconds_bucket\{/);
      });

      it('refuses bad input with Kubernetes Status errors', async () => {
        const bad = await kr(['apply', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  namespace: ${ns}\n`);
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /Invalid value: "Bad_Name"/);
        const unknown = await kr(['apply', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\n  namespace: ${ns}\nbogus: 1\n`);
        assert.notEqual(unknown.code, 0);
        assert.match(unknown.stderr, /unknown field "bogus"/);
        const missingNs = await kr(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: no-such-namespace\n');
        assert.match(missingNs.stderr, /namespaces "no-such-namespace" not found/);
      });
    });
  }

  it('applies every manifest in the seed', async () => {
    const v = versions[versions.length - 1];
    await kubectlOk(v.path, srv.kubeconfig, ['apply', '-f', '-'], nsYaml('doctor-app'));
    for (const n of [1, 2]) {
      await kubectlOk(v.path, srv.kubeconfig, ['apply', '-f', '-'], nsYaml(`seed-${n}`));
      await kubectlOk(v.path, srv.kubeconfig, ['apply', '-n', `seed-${n}`, '-f', `${FIX}/seed-${n}.yaml`]);
    }
    for (const n of [3, 4, 5, 6, 7, 8, 9]) await kubectlOk(v.path, srv.kubeconfig, ['apply', '-f', `${FIX}/seed-${n}.yaml`]);
    const svc = JSON.parse(await kubectlOk(v.path, srv.kubeconfig, ['-n', 'doctor-app', 'get', 'svc', 'postgres', '-o', 'json']));
    assert.equal(svc.spec.type, 'ExternalName');
    assert.equal(svc.spec.externalName, 'postgres.us-central1.sql.gcp.cloud.google.com');
    const backend = JSON.parse(await kubectlOk(v.path, srv.kubeconfig, ['-n', 'doctor-app', 'get', 'svc', 'doctor-backend', '-o', 'json']));
    assert.match(backend.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\./);
  });
});
