/**
 * @module bench/scenarios/dns
 * Issue 6's DNS figure: queries/s and p99 latency of `skiff dns` on one core, measured with
 * Debian's `dnsperf` (on the other core), for (a) cluster names (100 Services' A records) and
 * (b) cache hits of forwarded names (100 names from a loopback stub upstream, cache warmed
 * first). The anchor in the same run: Debian's `dnsmasq` on the same core serving the same names
 * (`--host-record` for the cluster names, the same stub upstream and its cache for the rest).
 * Every server listens on 127.0.0.x; nothing is asked of the machine's resolver.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APISERVER_ONLY, type Row, type Scenario } from '../lib/harness.js';
import { startSkiffServer } from '../../test/support/skiff-server.js';
import { startSkiff } from '../../test/support/skiff-process.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset } from '../../src/client/clientset.js';
import { startStubUpstream } from '../../src/dns/stub-upstream.js';
import { percentile } from '../lib/h2client.js';

const NS = 'bench-dns';
const SERVICES = 100;
const SECONDS = 8;
const LATENCY_SECONDS = 4;
const SKIFF_ADDR = '127.0.0.2';
const DNSMASQ_ADDR = '127.0.0.3';

interface PerfResult { qps: number; p99ms: number; lost: number }

/**
 * One dnsperf run on core 1. Throughput: closed loop, 64 in flight, no per-query output (dnsperf's
 * own printing would be the bottleneck). Latency: a second, shorter run with one query in flight
 * and per-query latencies (-v): the server's own time per answer, without queueing in front of it
 * (dnsperf's -Q pacing sends in bursts and measured its own queue, the same 8 ms for both).
 */
function dnsperf(addr: string, port: number, file: string, o: { seconds: number; verbose?: boolean }): Promise<{ qps: number; lost: number; latMs: number[] }> {
  return new Promise((resolve, reject) => {
    const args = ['-c', '1', 'dnsperf', '-s', addr, '-p', String(port), '-d', file, '-l', String(o.seconds)];
    args.push(...(o.verbose ? ['-c', '1', '-q', '1', '-v'] : ['-c', '4', '-q', '64']));
    const p = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const latMs: number[] = [];
    let tail = '';
    let rest = '';
    p.stdout!.on('data', (b: Buffer) => {
      const s = rest + b.toString();
      const lines = s.split('\n');
      rest = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith('> ')) latMs.push(Number(l.slice(l.lastIndexOf(' ') + 1)) * 1000);
        else tail += `${l}\n`;
      }
    });
    p.on('error', reject);
    p.on('exit', (code) => {
      const qps = Number(/Queries per second:\s+([\d.]+)/.exec(tail)?.[1]);
      const lost = Number(/Queries lost:\s+(\d+)/.exec(tail)?.[1] ?? 0);
      if (code !== 0 || !Number.isFinite(qps)) return reject(new Error(`dnsperf exited ${code}:\n${tail.slice(-2000)}`));
      resolve({ qps, lost, latMs });
    });
  });
}

async function measure(addr: string, port: number, file: string): Promise<PerfResult> {
  const t = await dnsperf(addr, port, file, { seconds: SECONDS });
  const l = await dnsperf(addr, port, file, { seconds: LATENCY_SECONDS, verbose: true });
  return { qps: t.qps, p99ms: percentile(l.latMs, 99), lost: t.lost + l.lost };
}

async function freePort(addr: string): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, addr, () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Pin a process and all its threads to core 0. */
const pin = (pid: number) => execFileSync('taskset', ['-a', '-pc', '0', String(pid)], { stdio: 'ignore' });

