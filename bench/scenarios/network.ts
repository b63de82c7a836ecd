/**
 * @module bench/scenarios/network
 * Issue 6's figure: pod-to-pod and pod-to-Service throughput and latency across nodes, against a
 * direct veth baseline, in one run on real parts.
 *
 * - Baseline: two scratch network namespaces joined by one veth pair (a private /30 no route uses).
 * - Cluster: `skiff up --nodes 2` (loopback registry with the test images, a loopback stub as the
 *   DNS upstream, unique underlay/cluster CIDRs and names), a busybox pod pinned to each node and a
 *   ClusterIP Service selecting pod B. The pod image has no iperf3, so the host's tools run INSIDE
 *   each pod's network namespace (`nsenter --net=/proc/PID/ns/net`, PID being the pod's `sleep`).
 *
 * The baseline pair stays up while the cluster comes up, and the four paths (baseline, pod-to-pod,
 * pod-to-Service, and node-to-node over the underlay for reference) are measured back to back, so
 * the machine's drifting load hits them alike. Each path gets the same measurements:
 * - TCP throughput: `iperf3 -c ... -t 5 -J`, one stream, Gbit/s received.
 * - TCP request/response latency: one connection, one byte each way, 2,000 round trips after 200
 *   warm-up ones, per-round-trip p50/p99 (netperf's TCP_RR idea; both ends are small Node scripts
 *   run with the host's node inside the namespaces, so the figure includes two event-loop hops,
 *   the same on every path). This is the latency that works through a ClusterIP: kube-proxy only
 *   DNATs the Service's ports, so a ClusterIP does not answer ping, as upstream.
 * - ICMP RTT: busybox `ping -c 200 -i 0.01` per-packet times, avg and p99 (every path but the ClusterIP).
 *
 * Every packet stays on loopback, in the benchmark's namespaces and on the cluster's own underlay
 * bridge; the nodes have no default route. Everything is torn down, also on failure.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { percentile } from '../lib/h2client.js';
import type { Row, Scenario } from '../lib/harness.js';
import { freeUpNetworks, skiffCli } from '../../test/support/skiff-up.js';
import { startRegistry, type TestRegistry } from '../../test/support/registry.js';
import { pushTestImages } from '../../test/support/images.js';
import { until } from '../../test/support/controllers.js';
import { startStubUpstream, type StubUpstream } from '../../src/dns/stub-upstream.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';

const run = promisify(execFile);
const IPERF_PORT = 5201;
const RR_PORT = 5202;
const RR_ROUNDS = 2000;
const RR_WARMUP = 200;
const PINGS = 200;

/** The measurements of one path. */
interface PathFigures { gbps: number; retransmits: number; rrP50: number; rrP99: number; pingAvg?: number; pingP99?: number }

/** A TCP echo server: answers every byte it reads, Nagle off. Prints "listening" once bound. */
const ECHO_SERVER = `const net=require('net');
net.createServer((c)=>{c.setNoDelay(true);c.on('data',(d)=>c.write(d));c.on('error',()=>{});})
  .listen(+process.argv[1],'0.0.0.0',()=>console.log('listening'));`;

/** One connection, one byte in flight at a time: prints the round-trip times (µs) as JSON. */
const RR_CLIENT = `const net=require('net');
const [host,port,n,warm]=[process.argv[1],+process.argv[2],+process.argv[3],+process.argv[4]];
const s=net.connect({host,port});s.setNoDelay(true);
const to=setTimeout(()=>{console.error('connect timeout');process.exit(2);},2000);
const b=Buffer.from('x');const xs=[];let i=0,t0=0n;
s.on('connect',()=>{clearTimeout(to);t0=process.hrtime.bigint();s.write(b);});
s.on('data',()=>{const t1=process.hrtime.bigint();if(i>=warm)xs.push(Number(t1-t0)/1000);
  if(++i>=n+warm){process.stdout.write(JSON.stringify(xs));s.destroy();return;}t0=process.hrtime.bigint();s.write(b);});
s.on('error',(e)=>{console.error(e.message);process.exit(1);});`;

/** Arguments that run `cmd` in the network namespace at `netPath` (a /run/netns file or /proc/PID/ns/net). */
const inNet = (netPath: string, cmd: string[]): [string, string[]] => ['nsenter', [`--net=${netPath}`, ...cmd]];

/** Processes this scenario started and has not reaped yet: killed by PID on the way out. */
const started = new Set<ChildProcess>();

