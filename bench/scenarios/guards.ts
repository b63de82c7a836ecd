/**
 * @module bench/scenarios/guards
 * Issue 3's figure: what the guards cost. Pod creates/s and p99 by a token user authorized by
 * RBAC (200 Roles and 200 RoleBindings in place) through the full default admission chain,
 * against the same load in the same run by a system:masters user with admission turned off.
 * The gap must stay within 15%. Also the added latency of one validating webhook on loopback.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APISERVER_ONLY, profileArgs, cpuSeconds, drive } from '../lib/harness.js';
import { startSkiffServer, type SkiffServer } from '../../test/support/skiff-server.js';
import { H2Client, percentile, median } from '../lib/h2client.js';
import type { Row, Scenario } from '../lib/harness.js';
import { ADMISSION_PLUGIN_NAMES } from '../../src/apiserver/admission/setup.js';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCA, issueCert } from '../../src/apiserver/pki/certs.js';

/** Median latency of `n` sequential pod creates (one in flight), in ms. */
async function sequentialMedian(c: H2Client, ns: string, prefix: string, n: number): Promise<number> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    const r = await c.request('POST', `/api/v1/namespaces/${ns}/pods`, pod(ns, `${prefix}-${i}`));
    if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body.slice(0, 200)}`);
    lat.push(performance.now() - s);
  }
  return percentile(lat, 50);
}

/** The added latency of one validating webhook (allow-all, HTTPS on loopback) on a pod create. */
async function webhookCost(srv: SkiffServer, ns: string): Promise<Row[]> {
  const ca = await createCA('bench-webhook-ca');
  const cert = await issueCert(ca, { commonName: 'webhook', ipAddresses: ['127.0.0.1'], usage: 'server' });
  const hook = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const uid = JSON.parse(body).request.uid;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } }));
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const admin = new H2Client(srv.url, srv.tls);
  try {
    const without = await sequentialMedian(admin, ns, 'nohook', 300);
    const cfg = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'bench-allow' },
      webhooks: [{ name: 'allow.bench.skiff', admissionReviewVersions: ['v1'], sideEffects: 'None',
        clientConfig: { url: `https://127.0.0.1:${(hook.address() as AddressInfo).port}/`, caBundle: Buffer.from(ca.certPem).toString('base64') },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }] };
    await admin.request('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', JSON.stringify(cfg));
    let calls = 0;
    hook.on('request', () => calls++);
    await waitFor(async () => { await sequentialMedian(admin, ns, `probe-${calls}-${Date.now()}`, 1); return calls > 0; });
    const withHook = await sequentialMedian(admin, ns, 'hook', 300);
    return [
      { name: 'pod create p50, no webhook (1 in flight)', value: without, unit: 'ms' },
      { name: 'pod create p50, one validating webhook', value: withHook, unit: 'ms' },
      { name: 'added latency of one webhook call', value: withHook - without, unit: 'ms' },
    ];
  } finally {
    admin.close();
    await new Promise<void>((r) => hook.close(() => r()));
    hook.closeAllConnections?.();
  }
}

const IN_FLIGHT = 32;
const TOKEN = 'bench-user-token-0123456789';

function pod(ns: string, name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'app', image: 'registry.local/doctor-backend:v1', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] } });
}

