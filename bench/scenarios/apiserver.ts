/**
 * @module bench/scenarios/apiserver
 * Issue 2's figures: creates/s and mutating p99 over HTTPS on SQLite (anchor: raw etcd puts/s at
 * the same concurrency, and skiff on etcd), LIST of 10,000 pods (JSON and Table), watch delivery
 * with 1,000 watchers, cold start to /readyz, idle RSS and RSS with 100,000 objects.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { APISERVER_ONLY, profileArgs, drive } from '../lib/harness.js';
import { startSkiffServer, type SkiffServer } from '../../test/support/skiff-server.js';
import { H2Client, percentile, median } from '../lib/h2client.js';
import type { Row, Scenario } from '../lib/harness.js';

const IN_FLIGHT = 32;

async function rssOf(pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(s);
  return m ? Number(m[1]) / 1024 : NaN;
}

function configMap(ns: string, name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { app: 'bench' } }, data: { key: 'value', other: 'x'.repeat(64) } });
}

function pod(ns: string, name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app: 'bench', tier: 'backend' } },
    spec: { containers: [{ name: 'app', image: 'registry.local/doctor-backend:v1', ports: [{ containerPort: 8000 }], resources: { requests: { cpu: '100m', memory: '128Mi' } } }] } });
}

async function createLoad(srv: SkiffServer, total: number, ns: string, label: string): Promise<Row[]> {
  const c = new H2Client(srv.url, srv.tls);
  await c.request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  // Warm-up: JIT, TLS, caches.
  await drive(500, IN_FLIGHT, async (i) => { await c.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(ns, `warm-${i}`)); });
  const r = await drive(total, IN_FLIGHT, async (i) => (await c.request('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(ns, `cm-${i}`))).status === 201);
  const failures = r.failures;
  c.close();
  return [
    { name: `${label} creates/s (${IN_FLIGHT} in flight)`, value: r.opsPerSec, unit: 'ops/s', target: label.includes('sqlite') ? '>= 3000' : undefined, note: failures ? `${failures} failed` : undefined },
    { name: `${label} create p50`, value: percentile(r.lat, 50), unit: 'ms' },
    { name: `${label} create p99`, value: percentile(r.lat, 99), unit: 'ms', target: label.includes('sqlite') ? '<= 50' : undefined },
  ];
}

export function apiserverScenarios(): Scenario[] {
  return [
    {
      name: 'apiserver-creates-sqlite',
      async run() {
        const srv = await startSkiffServer({ nodeArgs: profileArgs(), args: APISERVER_ONLY });
        try { return await createLoad(srv, 10_000, 'bench', 'sqlite'); } finally { await srv.stop(); }
      },
    },
    {
      name: 'etcd-anchor-and-skiff-on-etcd',
      needs: ['etcd'],
      async run() {
        if (!existsSync('/usr/bin/etcd')) return [];
        const { startEtcdCluster } = await import('../../test/support/etcd-cluster.js');
        const { etcdRawPuts } = await import('../etcd-raw.js');
        const cluster = await startEtcdCluster(1);
        try {
          const raw = await etcdRawPuts(cluster.endpoints, { inFlight: IN_FLIGHT, count: 5000 });
          const srv = await startSkiffServer({ args: [...APISERVER_ONLY, '--storage', `etcd://${cluster.endpoints.map((e: string) => e.replace(/^https?:\/\//, '')).join(',')}`] });
          try {
            const rows = await createLoad(srv, 5000, 'bench', 'etcd');
            return [{ name: `raw etcd puts/s (${IN_FLIGHT} in flight, anchor)`, value: raw.opsPerSec, unit: 'ops/s' }, ...rows,
              { name: 'skiff-on-etcd / raw etcd', value: rows[0].value / raw.opsPerSec, unit: 'ratio' }];
          } finally { await srv.stop(); }
        } finally { await cluster.stop(); }
      },
    },
    {
      name: 'apiserver-list-10k-pods',
      async run() {
        const srv = await startSkiffServer({ args: APISERVER_ONLY });
        const c = new H2Client(srv.url, srv.tls);
        try {
          await c.request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
          await drive(10_000, IN_FLIGHT, async (i) => { await c.request('POST', '/api/v1/namespaces/bench/pods', pod('bench', `pod-${i}`)); });
          const json: number[] = [], table: number[] = [];
          let bytes = 0, count = 0;
          for (let i = 0; i < 7; i++) {
            let s = performance.now();
            const r = await c.request('GET', '/api/v1/pods');
            json.push(performance.now() - s);
            bytes = r.body.length; count = JSON.parse(r.body).items.length;
            s = performance.now();
            await c.request('GET', '/api/v1/pods', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
            table.push(performance.now() - s);
          }
          return [
            { name: `LIST ${count} pods (JSON, ${(bytes / 1e6).toFixed(1)} MB)`, value: median(json.slice(2)), unit: 'ms', target: '<= 300' },
            { name: `LIST ${count} pods (Table)`, value: median(table.slice(2)), unit: 'ms', target: '<= 300' },
          ];
        } finally { c.close(); await srv.stop(); }
      },
    },
    {
      name: 'apiserver-watch-1000',
      async run() {
        const srv = await startSkiffServer({ args: APISERVER_ONLY });
        const c = new H2Client(srv.url, srv.tls);
        const watchClients = Array.from({ length: 4 }, () => new H2Client(srv.url, srv.tls));
        try {
          await c.request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
          const lat: number[] = [];
          const sentAt = new Map<string, number>();
          const watchers = [];
          const rv = JSON.parse((await c.request('GET', '/api/v1/namespaces/bench/configmaps')).body).metadata.resourceVersion;
          for (let i = 0; i < 1000; i++) {
            const w = watchClients[i % watchClients.length].watch(`/api/v1/namespaces/bench/configmaps?watch=true&resourceVersion=${rv}`, (line) => {
              // Only the name is needed; a full JSON.parse per line would make the client the bottleneck.
              const m = /"name":"(w-\d+)"/.exec(line);
              const t = m ? sentAt.get(m[1]) : undefined;
              if (t !== undefined) lat.push(performance.now() - t);
            });
            watchers.push(w);
          }
          await Promise.all(watchers.map((w) => w.opened));
          for (let i = 0; i < 100; i++) {
            const name = `w-${i}`;
            sentAt.set(name, performance.now());
            await c.request('POST', '/api/v1/namespaces/bench/configmaps', configMap('bench', name));
            await new Promise((r) => setTimeout(r, 20));
          }
          const deadline = Date.now() + 30_000;
          while (lat.length < 100 * 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
          for (const w of watchers) w.stop();
          return [
            { name: 'watch delivery p50 (1,000 watchers)', value: percentile(lat, 50), unit: 'ms' },
            { name: 'watch delivery p99 (1,000 watchers)', value: percentile(lat, 99), unit: 'ms', target: '<= 50', note: `${lat.length}/100000 delivered` },
          ];
        } finally { c.close(); for (const w of watchClients) w.close(); await srv.stop(); }
      },
    },
    {
      name: 'apiserver-start-and-rss',
      async run() {
        // First start makes the PKI; a restart of the same data dir is the cold start users see daily.
        const first = performance.now();
        const srv1 = await startSkiffServer({ args: APISERVER_ONLY });
        const firstMs = performance.now() - first;
        const idle = await rssOf(srv1.proc.pid!);
        await srv1.stop({ keepData: true });
        const t0 = performance.now();
        const srv = await startSkiffServer({ dataDir: srv1.dataDir, args: APISERVER_ONLY });
        const cold = performance.now() - t0;
        const c = new H2Client(srv.url, srv.tls);
        try {
          await c.request('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
          await drive(100_000, IN_FLIGHT, async (i) => { await c.request('POST', '/api/v1/namespaces/bench/configmaps', configMap('bench', `cm-${i}`)); });
          await c.request('GET', '/api/v1/configmaps?limit=1');
          const full = await rssOf(srv.proc.pid!);
          return [
            { name: 'cold start to /readyz (existing data dir)', value: cold, unit: 'ms', target: '<= 1000', note: 'process spawn to ready line' },
            { name: 'first start to /readyz (makes PKI)', value: firstMs, unit: 'ms' },
            { name: 'idle RSS', value: idle, unit: 'MB', target: '<= 150' },
            { name: 'RSS with 100,000 ConfigMaps (cache warm)', value: full, unit: 'MB', note: 'k3s documents 1.4-1.6 GB' },
          ];
        } finally { c.close(); await srv.stop(); const { rm } = await import('node:fs/promises'); await rm(srv1.dataDir, { recursive: true, force: true }); }
      },
    },
  ];
}
