/**
 * kube-proxy's iptables mode end to end, with real iptables in network namespaces this test makes
 * (nothing touches the host's rules): a "node" netns with a bridge and three "pod" netns serving
 * HTTP, and a "client" netns that reaches the node over a veth. A real skiff API server holds the
 * Service and EndpointSlices; a ProxyServer programs the node netns from them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { NO_COMPONENTS, until } from '../support/controllers.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { IptablesProxier } from '../../src/proxy/iptables/proxier.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const missing = ['iptables-restore', 'curl', 'ip'].filter((b) => !['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(`${d}/${b}`)));
const skip = !isRoot ? 'needs root (network namespaces, iptables)' : missing.length ? `missing ${missing.join(', ')}` : false;

const P = `skp${process.pid}`;
const NODE = `${P}-node`;
const CLIENT = `${P}-client`;
const PODS = [{ ns: `${P}-a`, ip: '10.244.1.2', name: 'pod-a' }, { ns: `${P}-b`, ip: '10.244.1.3', name: 'pod-b' }, { ns: `${P}-c`, ip: '10.244.1.4', name: 'pod-c' }];
const NODE_IP = '192.168.200.1';
const CLUSTER_IP = '10.96.0.20';
const EMPTY_IP = '10.96.0.21';
const UDP_IP = '10.96.0.22';
const STICKY_IP = '10.96.0.23';
const NODE_PORT = 30080;
const NS = 'default';

let srv: SkiffServer | undefined;
let cs: Clientset | undefined;
let proxy: ProxyServer | undefined;
const backends: ChildProcess[] = [];
const created: string[] = [];

const ip = (...args: string[]) => run('ip', args);
const inNs = (ns: string, cmd: string, args: string[]) => run('ip', ['netns', 'exec', ns, cmd, ...args], { timeout: 10_000 });

async function setupNetwork(): Promise<void> {
  for (const ns of [NODE, CLIENT, ...PODS.map((p) => p.ns)]) { await ip('netns', 'add', ns); created.push(ns); }
  for (const ns of [NODE, CLIENT, ...PODS.map((p) => p.ns)]) await ip('-n', ns, 'link', 'set', 'lo', 'up');
  await ip('-n', NODE, 'link', 'add', 'cbr0', 'type', 'bridge');
  await ip('-n', NODE, 'addr', 'add', '10.244.1.1/24', 'dev', 'cbr0');
  await ip('-n', NODE, 'link', 'set', 'cbr0', 'up');
  for (const [i, p] of PODS.entries()) {
    // Both ends are born inside namespaces: nothing appears in the host's.
    await ip('-n', NODE, 'link', 'add', `veth${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.ns);
    await ip('-n', NODE, 'link', 'set', `veth${i}`, 'master', 'cbr0', 'up');
    // As the CNI bridge plugin's hairpinMode does: with br_netfilter, a pod DNATed to itself is bridged back out its own port.
    await ip('-n', NODE, 'link', 'set', `veth${i}`, 'type', 'bridge_slave', 'hairpin', 'on');
    await ip('-n', p.ns, 'addr', 'add', `${p.ip}/24`, 'dev', 'eth0');
    await ip('-n', p.ns, 'link', 'set', 'eth0', 'up');
    // No default route anywhere: pods reach the service CIDR and the client subnet through the node only.
    await ip('-n', p.ns, 'route', 'add', '10.96.0.0/12', 'via', '10.244.1.1');
    await ip('-n', p.ns, 'route', 'add', '192.168.200.0/24', 'via', '10.244.1.1');
  }
  await ip('-n', NODE, 'link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', CLIENT);
  await ip('-n', NODE, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'uplink');
  await ip('-n', NODE, 'link', 'set', 'uplink', 'up');
  await ip('-n', CLIENT, 'addr', 'add', '192.168.200.2/24', 'dev', 'eth0');
  await ip('-n', CLIENT, 'link', 'set', 'eth0', 'up');
  await ip('-n', CLIENT, 'route', 'add', '10.96.0.0/12', 'via', NODE_IP);
  // The node netns's own sysctl, not the host's.
  await inNs(NODE, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  for (const p of PODS) {
    const child = spawn('ip', ['netns', 'exec', p.ns, process.execPath, '-e',
      `const n = ${JSON.stringify(p.name)}; require('http').createServer((q, s) => s.end(n)).listen(8080, '0.0.0.0');
       const u = require('dgram').createSocket('udp4'); u.on('message', (m, r) => u.send(n, r.port, r.address)); u.bind(5353);`], { stdio: 'ignore' });
    backends.push(child);
  }
  for (const p of PODS) await until(() => inNs(NODE, 'curl', ['-s', '-m', '1', `http://${p.ip}:8080/`]).then((r) => r.stdout === p.name), `${p.name} serving`);
}

/** One HTTP GET from the client netns: the body, or `exit N` when curl failed (7: connection refused). */
async function get(url: string, timeoutS = 2): Promise<string> {
  try { return (await inNs(CLIENT, 'curl', ['-s', '-m', String(timeoutS), url])).stdout; } catch (e) { return `exit ${(e as { code?: number }).code}`; }
}
async function spread(url: string, n: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) { const b = await get(url); seen.set(b, (seen.get(b) ?? 0) + 1); }
  return seen;
}