async function waitFor(fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('bench setup: condition not met');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Namespace, its default ServiceAccount, and (for the RBAC run) 200 Roles and RoleBindings plus the user's own. */
async function setup(srv: SkiffServer, ns: string, rbac: boolean): Promise<void> {
  const admin = new H2Client(srv.url, srv.tls);
  await admin.request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  await waitFor(async () => (await admin.request('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status === 200);
  if (rbac) {
    const R = '/apis/rbac.authorization.k8s.io/v1/namespaces';
    for (let i = 0; i < 200; i++) {
      await admin.request('POST', `${R}/${ns}/roles`, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `role-${i}` },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'], resourceNames: [`cm-${i}`] }] }));
      await admin.request('POST', `${R}/${ns}/rolebindings`, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: `binding-${i}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `role-${i}` }, subjects: [{ kind: 'User', name: `user-${i}` }, { kind: 'Group', name: `group-${i}` }] }));
    }
    await admin.request('POST', `${R}/${ns}/roles`, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-creator' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list'] }] }));
    await admin.request('POST', `${R}/${ns}/rolebindings`, JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'bench-user' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-creator' }, subjects: [{ kind: 'User', name: 'bench-user' }] }));
  }
  admin.close();
}

/** Creates per slice; the three configurations take turns, slice by slice, so drift in the machine's load hits all alike. */
const SLICE = 2000;
const SLICES = 5;

interface Config { label: string; srv: SkiffServer; client: H2Client; rates: number[]; cpuMs: number[]; lat: number[]; failures: number; made: number }

async function slice(c: Config, ns: string, n: number, prefix = 'pod'): Promise<void> {
  const base = c.made;
  c.made += n;
  const cpu0 = cpuSeconds(c.srv.proc.pid!);
  const r = await drive(n, IN_FLIGHT, async (i) => (await c.client.request('POST', `/api/v1/namespaces/${ns}/pods`, pod(ns, `${prefix}-${base + i}`))).status === 201);
  if (prefix !== 'pod') return;
  c.rates.push(r.opsPerSec);
  c.cpuMs.push((cpuSeconds(c.srv.proc.pid!) - cpu0) * 1000 / n);
  c.lat.push(...r.lat);
  c.failures += r.failures;
}

function rows(c: Config): Row[] {
  return [
    { name: `${c.label} pod creates/s`, value: median(c.rates), unit: 'ops/s', note: c.failures ? `${c.failures} failed` : undefined },
    { name: `${c.label} pod create p99`, value: percentile(c.lat, 99), unit: 'ms' },
    { name: `${c.label} API server CPU per create`, value: median(c.cpuMs), unit: 'ms' },
  ];
}

export function guardScenarios(): Scenario[] {
  return [{
    name: 'guards-rbac-admission',
    async run() {
      const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-guards-'));
      const tokens = join(dir, 'tokens.csv');
      await writeFile(tokens, `${TOKEN},bench-user,9999\n`);
      const servers: SkiffServer[] = [];
      const configs: Config[] = [];
      try {
        // The anchor: system:masters (RBAC never consulted) with every admission plugin off.
        const bare = await startSkiffServer({ nodeArgs: profileArgs(), args: [...APISERVER_ONLY, '--disable-admission-plugins', ADMISSION_PLUGIN_NAMES.join(',')] });
        servers.push(bare);
        // The split: the admission chain alone (system:masters, so RBAC is never consulted).
        const admission = await startSkiffServer({ nodeArgs: profileArgs(), args: APISERVER_ONLY });
        servers.push(admission);
        // Everything: a token user authorized by RBAC among 200 Roles and bindings, full admission chain.
        const guarded = await startSkiffServer({ nodeArgs: profileArgs(), args: [...APISERVER_ONLY, '--token-auth-file', tokens] });
        servers.push(guarded);
        await setup(bare, 'bench', false);
        await setup(admission, 'bench', false);
        await setup(guarded, 'bench', true);
        const config = (label: string, srv: SkiffServer, client: H2Client): Config => ({ label, srv, client, rates: [], cpuMs: [], lat: [], failures: 0, made: 0 });
        configs.push(config('masters, no admission', bare, new H2Client(bare.url, bare.tls)),
          config('masters + admission', admission, new H2Client(admission.url, admission.tls)),
          config('RBAC + admission', guarded, new H2Client(guarded.url, { ca: guarded.tls.ca }, TOKEN)));
        for (const c of configs) await slice(c, 'bench', 500, 'warm'); // JIT, TLS, caches
        for (let i = 0; i < SLICES; i++) for (const c of configs) await slice(c, 'bench', SLICE);
        const [anchor, admissionOnly, full] = configs;
        const rate = (c: Config) => median(c.rates);
        const hook = await webhookCost(guarded, 'bench');
        return [...rows(anchor), ...rows(admissionOnly), ...rows(full),
          { name: 'admission alone: ratio to anchor', value: rate(admissionOnly) / rate(anchor), unit: 'x' },
          { name: 'token + RBAC on top of admission: ratio', value: rate(full) / rate(admissionOnly), unit: 'x' },
          { name: 'guards: API server CPU per create, anchor / guarded', value: median(anchor.cpuMs) / median(full.cpuMs), unit: 'x' },
          { name: 'guards: creates/s ratio (guarded / anchor)', value: rate(full) / rate(anchor), unit: 'x', target: '>= 0.85', note: `medians of ${SLICES} interleaved slices of ${SLICE}` }, ...hook];
      } finally {
        for (const c of configs) c.client.close();
        for (const srv of servers) await srv.stop();
        await rm(dir, { recursive: true, force: true });
      }
    },
  }];
}
