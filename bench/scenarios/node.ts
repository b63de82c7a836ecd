/**
 * @module bench/scenarios/node
 * Issue 5's figures on one real node, as a user runs it: `skiff up --nodes 1` (the agent is its own
 * process with its own containerd), then
 * - the seed's whole flow: `kubectl apply` of the 3-replica doctor-backend Deployment until every pod
 *   is Running and Ready, split into the seed's steps from watch events as they arrive here
 *   (Deployment stored, ReplicaSet created, pods created, bound, Running, Ready);
 * - the agent's RSS idle and with 50 pods, read from /proc, containerd and its shims apart.
 * Images come from a loopback registry (through skiff up's mirror), pulled before the timed run.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freeUpNetworks, skiffCli } from '../../test/support/skiff-up.js';
import { startRegistry, type TestRegistry } from '../../test/support/registry.js';
import { pushTestImages } from '../../test/support/images.js';
import { until } from '../../test/support/controllers.js';
import { startStubUpstream, type StubUpstream } from '../../src/dns/stub-upstream.js';
import { readState } from '../../src/cluster/state.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import type { Row, Scenario } from '../lib/harness.js';

const NS = 'doctor-app';

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN; };
const rssMB = (pid: number): number => { try { const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8')); return m ? Number(m[1]) / 1024 : 0; } catch { return 0; } };

/** RSS of the processes whose command line contains `needle` (containerd, its shims), in MB. */
function rssOf(match: (cmd: string) => boolean): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try { if (match(readFileSync(`/proc/${d}/cmdline`, 'utf8'))) total += rssMB(Number(d)); } catch { /* gone */ }
  }
  return total;
}

