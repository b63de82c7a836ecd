/**
 * @module test/e2e/watch
 * End-to-end: raw HTTP/2 watches and paged lists against a real `skiff server`: replay from a
 * resourceVersion, 410 for a too-old one, selector transitions, initial-events bookmarks,
 * timeoutSeconds and limit/continue paging, as kube-apiserver serves them.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';

/** Every namespace gets the kube-root-ca.crt ConfigMap from its controller; these tests count only their own. */
const NOT_ROOT_CA = '&fieldSelector=metadata.name!%3Dkube-root-ca.crt';

interface Reply { status: number; json: any; text: string }
interface WatchEvent { type: string; object: any }
interface Watch { events: WatchEvent[]; ended: Promise<void>; done: boolean; status: number; close(): void; until(pred: (evs: WatchEvent[]) => boolean, what: string, ms?: number): Promise<void> }

async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('watch and paged list against skiff', () => {
  let srv: SkiffServer;
  let h2: http2.ClientHttp2Session;
  const watches: Watch[] = [];

  const req = (method: string, path: string, body?: object, ct = 'application/json'): Promise<Reply> => new Promise((resolve, reject) => {
    const s = h2.request({ ':method': method, ':path': path, 'content-type': ct, accept: 'application/json' });
    let status = 0, text = '';
    s.on('response', (h) => { status = Number(h[':status']); });
    s.setEncoding('utf8');
    s.on('data', (c) => (text += c));
    s.on('end', () => { let json: any; try { json = JSON.parse(text); } catch { /* not JSON */ } resolve({ status, json, text }); });
    s.on('error', reject);
    s.end(body === undefined ? undefined : JSON.stringify(body));
  });
  const ok = async (method: string, path: string, body?: object, ct?: string): Promise<any> => {
    const r = await req(method, path, body, ct);
    assert.ok(r.status >= 200 && r.status < 300, `${method} ${path} -> ${r.status}: ${r.text.slice(0, 400)}`);
    return r.json;
  };
  const watch = (path: string): Watch => {
    const s = h2.request({ ':method': 'GET', ':path': path, accept: 'application/json' });
    const w: Watch = {
      events: [], done: false, status: 0, ended: new Promise((r) => s.on('close', () => { w.done = true; r(); })),
      close: () => s.close(),
      until: (pred, what, ms) => until(() => pred(w.events), `${what}; got ${JSON.stringify(w.events.map((e) => [e.type, e.object?.metadata?.name, e.object?.metadata?.resourceVersion]))}`, ms),
    };
    let buf = '';
    s.setEncoding('utf8');
    s.on('response', (h) => { w.status = Number(h[':status']); });
    s.on('data', (c: string) => {
      buf += c;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, i).trim(); buf = buf.slice(i + 1); if (line) w.events.push(JSON.parse(line)); }
    });
    s.on('error', () => { /* closed by us */ });
    watches.push(w);
    return w;
  };
  const cm = (name: string, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data: { v: '0' } });
  const mkns = (name: string) => ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const merge = 'application/merge-patch+json';

  before(async () => {
    srv = await startSkiffServer();
    h2 = http2.connect(srv.url, { ca: srv.tls.ca, cert: srv.tls.cert, key: srv.tls.key });
    h2.on('error', () => { /* reported through requests */ });
  });
  after(async () => {
    for (const w of watches) w.close();
    h2?.close();
    await srv?.stop();
  });

  it('a watch from a resourceVersion replays exactly the later events, in order', async () => {
    await mkns('w-replay');
    const P = '/api/v1/namespaces/w-replay/configmaps';
    const a = await ok('POST', P, cm('a'));
    const from = a.metadata.resourceVersion;
    const a2 = await ok('PATCH', `${P}/a`, { data: { v: '1' } }, merge);
    const b = await ok('POST', P, cm('b'));
    await ok('DELETE', `${P}/a`);
    const w = watch(`${P}?watch=1&resourceVersion=${from}`);
    await ok('POST', P, cm('zz-marker'));
    await w.until((e) => e.some((x) => x.object?.metadata?.name === 'zz-marker'), 'the marker event');
    assert.equal(w.status, 200);
    assert.deepEqual(w.events.map((e) => [e.type, e.object.metadata.name]), [['MODIFIED', 'a'], ['ADDED', 'b'], ['DELETED', 'a'], ['ADDED', 'zz-marker']]);
    assert.equal(w.events[0].object.metadata.resourceVersion, a2.metadata.resourceVersion);
    assert.equal(w.events[0].object.data.v, '1');
    assert.equal(w.events[1].object.metadata.resourceVersion, b.metadata.resourceVersion);
    assert.ok(Number(w.events[2].object.metadata.resourceVersion) > Number(b.metadata.resourceVersion), 'DELETED carries the delete\'s resourceVersion');
    const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual(rvs, [...rvs].sort((x, y) => x - y));
    assert.equal(w.events[0].object.kind, 'ConfigMap');
    w.close();
  });

  it('a watch from a resourceVersion older than the watch cache window gets 410 Expired', async () => {
    const w = watch('/api/v1/namespaces/w-replay/configmaps?watch=1&resourceVersion=1');
    await w.until((e) => e.length > 0, 'an ERROR event');
    await w.ended;
    assert.equal(w.events.length, 1);
    const [ev] = w.events;
    assert.equal(ev.type, 'ERROR');
    assert.equal(ev.object.kind, 'Status');
    assert.equal(ev.object.code, 410);
    assert.equal(ev.object.reason, 'Expired');
    assert.match(ev.object.message, /^too old resource version: 1 \(\d+\)$/);
  });

  it('a watch older than 10,000 events of its resource gets 410 Expired', async () => {
    await mkns('w-window');
    const P = '/api/v1/namespaces/w-window/configmaps';
    const first = await ok('POST', P, cm('churn'));
    const started = Date.now();
    // 10,050 writes to one resource, 64 at a time over one HTTP/2 session.
    let n = 0;
    const worker = async () => { while (n < 10_050) { n++; await ok('POST', P, cm(`c-${n}`)); } };
    await Promise.all(Array.from({ length: 64 }, worker));
    const w = watch(`${P}?watch=1&resourceVersion=${first.metadata.resourceVersion}`);
    await w.until((e) => e.length > 0, 'an ERROR event');
    assert.equal(w.events[0].type, 'ERROR', `got ${w.events[0].type} after ${Date.now() - started} ms of writes`);
    assert.equal(w.events[0].object.code, 410);
    assert.match(w.events[0].object.message, new RegExp(`^too old resource version: ${first.metadata.resourceVersion} \\(\\d+\\)$`));
    w.close();
  });

  it('a label-selector watch turns label changes into ADDED and DELETED', async () => {
    await mkns('w-sel');
    const P = '/api/v1/namespaces/w-sel/configmaps';
    await ok('POST', P, cm('in-from-start', { app: 'web' }));
    const start = await ok('POST', P, cm('x', { app: 'db' }));
    const w = watch(`${P}?watch=1&labelSelector=app%3Dweb&resourceVersion=${start.metadata.resourceVersion}`);
    await ok('PATCH', `${P}/x`, { data: { v: 'ignored' } }, merge); // not selected before or after: no event
    await ok('PATCH', `${P}/x`, { metadata: { labels: { app: 'web' } } }, merge);
    await ok('PATCH', `${P}/x`, { data: { v: 'seen' } }, merge);
    await ok('PATCH', `${P}/x`, { metadata: { labels: { app: 'db' } } }, merge);
    await ok('POST', P, cm('zz-marker', { app: 'web' }));
    await w.until((e) => e.some((x) => x.object?.metadata?.name === 'zz-marker'), 'the marker event');
    assert.deepEqual(w.events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'x'], ['MODIFIED', 'x'], ['DELETED', 'x'], ['ADDED', 'zz-marker']]);
    assert.equal(w.events[1].object.data.v, 'seen');
    assert.equal(w.events[2].object.metadata.labels.app, 'db', 'DELETED carries the new, unselected state');
    w.close();
  });

  it('sendInitialEvents sends the current state then the initial-events-end bookmark', async () => {
    await mkns('w-init');
    const P = '/api/v1/namespaces/w-init/configmaps';
    for (const n of ['one', 'two', 'three']) await ok('POST', P, cm(n));
    const w = watch(`${P}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${NOT_ROOT_CA}`);
    await w.until((e) => e.some((x) => x.type === 'BOOKMARK'), 'the initial-events-end bookmark');
    const types = w.events.map((e) => e.type);
    // The initial state, then the initial-events-end bookmark; a progress bookmark (allowWatchBookmarks)
    // may follow at any time after it, as in Kubernetes.
    assert.deepEqual(types.slice(0, 4), ['ADDED', 'ADDED', 'ADDED', 'BOOKMARK']);
    assert.ok(types.slice(4).every((t) => t === 'BOOKMARK'), types.join(','));
    assert.deepEqual(w.events.slice(0, 3).map((e) => e.object.metadata.name).sort(), ['one', 'three', 'two']);
    const bm = w.events[3].object;
    assert.equal(bm.kind, 'ConfigMap');
    assert.equal(bm.apiVersion, 'v1');
    assert.equal(bm.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
    assert.ok(Number(bm.metadata.resourceVersion) >= Math.max(...w.events.slice(0, 3).map((e) => Number(e.object.metadata.resourceVersion))));
    await ok('POST', P, cm('four'));
    await w.until((e) => e.some((x) => x.type === 'ADDED' && x.object.metadata.name === 'four'), 'the later ADDED');
    assert.ok(w.events.slice(4).every((x) => x.type === 'BOOKMARK' || x.object.metadata.name === 'four'));
    w.close();
    // Periodic BOOKMARKs come every 60 s from the watch cache: too slow to wait for here.
  });

  it('refuses watch-list options Kubernetes forbids with 422', async () => {
    const a = await req('GET', '/api/v1/namespaces/w-init/configmaps?watch=1&sendInitialEvents=true&timeoutSeconds=1');
    assert.equal(a.status, 422, a.text.slice(0, 300));
    assert.match(a.json.message, /resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/);
    const b = await req('GET', '/api/v1/namespaces/w-init/configmaps?watch=1&resourceVersionMatch=NotOlderThan&resourceVersion=1&timeoutSeconds=1');
    assert.equal(b.status, 422, b.text.slice(0, 300));
    assert.match(b.json.message, /resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided/);
  });

  it('timeoutSeconds closes the stream', async () => {
    const t0 = Date.now();
    const w = watch(`/api/v1/namespaces/w-init/configmaps?watch=1&timeoutSeconds=1${NOT_ROOT_CA}`);
    await Promise.race([w.ended, new Promise((_, rej) => setTimeout(() => rej(new Error('watch with timeoutSeconds=1 still open after 10 s')), 10_000))]);
    const took = Date.now() - t0;
    assert.equal(w.status, 200);
    assert.ok(took >= 900 && took < 5000, `closed after ${took} ms`);
    assert.deepEqual(w.events.map((e) => e.type), ['ADDED', 'ADDED', 'ADDED', 'ADDED'], 'no resourceVersion: the current state as ADDED first');
  });

  it('list with limit and continue pages through 25 objects from one snapshot', async () => {
    await mkns('w-pages');
    const P = '/api/v1/namespaces/w-pages/configmaps';
    // The namespace's kube-root-ca.crt (made by its controller) sorts after cm-*: wait for it so the pages are known.
    const deadline = Date.now() + 10_000;
    while ((await req('GET', `${P}/kube-root-ca.crt`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('kube-root-ca.crt never appeared');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < 25; i++) await ok('POST', P, cm(`cm-${String(i).padStart(2, '0')}`));
    const p1 = await ok('GET', `${P}?limit=10`);
    assert.equal(p1.items.length, 10);
    assert.equal(p1.metadata.remainingItemCount, 16);
    assert.ok(p1.metadata.continue);
    // Changes after the first page do not show in later pages: they continue the first page's snapshot.
    await ok('POST', P, cm('cm-15a'));
    await ok('PATCH', `${P}/cm-20`, { data: { v: 'changed' } }, merge);
    const p2 = await ok('GET', `${P}?limit=10&continue=${encodeURIComponent(p1.metadata.continue)}`);
    assert.equal(p2.items.length, 10);
    assert.equal(p2.metadata.remainingItemCount, 6);
    assert.equal(p2.metadata.resourceVersion, p1.metadata.resourceVersion, 'every page is served at the first page\'s resourceVersion');
    const p3 = await ok('GET', `${P}?limit=10&continue=${encodeURIComponent(p2.metadata.continue)}`);
    assert.equal(p3.items.length, 6);
    assert.equal(p3.metadata.continue, undefined);
    assert.equal(p3.metadata.remainingItemCount, undefined);
    const names = [...p1.items, ...p2.items, ...p3.items].map((i: any) => i.metadata.name);
    assert.deepEqual(names, [...Array.from({ length: 25 }, (_, i) => `cm-${String(i).padStart(2, '0')}`), 'kube-root-ca.crt']);
    assert.equal(p3.items.find((i: any) => i.metadata.name === 'cm-20').data.v, '0');
    const bad = await req('GET', `${P}?limit=10&continue=not-a-token`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.reason, 'BadRequest');
    const all = await ok('GET', P);
    assert.equal(all.items.length, 27);
  });
});
