/**
 * End-to-end: NetworkPolicy enforcement with real packets. A "node" network namespace holds a
 * bridge with three pod namespaces on it (same-node traffic, bridged, so it needs br_netfilter)
 * and one pod namespace on a routed link (standing in for a pod on another node). Real TCP servers
 * run in the pods. The NetworkPolicyController runs against a real `skiff server` (pods and
 * policies made through the API, the test playing the kubelet for pod status) and programs the
 * node namespace's filter table; then real connections show what is allowed and what is dropped:
 * the seed's backend-policy, an ipBlock with except, named ports for ingress and egress.
 *
 * Everything lives in namespaces this test creates (no default routes, nothing in the host's
 * namespace); every process, namespace and rule is removed in `after`, also on failure.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { NO_COMPONENTS, until } from '../support/controllers.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { StatusError } from '../../src/machinery/status.js';
import { NetworkPolicyController } from '../../src/networkpolicy/controller.js';
import { seedBackendPolicy, testPolicy } from '../../src/networkpolicy/testing.js';

const run = promisify(execFile);
const sh = async (...argv: string[]): Promise<string> => (await run(argv[0], argv.slice(1))).stdout;
const inNs = (ns: string, ...argv: string[]) => sh('ip', 'netns', 'exec', ns, ...argv);

const skip = process.getuid?.() !== 0 ? 'needs root (network namespaces, iptables)'
  : !['/usr/sbin/iptables-restore', '/usr/sbin/ip', '/usr/sbin/sysctl'].every((b) => existsSync(b) || existsSync(b.replace('/usr/sbin', '/sbin'))) ? 'needs iptables, iproute2 and procps'
  : undefined;

const PID = process.pid;
const N = 20 + (PID % 200);
const BRIDGE_NET = `10.250.${N}`; // the node's pod bridge: pods .10-.12, node .1
const REMOTE_NET = `10.251.${N}`; // the routed link to the "remote" pod: node .1, pod .2
const NODE_NS = `skt-np-node-${PID}`;
const NS = 'doctor-app';
const NODE = 'np-node-1';

interface TestPod { name: string; netns: string; ip: string; labels: Record<string, string>; ports: number[]; named?: { name: string; containerPort: number }[]; remote?: boolean }
const PODS: TestPod[] = [
  { name: 'frontend', netns: `skt-np-fe-${PID}`, ip: `${REMOTE_NET}.2`, labels: { app: 'doctor-frontend' }, ports: [8000], remote: true },
  { name: 'backend', netns: `skt-np-be-${PID}`, ip: `${BRIDGE_NET}.10`, labels: { app: 'doctor-backend' }, ports: [8000, 9000] },
  { name: 'postgres-0', netns: `skt-np-pg-${PID}`, ip: `${BRIDGE_NET}.11`, labels: { app: 'postgres' }, ports: [5432, 6000], named: [{ name: 'http', containerPort: 6000 }] },
  { name: 'other', netns: `skt-np-ot-${PID}`, ip: `${BRIDGE_NET}.12`, labels: { app: 'other' }, ports: [5432, 8000], named: [{ name: 'http', containerPort: 8000 }] },
];
const pod = (name: string): TestPod => PODS.find((p) => p.name === name)!;

const SERVER = `const net = require('net'); const ports = JSON.parse(process.argv[1]); let n = 0;
for (const p of ports) net.createServer((s) => s.end('ok ' + p + '\\n')).listen(p, '0.0.0.0', () => { if (++n === ports.length) console.log('ready'); });`;
const PROBE = `const net = require('net');
Promise.all(JSON.parse(process.argv[1]).map((t) => new Promise((res) => {
  const s = net.connect({ host: t.host, port: t.port }); let data = '';
  const timer = setTimeout(() => { s.destroy(); res('timeout'); }, t.timeoutMs);
  s.on('data', (d) => { data += d; });
  s.on('end', () => { clearTimeout(timer); res(data.startsWith('ok') ? 'ok' : 'bad reply ' + data); });
  s.on('error', (e) => { clearTimeout(timer); res('error ' + e.code); });
}))).then((r) => console.log(JSON.stringify(r)));`;

type Expect = [from: string, to: string, port: number, allowed: boolean];

/**
 * Try every connection at once from inside its source netns ('node' is the node itself). Allowed
 * ones get a generous deadline (they answer in a millisecond); denied ones are DROPped, so they can
 * only time out, and 1 s is plenty to tell.
 */