function deployment(name: string, image: string, replicas: number, probes: boolean): string {
  const probe = (path: string) => `{ httpGet: { path: ${path}, port: 8000 }, periodSeconds: 1 }`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${NS} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 0
      containers:
      - name: app
        image: ${image}
${probes ? `        ports: [{ containerPort: 8000 }]
        livenessProbe: ${probe('/health')}
        readinessProbe: ${probe('/ready')}` : `        command: [sleep, "3600"]`}
`;
}

function kubectlApply(kubeconfig: string, yaml: string): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn('kubectl', ['--kubeconfig', kubeconfig, 'apply', '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b) => (err += b));
    p.on('close', (c) => (c === 0 ? res() : rej(new Error(`kubectl apply: ${err}`))));
    p.stdin.end(yaml);
  });
}

async function oneNode(): Promise<Row[]> {
  const dir = await mkdtemp('/tmp/skb-node-');
  const nets = freeUpNetworks('172.28', 112, 38);
  const name = `bn${process.pid}`;
  let reg: TestRegistry | undefined, stub: StubUpstream | undefined, cs: Clientset | undefined;
  let up = false;
  const skiff = skiffCli;
  try {
    reg = await startRegistry();
    const images = await pushTestImages(reg.host);
    stub = await startStubUpstream({});
    up = true;
    await skiff(['up', '--nodes', '1', '--data-dir', dir, '--name', name, '--underlay-cidr', nets.underlay, '--underlay-bridge', `skbn${process.pid % 100_000}`,
      '--cluster-cidr', nets.cluster, '--port', '0', '--registry', reg.host, '--dns-upstream', stub.address, '--wait', '90s'], 150_000);
    const kubeconfig = join(dir, 'kubeconfig');
    cs = newClientset({ ...configFromKubeconfig(kubeconfig), userAgent: 'skiff-bench/node' });
    await cs.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const state = readState(dir)!;
    const agentPid = state.processes.find((p) => p.role === 'agent')!.pid;
    const nodeDir = state.nodeDirs[0]!;
    await until(async () => (await cs!.serviceaccounts.list(NS)).items.some((s: any) => s.metadata.name === 'default'), 'default ServiceAccount', 30_000);
    // Pull both images first: the figure is with images present.
    await kubectlApply(kubeconfig, deployment('warm', images.doctorBackend, 1, true));
    await until(async () => (await cs!.pods.list(NS, { labelSelector: 'app=warm' })).items.some((p: any) => p.status?.phase === 'Running'), 'warm-up pod Running', 90_000);
    await cs.deployments.delete(NS, 'warm');
    await new Promise((r) => setTimeout(r, 3_000));
    const idleAgent = rssMB(agentPid);

    // The seed's flow, timed from watch events.
    const t: Record<string, number> = {};
    const pods = new Map<string, { created?: number; bound?: number; running?: number; ready?: number }>();
    const rv = async (r: 'deployments' | 'replicasets' | 'pods') => (await cs![r].list(NS)).metadata.resourceVersion;
    const watches = [
      cs.deployments.watch(NS, { resourceVersion: await rv('deployments') }, (ev: any) => { if (ev.object?.metadata?.name === 'doctor-backend') t.deployment ??= performance.now(); }, () => {}),
      cs.replicasets.watch(NS, { resourceVersion: await rv('replicasets') }, (ev: any) => { if (ev.object?.metadata?.labels?.app === 'doctor-backend') t.replicaset ??= performance.now(); }, () => {}),
      cs.pods.watch(NS, { resourceVersion: await rv('pods') }, (ev: any) => {
        const p = ev.object;
        if (p?.metadata?.labels?.app !== 'doctor-backend') return;
        const now = performance.now();
        const s = pods.get(p.metadata.name) ?? {};
        pods.set(p.metadata.name, s);
        s.created ??= now;
        if (p.spec?.nodeName) s.bound ??= now;
        if (p.status?.phase === 'Running') s.running ??= now;
        if (p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) s.ready ??= now;
      }, () => {}),
    ];
    const t0 = performance.now();
    await kubectlApply(kubeconfig, deployment('doctor-backend', images.doctorBackend, 3, true));
    await until(() => pods.size === 3 && [...pods.values()].every((s) => s.ready !== undefined), '3 doctor-backend pods Ready', 120_000);
    for (const w of watches) w.stop();
    const ps = [...pods.values()];
    const rows: Row[] = [
      { name: 'apply -> Deployment stored (kubectl incl.)', value: t.deployment! - t0, unit: 'ms', note: 'seed steps 1-6' },
      { name: 'Deployment -> ReplicaSet created', value: t.replicaset! - t.deployment!, unit: 'ms', note: 'step 7' },
      { name: 'ReplicaSet -> pod created (median of 3)', value: median(ps.map((s) => s.created! - t.replicaset!)), unit: 'ms', note: 'step 8' },
      { name: 'pod created -> bound (median)', value: median(ps.map((s) => s.bound! - s.created!)), unit: 'ms', note: 'step 9, scheduler' },
      { name: 'bound -> Running (median)', value: median(ps.map((s) => s.running! - s.bound!)), unit: 'ms', note: 'step 10, kubelet: sandbox, CNI, create, start, status' },
      { name: 'Running -> Ready (median)', value: median(ps.map((s) => s.ready! - s.running!)), unit: 'ms', note: 'first readiness probe (periodSeconds 1)' },
      { name: 'apply -> all 3 Running', value: Math.max(...ps.map((s) => s.running!)) - t0, unit: 'ms', note: 'seed: 2-15 s' },
      { name: 'apply -> all 3 Ready', value: Math.max(...ps.map((s) => s.ready!)) - t0, unit: 'ms' },
    ];

    // The agent with 50 pods.
    await kubectlApply(kubeconfig, deployment('fifty', images.busybox, 50, false));
    await until(async () => (await cs!.pods.list(NS, { labelSelector: 'app=fifty' })).items.filter((p: any) => p.status?.phase === 'Running').length === 50, '50 pods Running', 300_000);
    await new Promise((r) => setTimeout(r, 3_000));
    rows.push(
      { name: 'agent RSS idle (own process: kubelet, host-gw, NetworkPolicy)', value: idleAgent, unit: 'MB', target: '< 100' },
      { name: 'agent RSS with 53 pods', value: rssMB(agentPid), unit: 'MB', target: '< 100' },
      { name: 'containerd daemon RSS', value: rssOf((c) => c.startsWith('containerd\0') && c.includes(nodeDir)), unit: 'MB' },
      { name: 'containerd shims RSS (53 pods)', value: rssOf((c) => c.includes('containerd-shim') && c.includes(nodeDir)), unit: 'MB' },
    );
    return rows;
  } finally {
    cs?.close();
    if (up) await skiff(['down', '--data-dir', dir], 120_000).catch((e) => { process.stderr.write(`bench/node: tear-down: ${(e as Error).message}\n`); });
    await reg?.stop();
    await stub?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function nodeScenarios(): Scenario[] {
  return [{ name: 'apply-to-running-node', needs: ['root', 'containerd'], run: oneNode }];
}
