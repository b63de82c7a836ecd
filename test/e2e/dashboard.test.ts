/**
 * End-to-end: the dashboard in headless Chromium (playwright-core driving /usr/bin/chromium)
 * against a real `skiff server --simulated-nodes 3` with the seed's doctor-app applied by kubectl.
 *
 * - As a kubeconfig identity through `skiff dashboard`: the 3 doctor-backend pods, the Service with
 *   its endpoints, the postgres StatefulSet's pod; a pod deleted with kubectl leaves the page within
 *   1 s of the delete's response (measured: page clock vs the moment kubectl printed "deleted").
 * - As a ServiceAccount token that may only view one namespace, signed in on skiff server's own
 *   /dashboard/: no pods nor keys of other namespaces.
 * - The keyspace endpoint's RBAC filtering over plain HTTPS (no browser).
 * Screenshots go to test-output/dashboard/ and their paths are printed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { startSkiff, type SkiffProcess } from '../support/skiff-process.js';
import { kubectlOk } from '../support/kubectl.js';
import { until } from '../support/controllers.js';
import { haveChromium, launchBrowser, screenshotDir, type Browser } from '../support/browser.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { configFromKubeconfig } from '../../src/client/transport.js';

const KUBECTL = '/usr/bin/kubectl';
const fixture = (n: number) => readFileSync(join(process.cwd(), 'test/fixtures', `seed-${n}.yaml`), 'utf8');

const TEAM_A = `
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: viewer, namespace: team-a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewer-view, namespace: team-a}
subjects: [{kind: ServiceAccount, name: viewer, namespace: team-a}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
---
apiVersion: v1
kind: Pod
metadata: {name: team-a-web, namespace: team-a, labels: {app: web}}
spec:
  containers: [{name: web, image: nginx}]
`;

/** GET on the API server with a bearer token (or the admin certificate when token is undefined). */
function apiGet(srv: SkiffServer, path: string, token?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const auth = token === undefined ? { cert: srv.tls.cert, key: srv.tls.key } : {};
    const req = request(srv.url + path, { ca: srv.tls.ca, ...auth, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = '';
      res.on('data', (b) => (text += b));
      res.on('end', () => { try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }); } catch { resolve({ status: res.statusCode ?? 0, body: text }); } });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard', { skip: haveChromium() ? false : 'no /usr/bin/chromium (apt-get install chromium)' }, () => {
  let srv: SkiffServer;
  let cs: Clientset;
  let dash: SkiffProcess | undefined;
  let browser: Browser | undefined;
  let token = '';
  let shots = '';
  const k = (args: string[], input?: string) => kubectlOk(KUBECTL, srv.kubeconfig, args, input);
  const backendPods = async () => (await cs.pods.list('doctor-app', { labelSelector: 'app=doctor-backend' })).items.filter((p: any) => !p.metadata.deletionTimestamp);

  before(async () => {
    shots = await screenshotDir('dashboard');
    srv = await startSkiffServer({ args: ['--simulated-nodes', '3'] });
    cs = newClientset(configFromKubeconfig(srv.kubeconfig));
    await until(async () => (await cs.nodes.list()).items.length === 3, 'three simulated nodes');
    await k(['create', 'namespace', 'doctor-app']);
    // The seed's doctor-app: the backend Deployment and its Service, the postgres StatefulSet and its headless Service.
    await k(['apply', '-f', '-'], [fixture(3), fixture(6), fixture(7), fixture(8)].join('\n---\n'));
    await k(['apply', '-f', '-'], TEAM_A);
    await until(async () => (await backendPods()).filter((p: any) => p.status?.phase === 'Running').length === 3, '3 backend pods Running', 30_000);
    await until(async () => (await cs.pods.get('doctor-app', 'postgres-0').catch(() => null))?.status?.phase === 'Running', 'postgres-0 Running', 30_000);
    token = (await k(['create', 'token', 'viewer', '-n', 'team-a'])).trim();
  });

  after(async () => {
    await browser?.close();
    await dash?.stop();
    cs?.close();
    await srv?.stop();
  });

  it('shows the doctor-app through `skiff dashboard` and follows a pod deletion within 1 s', async () => {
    dash = await startSkiff(['dashboard', '--kubeconfig', srv.kubeconfig, '--port', '0'], /serving on (http:\/\/\S+)\/dashboard\//);
    const base = /serving on (http:\/\/\S+)\/dashboard\//.exec(dash.log())![1]!;
    browser = await launchBrowser();
    const page = browser.page;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/dashboard/`);
    // No token prompt behind the proxy: straight to the cluster, as the kubeconfig's user.
    await page.waitForSelector('[data-testid="identity"]:has-text("kubernetes-admin"), [data-testid="identity"]:has-text("admin")', { timeout: 10_000 });
    for (const p of await backendPods()) await page.waitForSelector(`[data-pod="doctor-app/${p.metadata.name}"]`, { timeout: 10_000 });
    await page.waitForSelector('[data-pod="doctor-app/postgres-0"]', { timeout: 10_000 });
    assert.equal(await page.locator('[data-pod^="doctor-app/doctor-backend-"]').count(), 3);
    assert.match(await page.locator('[data-pod="doctor-app/postgres-0"]').getAttribute('title') ?? '', /StatefulSet postgres/);
    // Three simulated nodes, Ready, and a healthy control plane.
    await page.waitForSelector('[data-node="sim-1"] .badge.ok');
    await page.waitForSelector('[data-testid="cp-apiserver"].ok');
    await page.waitForSelector('[data-testid="cp-scheduler"].ok', { timeout: 10_000 });
    await page.screenshot({ path: join(shots, 'cluster.png'), fullPage: true });

    // The Service with its endpoints; its DNS names; simulated nodes have no proxy rules.
    await page.click('[data-tab="services"]');
    await page.waitForSelector('[data-service="doctor-app/doctor-backend"] [data-endpoints="3/3"]', { timeout: 10_000 });
    await page.click('[data-service="doctor-app/doctor-backend"]');
    await page.waitForSelector('[data-testid="service-endpoints"] tbody tr >> nth=2');
    assert.equal(await page.locator('[data-testid="service-endpoints"] tbody tr').count(), 3);
    assert.ok(await page.locator('[data-testid="service-dns"]:has-text("doctor-backend.doctor-app.svc.cluster.local")').count());
    assert.ok(await page.locator('[data-node-rules="sim-1"]:has-text("Simulated node")').count());
    await page.screenshot({ path: join(shots, 'service.png'), fullPage: true });
    await page.click('[data-service="doctor-app/postgres"]');
    await page.waitForSelector('[data-testid="service-dns"]:has-text("postgres-0.postgres.doctor-app.svc.cluster.local")', { timeout: 10_000 });
    await page.screenshot({ path: join(shots, 'service-headless.png'), fullPage: true });

    // A pod: the scheduler's decision from its trace (the pod's annotation names its create inside
    // the Deployment's apply trace; the `schedule` span's filter/score events give one row per node),
    // the trace's timeline across components, and its events.
    await page.click('[data-tab="cluster"]');
    const victimPod = (await backendPods())[0]!;
    const victim = victimPod.metadata.name as string;
    await page.click(`[data-pod="doctor-app/${victim}"]`);
    await page.waitForSelector('[data-testid="scheduling"][data-source="trace"]', { timeout: 15_000 });
    const rows = await page.locator('[data-testid="scheduling"] tr[data-decision-node]').evaluateAll((els) =>
      els.map((e) => ({ node: e.getAttribute('data-decision-node')!, total: e.getAttribute('data-total')!, chosen: e.classList.contains('chosen'), text: e.textContent! })));
    const nodeNames = (await cs.nodes.list()).items.map((n: any) => n.metadata.name as string).sort();
    assert.equal(nodeNames.length, 3);
    assert.deepEqual(rows.map((r) => r.node).sort(), nodeNames, `one row per simulated node: ${JSON.stringify(rows)}`);
    for (const r of rows) {
      assert.match(r.total, /^\d+$/, `node ${r.node} has a total score`);
      assert.match(r.text, /✓ passed/);
      assert.match(r.text, /NodeResourcesFit \d+/, `node ${r.node} shows its plugin scores`);
    }
    assert.deepEqual(rows.filter((r) => r.chosen).map((r) => r.node), [victimPod.spec.nodeName], 'the bound node is marked chosen');
    const best = Math.max(...rows.map((r) => Number(r.total)));
    assert.equal(Number(rows.find((r) => r.chosen)!.total), best, 'the chosen node has the best total');
    // The timeline has this pod's story from every component it went through (late spans are refetched).
    const wantServices = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'skiff-simulated-node'];
    await page.waitForFunction((want) => {
      const have = new Set([...document.querySelectorAll('[data-testid="timeline"] [data-service]')].map((e) => e.getAttribute('data-service')));
      return want.every((w) => have.has(w));
    }, wantServices, { timeout: 15_000 }).catch(async (e) => {
      const have = await page.locator('[data-testid="timeline"] [data-service]').evaluateAll((els) => [...new Set(els.map((x) => x.getAttribute('data-service')))]);
      throw new Error(`timeline services ${JSON.stringify(have)}, want ${JSON.stringify(wantServices)}: ${e.message}`);
    });
    for (const span of ['schedule', 'reconcile', 'request', 'sync']) assert.ok(await page.locator(`[data-testid="timeline"] [data-span="${span}"]`).count(), `a ${span} span`);
    // Only this pod's schedule span, not its siblings' (the whole trace is one click away).
    assert.equal(await page.locator('[data-testid="timeline"] [data-span="schedule"]').count(), 1);
    // The panel scrolls inside the window: a tall window shows all of it in the picture.
    await page.setViewportSize({ width: 1440, height: 2000 });
    await page.locator('[data-testid="pod-detail"]').screenshot({ path: join(shots, 'pod.png') });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.click('[data-testid="trace-whole"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="timeline"] [data-span="schedule"]').length >= 3, undefined, { timeout: 5_000 });
    await page.click('[data-testid="pod-detail"] button[aria-label="close"]');

    // Delete with kubectl; the page's clock marks when the pod's chip leaves (or turns Terminating).
    await page.evaluate((sel) => {
      (window as any).__changedAt = 0;
      const changed = () => { const el = document.querySelector(sel); return !el || el.textContent!.includes('Terminating'); };
      new MutationObserver(() => { if (!(window as any).__changedAt && changed()) (window as any).__changedAt = performance.timeOrigin + performance.now(); })
        .observe(document.body, { subtree: true, childList: true, characterData: true });
    }, `[data-pod="doctor-app/${victim}"]`);
    const deletedAt = await new Promise<number>((resolve, reject) => {
      const p = spawn(KUBECTL, ['--kubeconfig', srv.kubeconfig, 'delete', 'pod', victim, '-n', 'doctor-app', '--wait=false'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let at = 0, out = '';
      p.stdout.on('data', (b) => { out += b; if (!at && /deleted/.test(out)) at = Date.now(); });
      p.stderr.on('data', (b) => (out += b));
      p.on('close', (code) => (code === 0 && at ? resolve(at) : reject(new Error(`kubectl delete failed (${code}): ${out}`))));
    });
    await page.waitForFunction(() => (window as any).__changedAt > 0, undefined, { timeout: 5_000 });
    const changedAt = await page.evaluate(() => (window as any).__changedAt as number);
    const ms = Math.max(0, changedAt - deletedAt);
    console.log(`# dashboard: pod deletion shown ${ms.toFixed(0)} ms after kubectl's delete response (${(changedAt - deletedAt).toFixed(0)} ms raw)`);
    assert.ok(ms < 1000, `the page took ${ms} ms to reflect the deletion`);
    // The ReplicaSet makes a replacement; the page shows three backend pods again.
    await page.waitForFunction(() => document.querySelectorAll('[data-pod^="doctor-app/doctor-backend-"]').length === 3
      && ![...document.querySelectorAll('[data-pod^="doctor-app/doctor-backend-"]')].some((e) => e.textContent!.includes('Terminating')), undefined, { timeout: 15_000 });
    await page.screenshot({ path: join(shots, 'cluster-after-delete.png'), fullPage: true });

    await page.click('[data-tab="events"]');
    await page.waitForSelector(`[data-testid="events"] td:has-text("${victim}")`, { timeout: 10_000 });
    await page.screenshot({ path: join(shots, 'events.png') });
    await page.click('[data-tab="keyspace"]');
    await page.fill('[data-testid="keyspace-prefix"]', '/registry/pods/doctor-app/');
    await page.press('[data-testid="keyspace-prefix"]', 'Enter');
    await page.waitForSelector('[data-key="/registry/pods/doctor-app/postgres-0"]', { timeout: 10_000 });
    await page.click('[data-key="/registry/pods/doctor-app/postgres-0"]');
    await page.waitForSelector('.key-value pre:has-text("postgres:16")');
    await page.screenshot({ path: join(shots, 'keyspace.png') });
    assert.deepEqual(errors, []);
    for (const f of ['cluster', 'service', 'service-headless', 'pod', 'cluster-after-delete', 'events', 'keyspace']) console.log(`# screenshot: ${join(shots, f + '.png')}`);
    await browser.close();
    browser = undefined;
  });

  it('a ServiceAccount token that may view one namespace sees no other namespace\'s pods nor keys', async () => {
    await browser?.close(); // left open if the test before failed
    browser = await launchBrowser({ ignoreHTTPSErrors: true });
    const page = browser.page;
    await page.goto(`${srv.url}/dashboard/`);
    await page.fill('[data-testid="token"]', token);
    await page.click('[data-testid="signin"]');
    await page.waitForSelector('[data-testid="identity"]:has-text("system:serviceaccount:team-a:viewer")', { timeout: 10_000 });
    // Refused pods at the cluster scope, the page narrows to the token's namespace.
    await page.waitForSelector('[data-pod="team-a/team-a-web"]', { timeout: 10_000 });
    await page.waitForSelector('.banner:has-text("team-a")');
    assert.equal(await page.locator('[data-pod^="doctor-app/"]').count(), 0);
    assert.ok(await page.locator('.note.forbidden:has-text("nodes")').count(), 'nodes are not visible to the viewer');
    await page.screenshot({ path: join(shots, 'serviceaccount-cluster.png'), fullPage: true });
    await page.click('[data-tab="keyspace"]');
    await page.waitForSelector('[data-key="/registry/pods/team-a/team-a-web"]', { timeout: 10_000 });
    const keys = await page.locator('[data-key]').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')!));
    assert.ok(keys.length > 0);
    assert.deepEqual(keys.filter((key) => !key.includes('/team-a/')), [], 'only team-a keys');
    await page.screenshot({ path: join(shots, 'serviceaccount-keyspace.png') });
    console.log(`# screenshot: ${join(shots, 'serviceaccount-cluster.png')}`);
    console.log(`# screenshot: ${join(shots, 'serviceaccount-keyspace.png')}`);
  });

  it('the keyspace endpoint lists and reads only what RBAC lets the caller list and get', async () => {
    const admin = await apiGet(srv, '/debug/skiff/keyspace?prefix=/registry/pods/');
    assert.equal(admin.status, 200);
    const adminKeys: string[] = admin.body.keys.map((x: any) => x.key);
    assert.ok(adminKeys.includes('/registry/pods/doctor-app/postgres-0'));
    assert.ok(adminKeys.includes('/registry/pods/team-a/team-a-web'));
    assert.ok(admin.body.revision > 0);

    const viewer = await apiGet(srv, '/debug/skiff/keyspace?prefix=/registry/', token);
    assert.equal(viewer.status, 200);
    const viewerKeys: string[] = viewer.body.keys.map((x: any) => x.key);
    assert.ok(viewerKeys.includes('/registry/pods/team-a/team-a-web'));
    assert.ok(viewerKeys.includes('/registry/serviceaccounts/team-a/viewer'));
    assert.deepEqual(viewerKeys.filter((key) => !key.includes('/team-a/')), [], 'nothing outside team-a, nothing cluster-scoped');
    // `view` does not grant secrets: none listed even in team-a.
    assert.deepEqual(viewerKeys.filter((key) => key.startsWith('/registry/secrets/')), []);
    assert.equal(viewer.body.hidden, undefined, 'no count of what was left out');

    const own = await apiGet(srv, '/debug/skiff/keyspace?key=/registry/pods/team-a/team-a-web', token);
    assert.equal(own.status, 200);
    assert.equal(own.body.encoding, 'json');
    assert.equal(JSON.parse(own.body.value).metadata.name, 'team-a-web');
    const other = await apiGet(srv, '/debug/skiff/keyspace?key=/registry/pods/doctor-app/postgres-0', token);
    assert.equal(other.status, 404);
    assert.equal(other.body.kind, 'Status');
    const missing = await apiGet(srv, '/debug/skiff/keyspace?key=/registry/pods/team-a/nope', token);
    assert.equal(missing.status, 404, 'forbidden and absent answer alike');

    // Pages: limit and continue walk the same keys in order.
    const first = await apiGet(srv, '/debug/skiff/keyspace?prefix=/registry/pods/&limit=2');
    assert.equal(first.body.keys.length, 2);
    const second = await apiGet(srv, `/debug/skiff/keyspace?prefix=/registry/pods/&limit=2&continue=${encodeURIComponent(first.body.continue)}`);
    assert.deepEqual([...first.body.keys, ...second.body.keys].map((x: any) => x.key), adminKeys.slice(0, 4));

    const bad = await apiGet(srv, '/debug/skiff/keyspace?prefix=/etc/');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.reason, 'BadRequest');
    const badLimit = await apiGet(srv, '/debug/skiff/keyspace?limit=0');
    assert.equal(badLimit.status, 400);
    const anonymous = await apiGet(srv, '/debug/skiff/keyspace?prefix=/registry/', '');
    assert.equal(anonymous.status, 200);
    assert.deepEqual(anonymous.body.keys, [], 'anonymous sees nothing');
    // The static app is readable without credentials and holds no data.
    const page = await apiGet(srv, '/dashboard/', '');
    assert.equal(page.status, 200);
    assert.match(String(page.body), /<div id="root">/);
  });
});
