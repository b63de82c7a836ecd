/**
 * End-to-end: `skiff dns` as its own process against a real `skiff server`, with the real
 * EndpointSlice controller feeding it, queried by Debian's `dig` over UDP and TCP. The test plays
 * the kubelet (pod IPs and readiness through the status subresource). Other names go to a stub
 * upstream on loopback that the test runs: nothing here ever asks the machine's resolver.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { startSkiff, type SkiffProcess } from '../support/skiff-process.js';
import { runControllers, until, NO_COMPONENTS, type RunningControllers } from '../support/controllers.js';
import { StatusError } from '../../src/machinery/status.js';
import { descriptor as endpointSliceDescriptor } from '../../src/controllers/endpointslice/index.js';
import { startStubUpstream, type StubUpstream } from '../../src/dns/stub-upstream.js';

const run = promisify(execFile);
const NS = 'doctor-app';
const HOST = '127.0.0.2';
const noDig = existsSync('/usr/bin/dig') ? false : 'dig (bind9-dnsutils) is not installed';

interface DigResult { status: string; flags: string[]; answers: { name: string; ttl: number; type: string; data: string }[]; authority: string[] }

describe('cluster DNS (skiff dns) end to end', { skip: noDig }, () => {
  let srv: SkiffServer;
  let ctl: RunningControllers;
  let upstream: StubUpstream;
  let dns: SkiffProcess;
  let port = 0;
  const cs = () => ctl.cs;

  async function dig(name: string, type = 'A', ...opts: string[]): Promise<DigResult> {
    const { stdout } = await run('dig', [`@${HOST}`, '-p', String(port), '+time=2', '+tries=1', '+noall', '+comments', '+answer', '+authority', ...opts, name, type]);
    const status = /status: (\w+)/.exec(stdout)?.[1] ?? '';
    const flags = (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/);
    const lines = stdout.split('\n').filter((l) => l && !l.startsWith(';'));
    const records = lines.map((l) => { const [n, ttl, , t, ...rest] = l.split(/\s+/); return { name: n, ttl: Number(ttl), type: t, data: rest.join(' ') }; });
    const section = stdout.split(';; AUTHORITY SECTION:');
    const authority = section[1] ? section[1].split('\n').filter((l) => l && !l.startsWith(';')) : [];
    return { status, flags, answers: records.filter((r) => !authority.some((a) => a.startsWith(r.name) && a.includes(r.type) && r.type === 'SOA')), authority };
  }
  const ips = (r: DigResult, type = 'A') => r.answers.filter((a) => a.type === type).map((a) => a.data).sort();

  let tick = 0;
  async function pod(name: string, labels: Record<string, string>, ip: string, ready: boolean, extra: Record<string, string> = {}): Promise<void> {
    await cs().pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { nodeName: 'node-1', ...extra, containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8000 }] }] } });
    await setReady(name, ip, ready);
  }
  async function setReady(name: string, ip: string, ready: boolean): Promise<void> {
    for (;;) {
      const cur = await cs().pods.get(NS, name);
      const t = new Date(Date.parse('2030-01-01T00:00:00Z') + ++tick * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      cur.status = { ...cur.status, phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: t }] };
      try { await cs().pods.updateStatus(NS, cur); return; } catch (e) { if (!(e instanceof StatusError && e.code === 409)) throw e; }
    }
  }

  before(async () => {
    srv = await startSkiffServer({ args: NO_COMPONENTS });
    ctl = await runControllers(srv, [endpointSliceDescriptor]);
    upstream = await startStubUpstream({ 'db.example.test': [{ type: 'A', data: '192.0.2.81', ttl: 60 }], 'www.example.test': [{ type: 'A', data: '192.0.2.80', ttl: 60 }] });
    await cs().namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await cs().nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
    dns = await startSkiff(['dns', '--kubeconfig', srv.kubeconfig, '--listen', `${HOST}:0`, '--upstream', upstream.address], /skiff dns: serving cluster\.local on [\d.]+:(\d+)/);
    port = Number((await dns.waitFor(/serving cluster\.local on [\d.]+:(\d+)/))[1]);
  });
  after(async () => {
    await dns?.stop();
    await upstream?.stop();
    await ctl?.stop();
    await srv?.stop();
  });

  it('ClusterIP Service: A over UDP and TCP, AAAA NODATA, SRV for the named port, PTR', async () => {
    const svc = await cs().services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'doctor-backend' },
      spec: { selector: { app: 'backend' }, ports: [{ name: 'http', port: 8000, targetPort: 'http' }] } });
    const ip = svc.spec.clusterIP;
    const a = await until(async () => { const r = await dig('doctor-backend.doctor-app.svc.cluster.local'); return r.status === 'NOERROR' && r.answers.length ? r : undefined; }, 'the Service A record');
    assert.deepEqual(ips(a), [ip]);
    assert.ok(a.flags.includes('aa'));
    assert.equal(a.answers[0].ttl, 5);
    assert.deepEqual(ips(await dig('doctor-backend.doctor-app.svc.cluster.local', 'A', '+tcp')), [ip]);
    const aaaa = await dig('doctor-backend.doctor-app.svc.cluster.local', 'AAAA');
    assert.equal(aaaa.status, 'NOERROR');
    assert.equal(aaaa.answers.length, 0);
    assert.match(aaaa.authority.join('\n'), /SOA\s+ns\.dns\.cluster\.local\./);
    const srv = await dig('_http._tcp.doctor-backend.doctor-app.svc.cluster.local', 'SRV');
    assert.deepEqual(srv.answers.map((x) => x.data), ['0 100 8000 doctor-backend.doctor-app.svc.cluster.local.']);
    const ptr = await dig(ip, 'PTR', '-x');
    assert.deepEqual(ptr.answers.map((x) => x.data), ['doctor-backend.doctor-app.svc.cluster.local.']);
    const nx = await dig('nothing-here.doctor-app.svc.cluster.local');
    assert.equal(nx.status, 'NXDOMAIN');
    assert.match(nx.authority.join('\n'), /SOA/);
  });

  it('headless Service: ready pod IPs, StatefulSet hostnames, SRV per endpoint, readiness followed', async () => {
    await cs().services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'postgres' },
      spec: { clusterIP: 'None', selector: { app: 'postgres' }, ports: [{ name: 'pg', port: 5432 }] } });
    assert.equal((await dig('postgres.doctor-app.svc.cluster.local')).status, 'NXDOMAIN', 'no ready endpoint yet');
    await pod('postgres-0', { app: 'postgres' }, '10.244.1.10', true, { hostname: 'postgres-0', subdomain: 'postgres' });
    await pod('postgres-1', { app: 'postgres' }, '10.244.2.11', true, { hostname: 'postgres-1', subdomain: 'postgres' });
    await until(async () => ips(await dig('postgres.doctor-app.svc.cluster.local')).length === 2, 'both postgres pods in the headless answer');
    assert.deepEqual(ips(await dig('postgres-0.postgres.doctor-app.svc.cluster.local')), ['10.244.1.10']);
    assert.deepEqual(ips(await dig('postgres-1.postgres.doctor-app.svc.cluster.local', 'A', '+tcp')), ['10.244.2.11']);
    const srv = await dig('_pg._tcp.postgres.doctor-app.svc.cluster.local', 'SRV');
    assert.deepEqual(srv.answers.map((x) => x.data).sort(), ['0 50 5432 postgres-0.postgres.doctor-app.svc.cluster.local.', '0 50 5432 postgres-1.postgres.doctor-app.svc.cluster.local.']);
    assert.deepEqual((await dig('10.244.1.10', 'PTR', '-x')).answers.map((x) => x.data), ['postgres-0.postgres.doctor-app.svc.cluster.local.']);
    await setReady('postgres-1', '10.244.2.11', false);
    await until(async () => ips(await dig('postgres.doctor-app.svc.cluster.local')).join() === '10.244.1.10', 'the unready pod leaving the answer');
    assert.equal((await dig('postgres-1.postgres.doctor-app.svc.cluster.local')).status, 'NXDOMAIN');
  });

  it('publishNotReadyAddresses: unready pods are answered', async () => {
    await cs().services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'peers' },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'peer' }, ports: [{ name: 'p', port: 7000 }] } });
    await pod('peer-0', { app: 'peer' }, '10.244.1.20', false);
    await until(async () => ips(await dig('peers.doctor-app.svc.cluster.local')).join() === '10.244.1.20', 'the unready peer answered');
  });

  it('pod records (verified) and pod PTR', async () => {
    await pod('frontend', { app: 'frontend' }, '10.244.3.7', true);
    await until(async () => ips(await dig('10-244-3-7.doctor-app.pod.cluster.local')).join() === '10.244.3.7', 'the pod A record');
    assert.equal((await dig('10-244-3-7.default.pod.cluster.local')).status, 'NXDOMAIN');
    assert.equal((await dig('10-244-9-9.doctor-app.pod.cluster.local')).status, 'NXDOMAIN');
    assert.deepEqual((await dig('10.244.3.7', 'PTR', '-x')).answers.map((x) => x.data), ['10-244-3-7.doctor-app.pod.cluster.local.']);
    assert.equal((await dig('10.244.200.200', 'PTR', '-x')).status, 'NXDOMAIN');
  });

  it('ExternalName: CNAME, resolved through the upstream; other names forwarded and cached', async () => {
    await cs().services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'external-db' }, spec: { type: 'ExternalName', externalName: 'db.example.test' } });
    const r = await until(async () => { const x = await dig('external-db.doctor-app.svc.cluster.local'); return x.answers.length ? x : undefined; }, 'the ExternalName CNAME');
    assert.deepEqual(r.answers.map((x) => [x.type, x.data]), [['CNAME', 'db.example.test.'], ['A', '192.0.2.81']]);
    const w1 = await dig('www.example.test');
    const w2 = await dig('www.example.test', 'A', '+tcp');
    assert.deepEqual(ips(w1), ['192.0.2.80']);
    assert.deepEqual(ips(w2), ['192.0.2.80']);
    assert.ok(!w1.flags.includes('aa'));
    assert.equal(upstream.queries.get('www.example.test|A'), 1, 'the second answer came from the cache');
    assert.equal((await dig('nowhere.example.test')).status, 'NXDOMAIN');
  });

  it('zone apex SOA/NS and dns-version TXT', async () => {
    assert.equal((await dig('cluster.local', 'SOA')).answers[0].type, 'SOA');
    assert.deepEqual((await dig('cluster.local', 'NS')).answers.map((x) => x.data), ['ns.dns.cluster.local.']);
    assert.deepEqual((await dig('dns-version.cluster.local', 'TXT')).answers.map((x) => x.data), ['"1.1.0"']);
  });
});