async function check(expects: Expect[]): Promise<void> {
  const bySource = new Map<string, Expect[]>();
  for (const e of expects) bySource.set(e[0], [...(bySource.get(e[0]) ?? []), e]);
  const failures: string[] = [];
  await Promise.all([...bySource].map(async ([from, list]) => {
    const netns = from === 'node' ? NODE_NS : pod(from).netns;
    const targets = list.map(([, to, port, allowed]) => ({ host: pod(to).ip, port, timeoutMs: allowed ? 10_000 : 1000 }));
    const results: string[] = JSON.parse(await inNs(netns, process.execPath, '-e', PROBE, JSON.stringify(targets)));
    list.forEach(([, to, port, allowed], i) => {
      if ((results[i] === 'ok') !== allowed) failures.push(`${from} -> ${to}:${port}: expected ${allowed ? 'allowed' : 'dropped'}, got ${results[i]}`);
      else if (!allowed && results[i] !== 'timeout') failures.push(`${from} -> ${to}:${port}: expected a DROP (timeout), got ${results[i]}`);
    });
  }));
  assert.deepEqual(failures, []);
}

describe('NetworkPolicy enforcement on a node (real netns, iptables, TCP)', { skip }, () => {
  let srv: SkiffServer | undefined;
  let cs: Clientset | undefined;
  let ctl: NetworkPolicyController | undefined;
  const servers: ChildProcess[] = [];
  const made: string[] = [];
  const logs: string[] = [];

  const save = () => inNs(NODE_NS, 'iptables-save', '-t', 'filter');

  before(async () => {
    // The node: a netns with a bridge for local pods and a routed link for the "remote" pod.
    await sh('ip', 'netns', 'add', NODE_NS); made.push(NODE_NS);
    await inNs(NODE_NS, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    await inNs(NODE_NS, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0'); // the controller must turn it on
    await sh('ip', '-n', NODE_NS, 'link', 'set', 'lo', 'up');
    await sh('ip', '-n', NODE_NS, 'link', 'add', 'cbr0', 'type', 'bridge');
    await sh('ip', '-n', NODE_NS, 'addr', 'add', `${BRIDGE_NET}.1/24`, 'dev', 'cbr0');
    await sh('ip', '-n', NODE_NS, 'link', 'set', 'cbr0', 'up');
    // A decoy ACCEPT first in FORWARD, as kube-proxy's KUBE-FORWARD would be: policy must still come first.
    await inNs(NODE_NS, 'iptables', '-I', 'FORWARD', '1', '-m', 'comment', '--comment', 'decoy accept', '-j', 'ACCEPT');
    for (const [i, p] of PODS.entries()) {
      await sh('ip', 'netns', 'add', p.netns); made.push(p.netns);
      const host = `veth${i}`;
      await sh('ip', '-n', NODE_NS, 'link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.netns);
      await sh('ip', '-n', p.netns, 'link', 'set', 'lo', 'up');
      await sh('ip', '-n', p.netns, 'addr', 'add', `${p.ip}/24`, 'dev', 'eth0');
      await sh('ip', '-n', p.netns, 'link', 'set', 'eth0', 'up');
      if (p.remote) {
        await sh('ip', '-n', NODE_NS, 'addr', 'add', `${REMOTE_NET}.1/24`, 'dev', host);
        await sh('ip', '-n', p.netns, 'route', 'add', `${BRIDGE_NET}.0/24`, 'via', `${REMOTE_NET}.1`);
      } else {
        await sh('ip', '-n', NODE_NS, 'link', 'set', host, 'master', 'cbr0');
        await sh('ip', '-n', p.netns, 'route', 'add', `${REMOTE_NET}.0/24`, 'via', `${BRIDGE_NET}.1`);
      }
      await sh('ip', '-n', NODE_NS, 'link', 'set', host, 'up');
      const child = spawn('ip', ['netns', 'exec', p.netns, process.execPath, '-e', SERVER, JSON.stringify(p.ports)], { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(child);
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (b: Buffer) => { out += b; if (out.includes('ready')) resolve(); });
        child.once('exit', (code) => reject(new Error(`server in ${p.netns} exited with ${code}`)));
      });
    }

    // The API side: pods and their status as a kubelet would report them.
    srv = await startSkiffServer({ args: NO_COMPONENTS });
    cs = newClientset({ ...configFromKubeconfig(srv.kubeconfig), userAgent: 'skiff-e2e-networkpolicy' });
    await cs.namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const p of PODS) {
      await cs.pods.create(NS, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, labels: p.labels },
        spec: { nodeName: p.remote ? 'np-node-2' : NODE, containers: [{ name: 'c', image: 'busybox', ports: [...(p.named ?? [])] }] },
      });
      for (;;) {
        const cur = await cs.pods.get(NS, p.name);
        cur.status = { ...cur.status, phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }] };
        try { await cs.pods.updateStatus(NS, cur); break; } catch (e) { if (!(e instanceof StatusError && e.code === 409)) throw e; }
      }
    }
    ctl = new NetworkPolicyController({ cs, nodeName: NODE, netns: NODE_NS, syncDelayMs: 20, log: (m) => logs.push(m) });
    await ctl.start();
  });

  after(async () => {
    ctl?.stop();
    for (const c of servers) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(servers.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    // Deleting the namespaces takes their veths, the bridge and the node's iptables with them.
    for (const ns of made.reverse()) await sh('ip', 'netns', 'del', ns).catch(() => {});
    cs?.close();
    await srv?.stop();
  });

  it('with no policy every pod reaches every pod; the controller turned bridge-nf-call-iptables on in the node only', async () => {
    assert.equal((await inNs(NODE_NS, 'sysctl', '-n', 'net.bridge.bridge-nf-call-iptables')).trim(), '1');
    const rules = (await inNs(NODE_NS, 'iptables', '-S', 'FORWARD')).split('\n').filter((l) => l.startsWith('-A'));
    assert.match(rules[0], /-j SKIFF-NP-FORWARD$/, 'the policy jump is ahead of the decoy ACCEPT');
    await check([['frontend', 'backend', 9000, true], ['other', 'backend', 8000, true], ['backend', 'other', 5432, true]]);
  });

  it('the seed\'s backend-policy: frontend -> backend:8000 only; backend -> postgres:5432 only', async () => {
    await cs!.networkpolicies.create(NS, seedBackendPolicy());
    await until(async () => (await save()).includes('doctor-app/backend-policy egress[0]'), 'backend-policy rules in the node');
    await check([
      ['frontend', 'backend', 8000, true], // frontend -> backend:8000 allowed (across the routed link)
      ['frontend', 'backend', 9000, false], // other ports of backend refused
      ['other', 'backend', 8000, false], // other pods -> backend refused (same node, bridged)
      ['postgres-0', 'backend', 8000, false],
      ['backend', 'postgres-0', 5432, true], // backend -> postgres:5432 allowed
      ['backend', 'postgres-0', 6000, false], // backend -> postgres on another port refused
      ['backend', 'other', 5432, false], // backend -> anything else refused
      ['backend', 'frontend', 8000, false],
      ['other', 'postgres-0', 6000, true], // pods the policy does not select are untouched
      ['node', 'backend', 9000, true], // the node itself (kubelet probes) is always allowed
    ]);
  });

  it('ipBlock with except and named ports (ingress against the target, egress per destination)', async () => {
    const policies = cs!.networkpolicies;
    await policies.delete(NS, 'backend-policy');
    // other: ingress only from the bridge /24 except postgres-0, on its port named http (8000).
    await policies.create(NS, testPolicy(NS, 'other-ingress', {
      podSelector: { matchLabels: { app: 'other' } },
      // (8 CIDRs x 2 ports: rendered through a shared peer chain and the allow mark, not inline.)
      ingress: [{ from: [{ ipBlock: { cidr: `${BRIDGE_NET}.0/24`, except: [`${BRIDGE_NET}.11/32`] } }], ports: [{ port: 'http' }, { port: 7000 }] }],
    }));
    // backend: egress to any pod, on whatever port that pod names http (other: 8000, postgres-0: 6000).
    await policies.create(NS, testPolicy(NS, 'backend-egress', {
      podSelector: { matchLabels: { app: 'doctor-backend' } }, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'TCP', port: 'http' }] }],
    }));
    const rules = await until(async () => { const s = await save(); return s.includes('other-ingress ingress[0]') && s.includes('backend-egress egress[0]') && !s.includes('backend-policy') ? s : ''; }, 'the new policies in the node');
    assert.match(rules, /-j SKIFF-NP-PR-[0-9A-F]{12}/, 'the ipBlock rule goes through a peer chain');
    await check([
      ['backend', 'other', 8000, true], // in the block, named port
      ['backend', 'other', 5432, false], // not the named port (and not backend's egress either)
      ['postgres-0', 'other', 8000, false], // the except
      ['frontend', 'other', 8000, false], // outside the block
      ['backend', 'postgres-0', 6000, true], // egress named port resolved on postgres-0
      ['backend', 'postgres-0', 5432, false],
      ['frontend', 'backend', 9000, true], // backend is no longer ingress-isolated
    ]);
  });

  it('a sync with no change is skipped; stop() keeps the rules; cleanup() removes chains and the jump', async () => {
    await ctl!.idle();
    const loads = ctl!.syncCount, attempts = ctl!.syncAttempts;
    await cs!.pods.patch(NS, 'frontend', { metadata: { annotations: { touched: 'yes' } } });
    await until(() => ctl!.syncAttempts > attempts, 'a sync after the pod change');
    await ctl!.idle();
    assert.equal(ctl!.syncCount, loads, 'an irrelevant change reloads nothing');
    ctl!.stop();
    assert.match(await save(), /SKIFF-NP-IN-/);
    await check([['postgres-0', 'other', 8000, false]]);
    await ctl!.cleanup();
    const after = await save();
    assert.doesNotMatch(after, /SKIFF-NP/);
    assert.match(after, /decoy accept/, 'rules that are not ours stay');
    await check([['postgres-0', 'other', 8000, true]]);
  });
});