function slice(name: string, ips: string[], svc = 'web', port: { name: string; port: number; protocol: string } = { name: 'http', port: 8080, protocol: 'TCP' }) {
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: NS, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4', ports: [port],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'node-1' })) };
}

async function startProxy(): Promise<ProxyServer> {
  const p = new ProxyServer({ cs: cs!, nodeName: 'node-1', nodeIPs: [NODE_IP], clusterCIDR: '10.244.0.0/16', mode: 'iptables', proxier: new IptablesProxier({ netns: NODE }), minSyncPeriodMs: 50, syncPeriodMs: 1000 });
  await p.start();
  return p;
}
/** Resolves once a sync has applied a state where `ok` holds. */
function syncedWhere(p: ProxyServer, ok: (s: import('../../src/proxy/types.js').ProxyState) => boolean): Promise<void> {
  return new Promise((r) => { const f = (e: { state: import('../../src/proxy/types.js').ProxyState }) => { if (ok(e.state)) { p.off('synced', f); r(); } }; p.on('synced', f); });
}

before(async () => {
  if (skip) return;
  await setupNetwork();
  srv = await startSkiffServer({ args: NO_COMPONENTS });
  cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-e2e' });
  await cs.services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS },
    spec: { type: 'NodePort', clusterIP: CLUSTER_IP, selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: NODE_PORT }] } });
  await cs.services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty', namespace: NS },
    spec: { clusterIP: EMPTY_IP, selector: { app: 'nothing' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
  await cs.services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns', namespace: NS },
    spec: { clusterIP: UDP_IP, selector: { app: 'dns' }, ports: [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }] } });
  await cs.services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'sticky', namespace: NS },
    spec: { clusterIP: STICKY_IP, selector: { app: 'web' }, sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
  await cs.endpointslices.create(NS, slice('web-1', PODS.map((p) => p.ip)));
  await cs.endpointslices.create(NS, slice('dns-1', PODS.map((p) => p.ip), 'dns', { name: 'dns', port: 5353, protocol: 'UDP' }));
  await cs.endpointslices.create(NS, slice('sticky-1', PODS.map((p) => p.ip), 'sticky'));
  proxy = await startProxy();
}, { timeout: 120_000 });

after(async () => {
  await proxy?.stop();
  for (const b of backends) if (b.exitCode === null && b.signalCode === null) { const gone = new Promise((r) => b.once('exit', r)); b.kill('SIGKILL'); await gone; }
  cs?.close();
  await srv?.stop();
  // Deleting a netns takes its links, bridge, routes and iptables rules with it.
  for (const ns of created) await ip('netns', 'del', ns).catch(() => {});
});

test('ClusterIP: DNAT reaches the backends and spreads over all of them', { skip, timeout: 60_000 }, async () => {
  const seen = await spread(`http://${CLUSTER_IP}/`, 40);
  assert.deepEqual([...seen.keys()].sort(), ['pod-a', 'pod-b', 'pod-c'], JSON.stringify([...seen]));
});