async function dnsBench(): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-bench-dns-'));
  const srv = await startSkiffServer({ args: APISERVER_ONLY });
  const cs = newClientset(configFromKubeconfig(srv.kubeconfig));
  const forwardedNames = Array.from({ length: SERVICES }, (_, i) => `name-${i}.example.test`);
  const upstream = await startStubUpstream(Object.fromEntries(forwardedNames.map((n, i) => [n, [{ type: 'A', data: `192.0.2.${i % 250}`, ttl: 3600 }]])));
  let dnsmasq: ChildProcess | undefined;
  let skiff: Awaited<ReturnType<typeof startSkiff>> | undefined;
  try {
    await cs.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const records: string[] = [];
    for (let i = 0; i < SERVICES; i++) {
      const svc = await cs.services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}` }, spec: { ports: [{ name: 'http', port: 80 }] } });
      records.push(`--host-record=svc-${i}.${NS}.svc.cluster.local,${svc.spec.clusterIP}`);
    }
    const clusterFile = join(dir, 'cluster.txt');
    const forwardFile = join(dir, 'forward.txt');
    await writeFile(clusterFile, Array.from({ length: SERVICES }, (_, i) => `svc-${i}.${NS}.svc.cluster.local A\n`).join(''));
    await writeFile(forwardFile, forwardedNames.map((n) => `${n} A\n`).join(''));

    skiff = await startSkiff(['dns', '--kubeconfig', srv.kubeconfig, '--listen', `${SKIFF_ADDR}:0`, '--upstream', upstream.address], /serving cluster\.local on [\d.]+:(\d+)/);
    const skiffPort = Number((await skiff.waitFor(/serving cluster\.local on [\d.]+:(\d+)/))[1]);
    pin(skiff.proc.pid!);

    const dmPort = await freePort(DNSMASQ_ADDR);
    dnsmasq = spawn('dnsmasq', ['--no-daemon', '-C', '/dev/null', '--no-resolv', '--no-hosts', '--pid-file=', '--bind-interfaces',
      '--listen-address', DNSMASQ_ADDR, '--port', String(dmPort), `--server=127.0.0.1#${upstream.port}`, '--cache-size=10000', '--local-ttl=5', ...records],
    { stdio: ['ignore', 'ignore', 'pipe'] });
    let dmLog = '';
    dnsmasq.stderr!.on('data', (b) => (dmLog += b));
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`dnsmasq did not start:\n${dmLog}`)), 10_000);
      const check = () => { if (/started, version/.test(dmLog)) { clearTimeout(t); res(); } };
      dnsmasq!.stderr!.on('data', check);
      dnsmasq!.once('exit', (c) => { clearTimeout(t); rej(new Error(`dnsmasq exited ${c}:\n${dmLog}`)); });
      check();
    });
    pin(dnsmasq.pid!);

    // Warm both caches with every forwarded name (and check both answer the cluster names).
    for (const [addr, port] of [[SKIFF_ADDR, skiffPort], [DNSMASQ_ADDR, dmPort]] as const) {
      execFileSync('dnsperf', ['-s', addr, '-p', String(port), '-d', forwardFile, '-n', '1'], { stdio: 'ignore' });
      const a = execFileSync('dig', [`@${addr}`, '-p', String(port), '+short', `svc-0.${NS}.svc.cluster.local`]).toString().trim();
      if (!a) throw new Error(`${addr}:${port} does not answer the cluster names`);
    }

    const rows: Row[] = [];
    const results: Record<string, PerfResult> = {};
    for (const [what, file] of [['cluster names', clusterFile], ['forwarded names (cache hits)', forwardFile]] as const) {
      const s = results[`skiff ${what}`] = await measure(SKIFF_ADDR, skiffPort, file);
      const d = results[`dnsmasq ${what}`] = await measure(DNSMASQ_ADDR, dmPort, file);
      rows.push(
        { name: `dns ${what}: skiff queries/s (1 core)`, value: s.qps, unit: 'q/s', note: s.lost ? `${s.lost} lost` : undefined },
        { name: `dns ${what}: dnsmasq queries/s (anchor)`, value: d.qps, unit: 'q/s' },
        { name: `dns ${what}: skiff / dnsmasq queries/s`, value: s.qps / d.qps, unit: 'ratio' },
        { name: `dns ${what}: skiff p99 (1 in flight)`, value: s.p99ms, unit: 'ms' },
        { name: `dns ${what}: dnsmasq p99 (1 in flight, anchor)`, value: d.p99ms, unit: 'ms' },
        { name: `dns ${what}: skiff / dnsmasq p99`, value: s.p99ms / d.p99ms, unit: 'ratio' },
      );
    }
    return rows;
  } finally {
    if (dnsmasq && dnsmasq.exitCode === null && dnsmasq.signalCode === null) {
      const exited = new Promise((r) => dnsmasq!.once('exit', r));
      dnsmasq.kill('SIGTERM');
      await exited;
    }
    await skiff?.stop();
    await upstream.stop();
    cs.close();
    await srv.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function dnsScenarios(): Scenario[] {
  const missing = ['dnsperf', 'dnsmasq', 'dig', 'taskset'].filter((b) => !['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => existsSync(join(d, b))));
  return [{ name: 'dns', needs: missing.length ? missing : undefined, run: dnsBench }];
}
