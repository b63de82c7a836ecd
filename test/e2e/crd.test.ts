/**
 * @module test/e2e/crd
 * End-to-end: a CustomResourceDefinition with a nested structural schema against a real `skiff
 * server`: served at once (discovery, printer columns, explain), validated (422 with field paths),
 * pruned, with status and scale subresources, and its objects deleted with it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { kubectlVersions, kubectl, kubectlOk } from '../support/kubectl.js';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }

const CRD = readFileSync('test/fixtures/crd-widgets.yaml', 'utf8');
const NS = 'crd-test';
const W = `/apis/skiff.example.com/v1/namespaces/${NS}/widgets`;
const versions = kubectlVersions();
const widget = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'skiff.example.com/v1', kind: 'Widget', metadata: { name }, spec, ...extra });

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('CustomResourceDefinitions against skiff', { skip: versions.length === 0 ? 'no kubectl installed' : false }, () => {
  let srv: SkiffServer;
  let agent: https.Agent;
  const bin = versions.at(-1)!.path; // the dispatcher (1.32) when present
  const k = (args: string[], input?: string) => kubectlOk(bin, srv.kubeconfig, args, input);
  const req = (method: string, path: string, body?: object, ct = 'application/json'): Promise<Reply> => new Promise((resolve, reject) => {
    const r = https.request(`${srv.url}${path}`, { method, agent, headers: { 'Content-Type': ct, Accept: 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => { let json: any; try { json = JSON.parse(text); } catch { /* not JSON */ } resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json }); });
    });
    r.on('error', reject);
    r.end(body === undefined ? undefined : JSON.stringify(body));
  });
  const ok = async (method: string, path: string, body?: object, ct?: string) => {
    const r = await req(method, path, body, ct);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} -> ${r.status}: ${r.text.slice(0, 500)}`);
    return r.json;
  };
  const causes = (r: Reply) => (r.json?.details?.causes ?? []).map((c: any) => c.field).sort();

  before(async () => {
    srv = await startSkiffServer();
    agent = new https.Agent({ ca: srv.tls.ca, cert: srv.tls.cert, key: srv.tls.key, keepAlive: true });
    await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => { agent?.destroy(); await srv?.stop(); });

  it('is served as soon as it is Established: discovery, get with printer columns', async () => {
    assert.match(await k(['apply', '-f', '-'], CRD), /customresourcedefinition.apiextensions.k8s.io\/widgets.skiff.example.com created/);
    await k(['wait', '--for=condition=Established', 'crd/widgets.skiff.example.com', '--timeout=15s']);
    const crd = JSON.parse(await k(['get', 'crd', 'widgets.skiff.example.com', '-o', 'json']));
    assert.equal(crd.status.acceptedNames.kind, 'Widget');
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    assert.match(await k(['api-resources', '--api-group=skiff.example.com']), /widgets\s+wdg\s+skiff.example.com\/v1\s+true\s+Widget/);
    await ok('POST', W, widget('first', { color: 'red', size: 3, replicas: 1 }));
    const table = await k(['-n', NS, 'get', 'widgets']);
    assert.match(table, /^NAME\s+COLOR\s+SIZE\s+PHASE\s+AGE\n/);
    assert.match(table, /first\s+red\s+3\s+\S*\s*\d+s/);
    assert.match(await k(['-n', NS, 'get', 'wdg', 'first', '-o', 'name']), /^widget.skiff.example.com\/first$/m);
  });

  it('refuses invalid objects with 422 naming each field', async () => {
    const cases: [Record<string, unknown>, string[], RegExp][] = [
      [{ color: 'purple', size: 0 }, ['spec.color', 'spec.size'], /spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1/],
      [{ size: 2 }, ['spec.color'], /spec.color: Required value/],
      [{ color: 'blue', size: 'big' }, ['spec.size'], /spec.size: Invalid value: "string": spec.size in body must be of type integer/],
      [{ color: 'blue', size: 1, parts: [{ count: -1 }] }, ['spec.parts[0].count', 'spec.parts[0].name'], /spec.parts\[0\].name: Required value/],
      [{ color: 'blue', size: 1, nested: { inner: { depth: 11 } } }, ['spec.nested.inner.depth'], /spec.nested.inner.depth in body should be less than or equal to 10/],
    ];
    const prefixes: string[] = [];
    for (const [spec, fields, msg] of cases) {
      const r = await req('POST', W, widget('bad', spec));
      assert.equal(r.status, 422, `${JSON.stringify(spec)} -> ${r.status}: ${r.text.slice(0, 300)}`);
      assert.equal(r.json.reason, 'Invalid');
      prefixes.push(r.json.message.slice(0, r.json.message.indexOf(' is invalid')));
      assert.match(r.json.message, msg);
      assert.deepEqual(causes(r), fields, r.json.message);
      assert.equal(r.json.details.kind, 'Widget');
      assert.equal(r.json.details.group, 'skiff.example.com');
    }
    const enumMsg = (await req('POST', W, widget('bad', { color: 'purple', size: 1 }))).json.message;
    assert.match(enumMsg, /spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"/);
    assert.equal((await req('GET', `${W}/bad`)).status, 404);
    // Kubernetes names the kind with its group (GroupKind.String()) in Invalid messages.
    assert.deepEqual([...new Set(prefixes)], ['Widget.skiff.example.com "bad"']);
  });

  it('validates updates and patches as well as creates', async () => {
    const good = await ok('POST', W, widget('upd', { color: 'red', size: 1 }));
    const put = await req('PUT', `${W}/upd`, { ...good, spec: { color: 'purple', size: 0 } });
    assert.equal(put.status, 422, `PUT of an invalid spec -> ${put.status}`);
    assert.deepEqual(causes(put), ['spec.color', 'spec.size']);
    const patch = await req('PATCH', `${W}/upd`, { spec: { size: 'huge' } }, 'application/merge-patch+json');
    assert.equal(patch.status, 422, `merge PATCH of an invalid spec -> ${patch.status}`);
    assert.deepEqual((await ok('GET', `${W}/upd`)).spec, { color: 'red', size: 1 }, 'a refused update must leave the object as it was');
  });

  it('prunes unknown fields, keeps preserve-unknown-fields subtrees, refuses them under Strict', async () => {
    const body = widget('pruned', { color: 'green', size: 2, bogus: 'x', nested: { level: 'l', extra: 1 }, config: { anything: { goes: [1, 'two'] } } }, { topLevel: true });
    const r = await req('POST', W, body);
    assert.equal(r.status, 201, r.text);
    const got = await ok('GET', `${W}/pruned`);
    assert.equal(got.spec.bogus, undefined);
    assert.equal(got.topLevel, undefined);
    assert.deepEqual(got.spec.nested, { level: 'l' });
    assert.deepEqual(got.spec.config, { anything: { goes: [1, 'two'] } });
    const warn = ([] as string[]).concat(r.headers['warning'] ?? []).join('\n');
    assert.match(warn, /unknown field \\"spec.bogus\\"/);
    const strict = await req('POST', `${W}?fieldValidation=Strict`, widget('strict', { color: 'green', size: 2, bogus: 'x', config: { free: 1 } }));
    assert.equal(strict.status, 400, strict.text);
    assert.equal(strict.json.reason, 'BadRequest');
    assert.match(strict.json.message, /strict decoding error: unknown field "spec.bogus"/);
    assert.doesNotMatch(strict.json.message, /spec.config.free/, 'preserve-unknown-fields subtrees are not unknown');
    assert.equal((await req('GET', `${W}/strict`)).status, 404);
  });

  it('the status subresource ignores spec changes and the main resource ignores status changes', async () => {
    const w = await ok('POST', W, widget('sub', { color: 'red', size: 1, replicas: 1 }));
    assert.equal(w.metadata.generation, 1);
    const s = await ok('PUT', `${W}/sub/status`, { ...w, spec: { color: 'blue', size: 9 }, status: { phase: 'Ready', replicas: 1 } });
    assert.deepEqual(s.status, { phase: 'Ready', replicas: 1 });
    assert.equal(s.spec.color, 'red');
    assert.equal(s.metadata.generation, 1, 'a status write does not bump generation');
    const m = await ok('PUT', `${W}/sub`, { ...s, spec: { ...s.spec, color: 'green' }, status: { phase: 'Hacked' } });
    assert.equal(m.spec.color, 'green');
    assert.deepEqual(m.status, { phase: 'Ready', replicas: 1 });
    assert.equal(m.metadata.generation, 2);
    const p = await ok('PATCH', `${W}/sub/status`, { spec: { size: 7 }, status: { phase: 'Patched' } }, 'application/merge-patch+json');
    assert.equal(p.spec.size, 1);
    assert.equal(p.status.phase, 'Patched');
    const bad = await req('PUT', `${W}/sub/status`, { ...p, status: { replicas: 'many' } });
    assert.equal(bad.status, 422, 'status is validated against the schema too');
    assert.match(await k(['-n', NS, 'get', 'widgets', 'sub']), /sub\s+green\s+1\s+Patched/);
  });

  it('create drops status when the status subresource is on', async () => {
    const w = await ok('POST', W, widget('born-with-status', { color: 'red', size: 1 }, { status: { phase: 'Dropped' } }));
    assert.equal(w.status, undefined, `create kept status ${JSON.stringify(w.status)}`);
    assert.equal((await ok('GET', `${W}/born-with-status`)).status, undefined);
  });

  it('kubectl scale works through the scale subresource', async () => {
    await ok('PATCH', `${W}/sub/status`, { status: { replicas: 1, selector: 'app=sub' } }, 'application/merge-patch+json');
    assert.match(await k(['-n', NS, 'scale', 'widget', 'sub', '--replicas=4']), /widget.skiff.example.com\/sub scaled/);
    const sc = await ok('GET', `${W}/sub/scale`);
    assert.equal(sc.kind, 'Scale');
    assert.equal(sc.apiVersion, 'autoscaling/v1');
    assert.deepEqual(sc.spec, { replicas: 4 });
    assert.deepEqual(sc.status, { replicas: 1, selector: 'app=sub' });
    assert.equal((await ok('GET', `${W}/sub`)).spec.replicas, 4);
    const neg = await req('PUT', `${W}/sub/scale`, { ...sc, spec: { replicas: -1 } });
    assert.equal(neg.status, 422);
    assert.equal((await req('GET', `/apis/skiff.example.com/v1/namespaces/${NS}/widgets/first/scale`)).json.spec.replicas, 1);
  });

  it('kubectl explain describes the schema', async () => {
    const out = await k(['explain', 'widgets.spec']);
    assert.match(out, /KIND:\s+Widget/);
    assert.match(out, /VERSION:\s+v1/);
    assert.match(out, /WidgetSpec is the desired state of a Widget/);
    assert.match(out, /color\s+<string>\s+-required-/);
    assert.match(out, /size\s+<integer>\s+-required-/);
    assert.match(out, /nested\s+<Object>/);
    assert.match(await k(['explain', 'widget.spec.size']), /How big the widget is/);
  });

  it('deleting the CRD deletes its objects and stops serving it', async () => {
    assert.ok((await ok('GET', W)).items.length >= 3);
    await k(['delete', 'crd', 'widgets.skiff.example.com', '--timeout=20s']);
    await until(async () => (await req('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.skiff.example.com')).status === 404, 'the CRD to go');
    assert.equal((await req('GET', W)).status, 404);
    const api = await kubectl(bin, srv.kubeconfig, ['api-resources', '--api-group=skiff.example.com']);
    assert.doesNotMatch(api.stdout, /widgets/);
    // Re-creating the CRD must not bring the old objects back.
    await k(['apply', '-f', '-'], CRD);
    await k(['wait', '--for=condition=Established', 'crd/widgets.skiff.example.com', '--timeout=15s']);
    const list = await until(async () => { const r = await req('GET', W); return r.status === 200 && r.json; }, 'the re-created CRD to be served');
    assert.deepEqual(list.items, []);
  });
});