test('`skiff proxy rules web` prints the live rules for the Service, as `iptables -t nat` has them', { skip, timeout: 30_000 }, async () => {
  const { stdout } = await inNs(NODE, process.execPath, [resolve('bin/skiff.js'), 'proxy', 'rules', 'web', '-n', NS]);
  assert.match(stdout, /-A KUBE-SERVICES -d 10\.96\.0\.20\/32 -p tcp -m comment --comment "default\/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-[A-Z2-7]{16}/);
  assert.match(stdout, /-m statistic --mode random --probability 0\.33333333349 -j KUBE-SEP-/);
  assert.equal((stdout.match(/-j DNAT --to-destination 10\.244\.1\.\d:8080/g) ?? []).length, 3);
  assert.ok(!stdout.includes('default/empty'));
});

test('NodePort answers on the node address', { skip, timeout: 30_000 }, async () => {
  const seen = await spread(`http://${NODE_IP}:${NODE_PORT}/`, 20);
  assert.ok([...seen.keys()].every((k) => k.startsWith('pod-')) && seen.size >= 2, JSON.stringify([...seen]));
});

test('a Service with no endpoints is refused at once (REJECT), not left to time out', { skip, timeout: 30_000 }, async () => {
  const t0 = performance.now();
  assert.equal(await get(`http://${EMPTY_IP}/`, 5), 'exit 7');
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
});

test('hairpin: a pod reaching its own Service can be sent to itself and still gets the answer', { skip, timeout: 60_000 }, async () => {
  const seen = new Map<string, number>();
  for (let i = 0; i < 30; i++) {
    const b = await inNs(PODS[0].ns, 'curl', ['-s', '-m', '2', `http://${CLUSTER_IP}/`]).then((r) => r.stdout, (e) => `exit ${e.code}`);
    seen.set(b, (seen.get(b) ?? 0) + 1);
  }
  assert.ok(seen.has('pod-a') && [...seen.keys()].every((k) => k.startsWith('pod-')), JSON.stringify([...seen]));
});

test('sessionAffinity ClientIP: every request from one client lands on the same backend', { skip, timeout: 60_000 }, async () => {
  const seen = await spread(`http://${STICKY_IP}/`, 15);
  assert.equal(seen.size, 1, JSON.stringify([...seen]));
  assert.ok([...seen.keys()][0].startsWith('pod-'));
});

/** Send one UDP datagram from a fixed source port (so conntrack keeps one flow) and return the reply. */
async function udpAsk(): Promise<string> {
  const script = `const s = require('dgram').createSocket('udp4'); s.bind(40000, () => { s.send('q', 53, ${JSON.stringify(UDP_IP)}); });
    s.on('message', (m) => { process.stdout.write(String(m)); process.exit(0); }); setTimeout(() => process.exit(3), 1500);`;
  return inNs(CLIENT, process.execPath, ['-e', script]).then((r) => r.stdout, () => 'timeout');
}

test('UDP: a removed endpoint\'s conntrack flows are deleted, so a pinned client moves to a live endpoint', { skip, timeout: 60_000 }, async () => {
  const first = await until(async () => { const r = await udpAsk(); return r.startsWith('pod-') ? r : undefined; }, 'a UDP answer');
  assert.equal(await udpAsk(), first, 'the same source port stays on the same endpoint (one conntrack flow)');
  const victim = PODS.find((p) => p.name === first)!;
  const applied = syncedWhere(proxy!, (s) => s.endpoints.get('default/dns:dns')?.length === 2);
  const cur = await cs!.endpointslices.get(NS, 'dns-1');
  await cs!.endpointslices.update(NS, { ...cur, endpoints: cur.endpoints.filter((e: any) => e.addresses[0] !== victim.ip) });
  await applied;
  // The removed pod still answers if reached: only the deleted conntrack entry can move the client.
  const next = await udpAsk();
  assert.ok(next.startsWith('pod-') && next !== first, `still pinned to ${first}: got ${next}`);
});

test('removing an endpoint from the EndpointSlice stops traffic to it', { skip, timeout: 60_000 }, async () => {
  const applied = syncedWhere(proxy!, (s) => s.endpoints.get('default/web:http')?.length === 2);
  const cur = await cs!.endpointslices.get(NS, 'web-1');
  await cs!.endpointslices.update(NS, { ...cur, endpoints: cur.endpoints.filter((e: any) => e.addresses[0] !== PODS[2].ip) });
  await applied;
  assert.equal(proxy!.lastSync?.full, false, 'an endpoint change is a partial sync');
  const seen = await spread(`http://${CLUSTER_IP}/`, 30);
  assert.deepEqual([...seen.keys()].sort(), ['pod-a', 'pod-b'], JSON.stringify([...seen]));
});

/**
 * Wipe the node's nat table (every rule, every KUBE- chain), as an admin's flush would. One
 * iptables-restore without --noflush does it in one transaction: a kube-proxy syncing at the same
 * moment cannot re-add a jump between a flush and a chain delete (which made `-X` fail with EBUSY).
 */
async function wipeNat(): Promise<void> {
  execFileSync('ip', ['netns', 'exec', NODE, 'iptables-restore', '-T', 'nat'], {
    input: '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n', timeout: 10_000,
  });
}

test('rules flushed behind kube-proxy\'s back: the canary chain is gone, the next periodic sync rewrites everything', { skip, timeout: 60_000 }, async () => {
  const repaired = new Promise<void>((r) => { const f = (e: { result: { full: boolean } }) => { if (e.result.full) { proxy!.off('synced', f); r(); } }; proxy!.on('synced', f); });
  await wipeNat();
  await repaired;
  assert.ok((await get(`http://${CLUSTER_IP}/`)).startsWith('pod-'));
});

test('kube-proxy stopped: existing rules keep serving; restarted: it reprograms from scratch', { skip, timeout: 60_000 }, async () => {
  await proxy!.stop();
  proxy = undefined;
  assert.ok((await spread(`http://${CLUSTER_IP}/`, 10)).size >= 1);
  assert.ok([...(await spread(`http://${CLUSTER_IP}/`, 10)).keys()].every((k) => k.startsWith('pod-')));
  // Wipe what it programmed: the Service is gone from this node...
  await wipeNat();
  assert.match(await get(`http://${CLUSTER_IP}/`, 1), /^exit /);
  // ...and a new kube-proxy writes everything again on start.
  proxy = await startProxy();
  assert.equal(proxy.lastSync?.full, true);
  const seen = await spread(`http://${CLUSTER_IP}/`, 30);
  assert.deepEqual([...seen.keys()].sort(), ['pod-a', 'pod-b'], JSON.stringify([...seen]));
});

test('`skiff proxy` as its own process: programs the node, prints "synced", and its rules outlive it', { skip, timeout: 60_000 }, async () => {
  await proxy?.stop();
  proxy = undefined;
  await inNs(NODE, process.execPath, [resolve('bin/skiff.js'), 'proxy', '--cleanup']);
  assert.match(await get(`http://${CLUSTER_IP}/`, 1), /^exit /);
  const child = spawn(process.execPath, [resolve('bin/skiff.js'), 'proxy', '--kubeconfig', srv!.kubeconfig, '--node-name', 'node-1', '--netns', NODE, '--cluster-cidr', '10.244.0.0/16'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  try {
    await until(() => out.includes('skiff proxy: synced'), `"synced" from skiff proxy (output: ${out})`, 30_000);
    assert.ok((await get(`http://${CLUSTER_IP}/`)).startsWith('pod-'));
  } finally {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }
  assert.ok((await get(`http://${CLUSTER_IP}/`)).startsWith('pod-'), 'rules keep serving after kube-proxy exits');
});

test('--cleanup removes every chain and jump kube-proxy made, and nothing else', { skip, timeout: 30_000 }, async () => {
  await proxy?.stop();
  proxy = undefined;
  await inNs(NODE, 'iptables', ['-t', 'nat', '-N', 'SOMEONE-ELSE']);
  await inNs(NODE, process.execPath, [resolve('bin/skiff.js'), 'proxy', '--cleanup']);
  const save = (await inNs(NODE, 'iptables-save', [])).stdout;
  assert.ok(!/KUBE-/.test(save), save);
  assert.match(save, /:SOMEONE-ELSE/);
});