function start(netPath: string, cmd: string[]): ChildProcess {
  const [f, a] = inNet(netPath, cmd);
  const p = spawn(f, a, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(p);
  p.on('exit', () => started.delete(p));
  return p;
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await gone;
}

async function listening(netPath: string, port: number): Promise<boolean> {
  const [f, a] = inNet(netPath, ['ss', '-Hltn', `sport = :${port}`]);
  return (await run(f, a)).stdout.trim() !== '';
}

/** `iperf3 -s -1` in `server`, `iperf3 -c target -t 5 -J` in `client`: received Gbit/s and retransmits. */
async function iperf(server: string, client: string, target: string, port = IPERF_PORT): Promise<{ gbps: number; retransmits: number }> {
  const s = start(server, ['iperf3', '-s', '-1', '-p', String(port)]);
  try {
    await until(() => listening(server, port), `iperf3 server listening on :${port}`, 10_000);
    const [f, a] = inNet(client, ['iperf3', '-c', target, '-p', String(port), '-t', '5', '-J', '--connect-timeout', '3000']);
    const { stdout } = await run(f, a, { timeout: 30_000, maxBuffer: 8 << 20 });
    const j = JSON.parse(stdout);
    if (j.error) throw new Error(`iperf3 -> ${target}:${port}: ${j.error}`);
    return { gbps: j.end.sum_received.bits_per_second / 1e9, retransmits: j.end.sum_sent.retransmits ?? 0 };
  } finally { await stop(s); }
}

/** The RR client once: round-trip times in µs, or throws (connect refused/timed out). */
async function rrOnce(client: string, target: string, port: number, n: number, warm: number): Promise<number[]> {
  const [f, a] = inNet(client, [process.execPath, '-e', RR_CLIENT, target, String(port), String(n), String(warm)]);
  const { stdout } = await run(f, a, { timeout: 60_000, maxBuffer: 8 << 20 });
  return JSON.parse(stdout) as number[];
}

/** An echo server in `server` (listening on `port` in every address there). */
async function startEcho(server: string, port = RR_PORT): Promise<ChildProcess> {
  const s = start(server, [process.execPath, '-e', ECHO_SERVER, String(port)]);
  await until(() => listening(server, port), `echo server listening on :${port}`, 10_000);
  return s;
}

/** busybox ping's per-packet RTTs (ms -> µs). */
async function icmp(client: string, target: string): Promise<number[]> {
  const [f, a] = inNet(client, ['/bin/busybox', 'ping', '-c', String(PINGS), '-i', '0.01', '-W', '2', target]);
  const { stdout } = await run(f, a, { timeout: 30_000, maxBuffer: 8 << 20 });
  const xs = [...stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000);
  if (xs.length < PINGS * 0.9) throw new Error(`ping ${target}: only ${xs.length}/${PINGS} replies`);
  return xs;
}

const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Throughput, TCP RR and (when `ping`) ICMP from `client` to `target`, servers in `server`. */
async function measure(server: string, client: string, target: string, ports: { iperf: number; rr: number }, ping: boolean): Promise<PathFigures> {
  const t = await iperf(server, client, target, ports.iperf);
  const echo = await startEcho(server);
  let rr: number[];
  try { rr = await rrOnce(client, target, ports.rr, RR_ROUNDS, RR_WARMUP); } finally { await stop(echo); }
  const f: PathFigures = { gbps: t.gbps, retransmits: t.retransmits, rrP50: percentile(rr, 50), rrP99: percentile(rr, 99) };
  if (ping) { const xs = await icmp(client, target); f.pingAvg = avg(xs); f.pingP99 = percentile(xs, 99); }
  return f;
}

/** A /30 in 10.251.0.0/16 that no route of this host touches. */
function freeBaselineNet(): string {
  const routed = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (let k = 0; k < 250; k++) {
    const p = `10.251.${(process.pid + k) % 250}.`;
    if (!routed.includes(p)) return p;
  }
  throw new Error('bench/network: no free 10.251.x.0/30 for the baseline');
}

/** The baseline path: server and client namespace paths and the server's address. */
interface Pair { server: string; client: string; target: string }

/**
 * Two namespaces joined by a direct veth pair, alive while `fn` runs, so the baseline is measured
 * in the same minute as the cluster's paths (the machine's load drifts; ratios should not).
 */
async function withBaselinePair<T>(fn: (pair: Pair) => Promise<T>): Promise<T> {
  const tag = `${process.pid % 100_000}`;
  const nsA = `skb-nw-${process.pid}-a`;
  const nsB = `skb-nw-${process.pid}-b`;
  const net = freeBaselineNet();
  try {
    await run('ip', ['netns', 'add', nsA]);
    await run('ip', ['netns', 'add', nsB]);
    // The pair is born inside the namespaces: the host's namespace never holds either end.
    await run('ip', ['link', 'add', `sknw${tag}a`, 'netns', nsA, 'type', 'veth', 'peer', 'name', `sknw${tag}b`, 'netns', nsB]);
    for (const [ns, dev, ip] of [[nsA, `sknw${tag}a`, `${net}1/30`], [nsB, `sknw${tag}b`, `${net}2/30`]]) {
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await run('ip', ['-n', ns, 'addr', 'add', ip, 'dev', dev]);
      await run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
    return await fn({ server: `/run/netns/${nsB}`, client: `/run/netns/${nsA}`, target: `${net}2` });
  } finally {
    // Deleting a namespace deletes its veth end, and with it the pair.
    await run('ip', ['netns', 'del', nsA]).catch(() => {});
    await run('ip', ['netns', 'del', nsB]).catch(() => {});
  }
}

/** A /24 underlay and /16 cluster CIDR that no route of this host touches (as the multinode test picks them, other ranges). */
/** The network namespace of a pod: its `sleep <arg>` process whose namespace holds `podIP`. */
async function podNet(arg: string, podIP: string): Promise<string> {
  const want = `sleep\0${arg}\0`;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd: string;
    try { cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8'); } catch { continue; }
    if (cmd !== want) continue;
    const path = `/proc/${d}/ns/net`;
    const [f, a] = inNet(path, ['ip', '-4', '-o', 'addr']);
    const out = await run(f, a).then((r) => r.stdout, () => '');
    if (out.includes(`inet ${podIP}/`)) return path;
  }
  throw new Error(`no process "sleep ${arg}" in the network namespace of ${podIP}`);
}

interface ClusterFigures { baseline: PathFigures; load: string; podToPod: PathFigures; podToService: PathFigures; nodeToNode: PathFigures; mtus: { pod: number; node: number }; upSeconds: number }

/**
 * `skiff up --nodes 2`, a pod on each node and a Service on pod B: the baseline (over `pair`), then
 * pod-to-pod, pod-to-Service and node-to-node, back to back.
 */
async function cluster(pair: Pair): Promise<ClusterFigures> {
  const name = `nb${process.pid}`;
  const bridge = `sknb${process.pid % 100_000}`;
  const nets = freeUpNetworks('172.29', 150, 40);
  const skiff = skiffCli;
  const dir = await mkdtemp('/tmp/skb-net-');
  let reg: TestRegistry | undefined;
  let stub: StubUpstream | undefined;
  let cs: Clientset | undefined;
  let up = false;
  try {
    reg = await startRegistry();
    const images = await pushTestImages(reg.host);
    // The DNS add-on's upstream: a stub on loopback, never the machine's resolver.
    stub = await startStubUpstream({});
    const t0 = performance.now();
    up = true; // from here on, `skiff down` cleans whatever part of the cluster came up
    await skiff(['up', '--dns-upstream', stub.address, '--nodes', '2', '--data-dir', dir, '--name', name, '--underlay-cidr', nets.underlay, '--underlay-bridge', bridge,
      '--cluster-cidr', nets.cluster, '--port', '0', '--registry', reg.host, '--wait', '90s'], 150_000);
    const upSeconds = (performance.now() - t0) / 1000;
    cs = newClientset({ ...configFromKubeconfig(join(dir, 'kubeconfig')), userAgent: 'skiff-bench/network' });
    const NS = 'default';
    const pod = (n: number, label: string) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: `net-${label}`, namespace: NS, labels: { app: `net-${label}` } },
      spec: { nodeName: `${name}-n${n}`, automountServiceAccountToken: false, terminationGracePeriodSeconds: 0,
        containers: [{ name: 'c', image: images.busybox, command: ['sleep', `360${n}`] }] },
    });
    await cs.pods.create(NS, pod(1, 'a'));
    await cs.pods.create(NS, pod(2, 'b'));
    const svc = await cs.services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'net-b', namespace: NS },
      spec: { selector: { app: 'net-b' }, ports: [{ name: 'iperf', port: IPERF_PORT, targetPort: IPERF_PORT }, { name: 'rr', port: RR_PORT, targetPort: RR_PORT }] } });
    const ready = (p: any) => p.status?.phase === 'Running' && p.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' && p.status.podIP;
    const a = await until(async () => { const p = await cs!.pods.get(NS, 'net-a'); return ready(p) && p; }, 'pod net-a Ready on node 1', 60_000);
    const b = await until(async () => { const p = await cs!.pods.get(NS, 'net-b'); return ready(p) && p; }, 'pod net-b Ready on node 2', 60_000);
    const netA = await podNet('3601', a.status.podIP);
    const netB = await podNet('3602', b.status.podIP);
    // kube-proxy has programmed the Service once a connection through the ClusterIP gets its echo back.
    const echo = await startEcho(netB);
    try {
      await until(() => rrOnce(netA, svc.spec.clusterIP, RR_PORT, 1, 0).then(() => true, () => false), `${svc.spec.clusterIP}:${RR_PORT} reaches pod net-b`, 30_000);
    } finally { await stop(echo); }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const baseline = await measure(pair.server, pair.client, pair.target, { iperf: IPERF_PORT, rr: RR_PORT }, true);
    const podToPod = await measure(netB, netA, b.status.podIP, { iperf: IPERF_PORT, rr: RR_PORT }, true);
    const podToService = await measure(netB, netA, svc.spec.clusterIP, { iperf: IPERF_PORT, rr: RR_PORT }, false);
    // The underlay alone (node 1's namespace -> node 2's InternalIP over the host's bridge), to tell
    // the cost of the underlay from that of the pod bridges, routing and each node's rules.
    const node2 = await cs.nodes.get('', `${name}-n2`);
    const node2IP = node2.status.addresses.find((x: any) => x.type === 'InternalIP').address;
    const nodeToNode = await measure(`/run/netns/skiff-${name}-n2`, `/run/netns/skiff-${name}-n1`, node2IP, { iperf: IPERF_PORT, rr: RR_PORT }, true);
    const mtu = async (net: string, dev: string) => {
      const [f, a] = inNet(net, ['cat', `/sys/class/net/${dev}/mtu`]);
      return Number((await run(f, a)).stdout.trim());
    };
    const mtus = { pod: await mtu(netA, 'eth0'), node: await mtu(`/run/netns/skiff-${name}-n1`, 'eth0') };
    return { baseline, load, podToPod, podToService, nodeToNode, mtus, upSeconds };
  } finally {
    for (const p of [...started]) await stop(p);
    cs?.close();
    if (up) await skiff(['down', '--data-dir', dir], 90_000).catch((e) => { process.stderr.write(`bench/network: tear-down: ${(e as Error).message}\n`); });
    await reg?.stop();
    await stub?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function network(): Promise<Row[]> {
  const c = await withBaselinePair((pair) => cluster(pair));
  const base = c.baseline;
  const rows: Row[] = [];
  const paths: [string, PathFigures][] = [['baseline (direct veth, 2 netns)', base], ['pod-to-pod across nodes', c.podToPod], ['pod-to-Service (ClusterIP) across nodes', c.podToService],
    ['reference: node-to-node over the underlay', c.nodeToNode]];
  for (const [label, f] of paths) {
    const mtu = f === base ? `MTU 1500; load avg ${c.load}` : f === c.nodeToNode ? `MTU ${c.mtus.node}` : `pod MTU ${c.mtus.pod}`;
    rows.push({ name: `${label}: TCP throughput`, value: f.gbps, unit: 'Gbit/s', note: `iperf3 1 stream 5 s; ${f.retransmits} retransmits; ${mtu}` });
    rows.push({ name: `${label}: TCP RR latency p50`, value: f.rrP50, unit: 'µs', note: `${RR_ROUNDS} 1-byte round trips` });
    rows.push({ name: `${label}: TCP RR latency p99`, value: f.rrP99, unit: 'µs' });
    if (f.pingAvg !== undefined) {
      rows.push({ name: `${label}: ICMP RTT avg`, value: f.pingAvg, unit: 'µs', note: `busybox ping -c ${PINGS} -i 0.01` });
      rows.push({ name: `${label}: ICMP RTT p99`, value: f.pingP99!, unit: 'µs' });
    }
    if (f === base) continue;
    rows.push({ name: `${label}: throughput / baseline`, value: f.gbps / base.gbps, unit: 'ratio' });
    rows.push({ name: `${label}: RR p50 / baseline`, value: f.rrP50 / base.rrP50, unit: 'ratio' });
    if (f.pingAvg !== undefined) rows.push({ name: `${label}: ICMP avg / baseline`, value: f.pingAvg / base.pingAvg!, unit: 'ratio' });
  }
  rows.push({ name: 'skiff up --nodes 2 (to Ready)', value: c.upSeconds, unit: 's', note: 'setup, not part of the figure' });
  return rows;
}

/** Issue 6's pod network figure: `node dist/bench/run.js network`. */
export function networkScenarios(): Scenario[] {
  return [{ name: 'network', needs: ['root', 'containerd', 'iperf3'], run: network }];
}
