/**
 * @module test/e2e/bad-input
 * End-to-end: a real `skiff server` refuses bad requests the way kube-apiserver does (400/409/413/422
 * Status bodies), leaves nothing half-written behind, and survives a seeded fuzz of mangled Pods.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }

/** One HTTPS request with the admin certificate; a JSON body is parsed when it is JSON. */
function call(srv: SkiffServer, agent: https.Agent, method: string, path: string, body?: string | Buffer | object, headers: Record<string, string> = {}): Promise<Reply> {
  const data = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const r = https.request(`${srv.url}${path}`, { method, agent, headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(data);
  });
}

/** A deterministic PRNG (mulberry32) so a failing fuzz case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NS = 'bad-input';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' }, ...extra });

function assertStatus(r: Reply, code: number, reason: string): void {
  assert.equal(r.status, code, `expected ${code} ${reason}, got ${r.status}: ${r.text.slice(0, 500)}`);
  assert.equal(r.json?.kind, 'Status', r.text.slice(0, 300));
  assert.equal(r.json.status, 'Failure');
  assert.equal(r.json.code, code);
  assert.equal(r.json.reason, reason, r.text.slice(0, 300));
}

describe('bad input against skiff', () => {
  let srv: SkiffServer;
  let agent: https.Agent;
  let log = '';
  const req = (method: string, path: string, body?: string | Buffer | object, headers?: Record<string, string>) => call(srv, agent, method, path, body, headers);
  /** After a refused write, the named ConfigMap must be exactly as before (or still absent). */
  const unchanged = async (name: string, before: any) => {
    const g = await req('GET', `${CM}/${name}`);
    if (before === null) { assert.equal(g.status, 404, `refused write left ${name} behind: ${g.text}`); return; }
    assert.equal(g.status, 200);
    assert.deepEqual(g.json, before);
  };

  before(async () => {
    srv = await startSkiffServer();
    srv.proc.stderr!.on('data', (b) => { log = (log + b).slice(-8000); });
    agent = new https.Agent({ ca: srv.tls.ca, cert: srv.tls.cert, key: srv.tls.key, keepAlive: true, maxSockets: 8 });
    const ns = await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    assert.equal(ns.status, 201, ns.text);
  });
  after(async () => { agent?.destroy(); await srv?.stop(); });

  it('refuses malformed JSON and YAML with 400 BadRequest', async () => {
    for (const body of ['{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"trunc"', '{not json}', '[1,2', '\u0000\u0001garbage']) {
      assertStatus(await req('POST', CM, body), 400, 'BadRequest');
    }
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-bad\n   namespace: [oops\ndata: {a: 1\n';
    assertStatus(await req('POST', CM, yaml, { 'Content-Type': 'application/yaml' }), 400, 'BadRequest');
    await unchanged('trunc', null);
    await unchanged('yaml-bad', null);
    // A well-formed YAML body is accepted, so the 400 above is about the syntax, not the media type.
    const ok = await req('POST', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-ok\ndata:\n  a: "1"\n', { 'Content-Type': 'application/yaml' });
    assert.equal(ok.status, 201, ok.text);
  });

  it('refuses a body whose kind or apiVersion does not match the URL with 400', async () => {
    assertStatus(await req('POST', CM, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kind-mismatch' } }), 400, 'BadRequest');
    assertStatus(await req('POST', CM, { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'gv-mismatch' } }), 400, 'BadRequest');
    assertStatus(await req('POST', CM, { ...cm('ns-mismatch'), metadata: { name: 'ns-mismatch', namespace: 'default' } }), 400, 'BadRequest');
    for (const n of ['kind-mismatch', 'gv-mismatch', 'ns-mismatch']) await unchanged(n, null);
  });

  it('refuses invalid names with 422 Invalid naming metadata.name', async () => {
    for (const name of ['Bad_Name', 'UPPER', '-leading', 'a..b', 'x'.repeat(254), 'has space']) {
      const r = await req('POST', CM, cm(name));
      assertStatus(r, 422, 'Invalid');
      assert.equal(r.json.details?.kind, 'ConfigMap');
      assert.ok(r.json.details?.causes?.some((c: any) => c.field === 'metadata.name'), `causes lack metadata.name for ${name.slice(0, 20)}: ${r.text.slice(0, 400)}`);
    }
    const r = await req('POST', CM, cm('Bad_Name'));
    assert.match(r.json.message, /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    const list = await req('GET', CM);
    assert.deepEqual(list.json.items.map((i: any) => i.metadata.name).filter((n: string) => n !== 'yaml-ok' && n !== 'kube-root-ca.crt'), []);
  });

  it('refuses a body over 1.5 MiB with 413', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge' }, spec: { containers: [{ name: 'c', image: 'busybox', args: ['x'.repeat(2 * 1024 * 1024)] }] } };
    const r = await req('POST', `/api/v1/namespaces/${NS}/pods`, pod);
    assertStatus(r, 413, 'RequestEntityTooLarge');
    assert.equal((await req('GET', `/api/v1/namespaces/${NS}/pods/huge`)).status, 404);
  });

  it('honours fieldValidation: Strict refuses unknown and duplicate fields, Warn creates and warns', async () => {
    const strict = await req('POST', `${CM}?fieldValidation=Strict`, { ...cm('strict-unknown'), bogus: 1 });
    assertStatus(strict, 400, 'BadRequest');
    assert.match(strict.json.message, /strict decoding error: .*unknown field "bogus"/);
    await unchanged('strict-unknown', null);

    const dup = await req('POST', `${CM}?fieldValidation=Strict`, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"strict-dup"},"data":{"a":"1"},"data":{"b":"2"}}');
    assertStatus(dup, 400, 'BadRequest');
    assert.match(dup.json.message, /strict decoding error: .*duplicate field "data"/);
    await unchanged('strict-dup', null);

    const warn = await req('POST', `${CM}?fieldValidation=Warn`, { ...cm('warn-unknown'), bogus: 1 });
    assert.equal(warn.status, 201, warn.text);
    const w = ([] as string[]).concat(warn.headers['warning'] ?? []).join('\n');
    assert.match(w, /^299 - "unknown field \\"bogus\\""/m);
    assert.equal(warn.json.bogus, undefined, 'the unknown field must be dropped');
    const got = await req('GET', `${CM}/warn-unknown`);
    assert.equal(got.json.bogus, undefined);
    assert.deepEqual(got.json.data, { a: '1' });
  });

  it('refuses a PUT with a stale resourceVersion with 409 Conflict', async () => {
    const c = await req('POST', CM, cm('stale'));
    assert.equal(c.status, 201, c.text);
    const staleRv = c.json.metadata.resourceVersion;
    const u = await req('PUT', `${CM}/stale`, { ...c.json, data: { a: '2' } });
    assert.equal(u.status, 200, u.text);
    const r = await req('PUT', `${CM}/stale`, { ...c.json, metadata: { ...c.json.metadata, resourceVersion: staleRv }, data: { a: '3' } });
    assertStatus(r, 409, 'Conflict');
    assert.equal(r.json.message, 'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again');
    assert.deepEqual(r.json.details, { name: 'stale', kind: 'configmaps' });
    await unchanged('stale', u.json);
  });

  it('refuses changes to an immutable ConfigMap with 422', async () => {
    const c = await req('POST', CM, cm('frozen', { immutable: true }));
    assert.equal(c.status, 201, c.text);
    const r = await req('PUT', `${CM}/frozen`, { ...c.json, data: { a: 'changed' } });
    assertStatus(r, 422, 'Invalid');
    assert.match(r.json.message, /^ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set/);
    assert.ok(r.json.details.causes.some((x: any) => x.field === 'data'));
    const p = await req('PATCH', `${CM}/frozen`, { immutable: false }, { 'Content-Type': 'application/merge-patch+json' });
    assertStatus(p, 422, 'Invalid');
    await unchanged('frozen', c.json);
  });

  it('warns about an unknown field with a non-ASCII name over HTTP/1.1 without failing the write', async () => {
    const r = await req('POST', CM, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"emoji-key"},"\u{1F4A5}":1}');
    assert.equal(r.status, 201, r.text.slice(0, 300));
    assert.ok(r.headers['warning'], 'a Warning header names the unknown field');
  });

  it('refuses 10,000-deep nesting in a typed field with 400, not 500', async () => {
    const d = 10_000;
    const body = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"deep"},"spec":{"containers":[{"name":"c","image":"i"}],"nodeSelector":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}}`;
    const r = await req('POST', `/api/v1/namespaces/${NS}/pods`, body);
    assertStatus(r, 400, 'BadRequest');
    assert.equal((await req('GET', `/api/v1/namespaces/${NS}/pods/deep`)).status, 404);
  });

  it('survives 300 seeded random mutations of a Pod without a 5xx', async () => {
    const seed = 20261128;
    const rnd = prng(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const basePod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fuzz', labels: { app: 'fuzz' }, annotations: { note: 'x' } },
      spec: { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'sleep 1'], ports: [{ containerPort: 80, protocol: 'TCP' }],
        env: [{ name: 'A', value: 'b' }], resources: { limits: { cpu: '100m', memory: '64Mi' } } }], restartPolicy: 'Always', nodeSelector: { disk: 'ssd' } } });
    const paths = (o: any, pre: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] => {
      if (o && typeof o === 'object') for (const k of Object.keys(o)) { const p = [...pre, Array.isArray(o) ? Number(k) : k]; out.push(p); paths(o[k as any], p, out); }
      return out;
    };
    const weird = (): unknown => pick<unknown>([null, true, 0, -1, 1e308, 2 ** 53 + 1, 1.5, '', 'x'.repeat(300), '\u0000', '💥', [], [null], {}, { '': 1 }, { $ref: '#' }, 'Always', '100000000000000000000Ei']);
    const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
    const codes = new Map<number, number>();
    const fails: string[] = [];
    for (let i = 0; i < 300; i++) {
      const pod: any = basePod();
      pod.metadata.name = `fuzz-${i}`;
      let body: string;
      const kind = Math.floor(rnd() * 6);
      if (kind === 0 || kind === 1) {
        // type swaps / odd values at random paths
        for (let n = 1 + Math.floor(rnd() * 3); n > 0; n--) {
          const p = pick(paths(pod));
          let o = pod;
          for (const k of p.slice(0, -1)) o = o?.[k];
          if (o && typeof o === 'object') o[p[p.length - 1]] = weird();
        }
        body = JSON.stringify(pod);
      } else if (kind === 2) {
        const s = JSON.stringify(pod);
        body = s.slice(0, Math.floor(rnd() * s.length)); // truncation
      } else if (kind === 3) {
        const s = Buffer.from(JSON.stringify(pod));
        for (let n = 1 + Math.floor(rnd() * 4); n > 0; n--) s[Math.floor(rnd() * s.length)] = Math.floor(rnd() * 256); // garbage bytes
        body = s.toString('latin1');
      } else if (kind === 4) {
        // deep nesting inside a field, as arrays or objects
        const depth = pick([100, 1000, 10_000, 100_000]);
        const nest = rnd() < 0.5 ? deep(depth, '[', ']') : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
        body = JSON.stringify(pod).replace('"annotations":{"note":"x"}', `"annotations":{"note":"x"},"deep":${nest}`);
        if (rnd() < 0.3) body = JSON.stringify(pod).replace('"nodeSelector":{"disk":"ssd"}', `"nodeSelector":${nest}`);
      } else {
        // structural oddities: wrong top-level type, duplicated keys, unknown nested keys
        body = pick([
          '[]', '"pod"', '42', 'null', '{}',
          JSON.stringify(pod).replace('"spec":', '"spec":{},"spec":'),
          JSON.stringify({ ...pod, spec: { ...pod.spec, containers: [{ ...pod.spec.containers[0], bogus: { deep: [1, 2] } }] } }),
          JSON.stringify({ ...pod, metadata: { ...pod.metadata, labels: { ['k'.repeat(400)]: 'v' } } }),
        ]);
      }
      const ct = rnd() < 0.15 ? 'application/yaml' : 'application/json';
      const qs = pick(['', '', '?fieldValidation=Strict', '?dryRun=All', '?fieldValidation=Ignore']);
      let r: Reply;
      try {
        r = await req('POST', `/api/v1/namespaces/${NS}/pods${qs}`, Buffer.from(body, kind === 3 ? 'latin1' : 'utf8'), { 'Content-Type': ct });
      } catch (e) {
        fails.push(`#${i} (seed ${seed}, mutation ${kind}): transport error ${(e as Error).message}; body starts ${body.slice(0, 120)}`);
        if (srv.proc.exitCode !== null || srv.proc.signalCode !== null) break;
        continue;
      }
      codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
      if (r.status >= 500) fails.push(`#${i} (seed ${seed}, mutation ${kind}, ${ct}${qs}): ${r.status} ${r.text.slice(0, 300)}; body starts ${body.slice(0, 160)}`);
      if (r.status >= 400 && r.json?.kind !== 'Status') fails.push(`#${i}: ${r.status} without a Status body: ${r.text.slice(0, 200)}`);
    }
    assert.ok(srv.proc.exitCode === null && srv.proc.signalCode === null,
      `the server process died during the fuzz (exit ${srv.proc.exitCode ?? srv.proc.signalCode}):\n${fails.slice(-3).join('\n')}\nserver log tail:\n${log.slice(-3000)}`);
    const ready = await req('GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.text, 'ok');
    assert.equal((await req('GET', `/api/v1/namespaces/${NS}/pods`)).status, 200);
    assert.deepEqual(fails, [], `fuzz found failures (status histogram ${JSON.stringify([...codes])})`);
    assert.ok((codes.get(400) ?? 0) > 0 && (codes.get(201) ?? 0) + (codes.get(422) ?? 0) > 0, `the fuzz should exercise both decode and validation paths: ${JSON.stringify([...codes])}`);
  });
});
