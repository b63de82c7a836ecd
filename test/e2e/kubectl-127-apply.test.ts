/**
 * End-to-end: kubectl 1.27 reads OpenAPI v2 only as the gnostic protobuf (`/openapi/v2` with
 * `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`). Against a real skiff server:
 * the protobuf document itself, then `apply` (create, configured, unchanged) and `explain`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:https';
import { parse } from 'yaml';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectl, kubectlOk } from '../support/kubectl.js';
import { first, all, str, namedMap } from '../../src/apiserver/endpoints/openapi-proto/reader.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';
const PB = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: default
data:
  mode: fast
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
`;

interface Got { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

function get(srv: SkiffServer, path: string, headers: Record<string, string>): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, srv.url), { ...srv.tls, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** NamedAny list -> name -> parsed YAML value. */
function extensions(msg: Buffer, field: number): Map<string, any> {
  const out = new Map<string, any>();
  for (const [k, any] of namedMap(msg, field)) out.set(k, parse(str(any, 2) ?? ''));
  return out;
}

describe('kubectl 1.27 apply with the OpenAPI v2 protobuf', { skip: existsSync(KUBECTL) ? false : 'kubectl 1.27 not installed' }, () => {
  let srv: SkiffServer;
  const k = (args: string[], input?: string) => kubectlOk(KUBECTL, srv.kubeconfig, args, input);
  before(async () => { srv = await startSkiffServer(); });
  after(async () => { await srv?.stop(); });

  it('serves /openapi/v2 as a gnostic Document, with the JSON document\'s ETag', async () => {
    const r = await get(srv, '/openapi/v2', { Accept: PB });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    assert.equal(str(r.body, 1), '2.0');
    // the Deployment definition, found by its group-version-kind extension (field 31 of Schema)
    const defs = namedMap(first(r.body, 9)!, 1);
    const dep = [...defs.values()].find((s) => extensions(s, 31).get('x-kubernetes-group-version-kind')?.some?.((g: any) => g.group === 'apps' && g.kind === 'Deployment'));
    assert.ok(dep, 'a definition carries x-kubernetes-group-version-kind apps/v1 Deployment');
    assert.ok(namedMap(first(dep, 25)!, 1).has('spec'), 'Deployment has a spec property');
    // the PATCH of a Deployment takes fieldValidation (how kubectl learns of server-side validation)
    const item = namedMap(first(r.body, 8)!, 2).get('/apis/apps/v1/namespaces/{namespace}/deployments/{name}')!;
    const names = all(first(item, 8)!, 8).map((p) => {
      const param = first(p, 1)!;
      const nonBody = first(param, 2);
      return nonBody ? str(first(nonBody, 3) ?? first(nonBody, 4) ?? first(nonBody, 1)!, 4) : str(first(param, 1)!, 2);
    });
    assert.ok(names.includes('fieldValidation') && names.includes('body'), `patch parameters: ${names}`);

    const json = await get(srv, '/openapi/v2', {});
    assert.equal(json.headers['content-type'], 'application/json');
    assert.equal(JSON.parse(json.body.toString()).swagger, '2.0');
    assert.equal(json.headers.etag, r.headers.etag);
    const again = await get(srv, '/openapi/v2', { Accept: PB, 'If-None-Match': String(r.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal((await get(srv, '/openapi/v2', { Accept: 'application/xml' })).status, 406);
  });

  it('applies a ConfigMap: created, configured, unchanged', async () => {
    assert.match(await k(['apply', '-f', '-'], CONFIGMAP), /configmap\/settings created/);
    assert.match(await k(['apply', '-f', '-'], CONFIGMAP.replace('fast', 'slow')), /configmap\/settings configured/);
    assert.match(await k(['apply', '-f', '-'], CONFIGMAP.replace('fast', 'slow')), /configmap\/settings unchanged/);
    assert.equal(JSON.parse(await k(['get', 'configmap', 'settings', '-o', 'json'])).data.mode, 'slow');
  });

  it('applies a Deployment: created, configured (fetching the v2 protobuf), unchanged', async () => {
    assert.match(await k(['apply', '-f', '-'], DEPLOYMENT), /deployment.apps\/web created/);
    const changed = DEPLOYMENT.replace('replicas: 2', 'replicas: 3').replace('nginx:1.25', 'nginx:1.26');
    const r = await kubectl(KUBECTL, srv.kubeconfig, ['apply', '-f', '-', '-v=6'], changed);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment.apps\/web configured/);
    assert.match(r.stderr, /GET https:\/\/\S+\/openapi\/v2\S* 200 OK/, 'kubectl fetched the protobuf document');
    assert.match(r.stderr, /PATCH \S+deployments\/web\?\S*fieldValidation=Strict/, 'kubectl found fieldValidation in the document');
    assert.match(await k(['apply', '-f', '-'], changed), /deployment.apps\/web unchanged/);
    const dep = JSON.parse(await k(['get', 'deployment', 'web', '-o', 'json']));
    assert.equal(dep.spec.replicas, 3);
    assert.deepEqual(dep.spec.template.spec.containers.map((c: any) => [c.name, c.image]), [['nginx', 'nginx:1.26']]);
  });

  it('explains deployment.spec (OpenAPI v3, and v2 from the protobuf)', async () => {
    const v3 = await k(['explain', 'deployment.spec']);
    assert.match(v3, /KIND:\s+Deployment/);
    assert.match(v3, /template/);
    const v2 = await k(['explain', 'deployment.spec', '--output=plaintext-openapiv2']);
    assert.match(v2, /KIND:\s+Deployment/);
    assert.match(v2, /VERSION:\s+apps\/v1/);
    assert.match(v2, /template\s+<Object>/);
  });
});
