/**
 * End-to-end: `skiff up --nodes 3` on one machine — a control plane on the host and three nodes,
 * each a network namespace with its own containerd + runc, kubelet, CNI bridge and host-gw routes —
 * then the seed's four networking requirements on real parts: pod-to-pod across nodes without NAT
 * (the server's access log shows the client pod's IP), pod-to-pod on the same node, node-to-pod, and
 * a pod seeing its own IP (its `eth0` address equals status.podIP); plus hostPort through portmap
 * at nodeIP:hostPort from the host. A Deployment with a required hostname anti-affinity spreads its
 * three replicas over the three nodes. Then `skiff down`, and nothing of the cluster is left:
 * namespaces, links, routes, mounts, processes, cgroups.
 *
 * Every address is on the test's own underlay bridge or in its namespaces: the nodes have no
 * default route, the pods only routes to the cluster, service and underlay networks, and the host
 * blackholes the cluster and service CIDRs.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { until } from '../support/controllers.js';
import { kubectl, kubectlVersions } from '../support/kubectl.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushTestImages, type TestImages } from '../support/images.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { SKIFF_ROUTE_PROTOCOL } from '../../src/kubelet/network/routes.js';

const run = promisify(execFile);
const BIN = resolve(process.cwd(), 'bin/skiff.js');
const isRoot = process.getuid?.() === 0;
const missing = ['/usr/bin/containerd', '/usr/sbin/runc', '/usr/lib/cni/bridge', '/usr/lib/cni/portmap', '/usr/bin/docker-registry', '/usr/bin/nsenter']
  .filter((f) => !existsSync(f) && !(f === '/usr/sbin/runc' && existsSync('/usr/bin/runc')));
const SKIP = !isRoot ? 'needs root (network namespaces, containerd)' : missing.length ? `missing ${missing.join(', ')}` : false;
const KUBECTL = kubectlVersions().find((v) => v.name === '1.33') ?? kubectlVersions().at(-1);

const NAME = `t${process.pid}`;
const BRIDGE = `sku${process.pid % 100_000}`;
const NS = 'default';
const HOST_PORT = 18080;

/** A /24 underlay and /16 cluster CIDR no route of this host touches yet (other tests, a user's `skiff up`). */
function freeNetworks(): { underlay: string; cluster: string } {
  const routed = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (let k = 0; k < 50; k++) {
    const u = `172.30.${((process.pid + k) % 200) + 20}`;
    const c = `10.${200 + ((process.pid + k) % 50)}`;
    if (!routed.includes(`${u}.`) && !routed.includes(`${c}.`)) return { underlay: `${u}.0/24`, cluster: `${c}.0.0/16` };
  }
  throw new Error('no free underlay/cluster networks for the test');
}

describe('skiff up --nodes 3: the pod network across nodes on one machine', { skip: SKIP, timeout: 240_000 }, () => {
  let dir: string;
  let reg: TestRegistry;
  let images: TestImages;
  let cs: Clientset | undefined;
  let kubeconfig: string;
  let upLog = '';
  const nets = SKIP ? { underlay: '', cluster: '' } : freeNetworks();
  const nodeIP = (i: number) => nets.underlay.replace(/\.0\/24$/, `.${10 + i}`);
  const netns = (i: number) => `skiff-${NAME}-n${i}`;
  let downDone = false;

  const skiff = async (args: string[], timeoutMs: number) => {
    try {
      const r = await run(process.execPath, [BIN, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 });
      return `${r.stdout}${r.stderr}`;
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`skiff ${args[0]} failed: ${x.message}\n${x.stdout ?? ''}${x.stderr ?? ''}`);
    }
  };
  const down = () => skiff(['down', '--data-dir', dir], 90_000);
  const exec = async (pod: string, cmd: string[]) => {
    const r = await kubectl(KUBECTL!.path, kubeconfig, ['-n', NS, 'exec', pod, '--', ...cmd], undefined, 20_000);
    return r;
  };
  /** One HTTP GET with busybox nc from inside `pod` (busybox wget segfaults on this machine). */
  const getFromPod = async (pod: string, ip: string, port = 8000) => {
    const r = await exec(pod, ['sh', '-c', `printf 'GET /health HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${ip} ${port}`]);
    assert.equal(r.code, 0, `${pod} -> ${ip}:${port}: ${r.stderr}`);
    return r.stdout;
  };
  /** busybox httpd -v logs `[::ffff:PEER]:PORT: response:200` per request: the address the server saw. */
  const peersSeenBy = async (pod: string): Promise<string[]> => {
    const r = await kubectl(KUBECTL!.path, kubeconfig, ['-n', NS, 'logs', pod], undefined, 20_000);
    return [...r.stdout.matchAll(/\[(?:::ffff:)?([\d.]+)\]:\d+: response:200/g)].map((m) => m[1]!);
  };

  before(async () => {
    dir = await mkdtemp('/tmp/skup-');
    reg = await startRegistry();
    images = await pushTestImages(reg.host);
    upLog = await skiff(['up', '--nodes', '3', '--data-dir', dir, '--name', NAME, '--underlay-cidr', nets.underlay, '--underlay-bridge', BRIDGE,
      '--cluster-cidr', nets.cluster, '--port', '0', '--registry', reg.host, '--wait', '90s'], 150_000);
    kubeconfig = join(dir, 'kubeconfig');
    cs = newClientset({ ...configFromKubeconfig(kubeconfig), userAgent: 'skiff-e2e/multinode' });
  });

  after(async () => {
    cs?.close();
    if (!downDone && dir) await down().catch((e) => { process.stderr.write(`multinode: tear-down: ${(e as Error).message}\n`); });
    await reg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('brings up three Ready nodes, each in its own namespace with routes to the others\' podCIDRs and no default route', async () => {
    assert.match(upLog, /3 nodes Ready/);
    const nodes = (await cs!.nodes.list('')).items;
    assert.equal(nodes.length, 3);
    const cidrs = new Map<string, string>();
    for (let i = 1; i <= 3; i++) {
      const n = nodes.find((x: any) => x.metadata.name === `${NAME}-n${i}`);
      assert.ok(n, `node ${NAME}-n${i}`);
      assert.equal(n.status.conditions.find((c: any) => c.type === 'Ready')?.status, 'True');
      assert.deepEqual(n.status.addresses.find((a: any) => a.type === 'InternalIP')?.address, nodeIP(i));
      cidrs.set(nodeIP(i), n.spec.podCIDR);
    }
    for (let i = 1; i <= 3; i++) {
      const routes = execFileSync('ip', ['-n', netns(i), '-4', 'route'], { encoding: 'utf8' });
      assert.doesNotMatch(routes, /^default/m, `${netns(i)} has no default route`);
      for (const [ip, cidr] of cidrs) {
        if (ip === nodeIP(i)) continue;
        // The agent's host-gw syncer may still be catching up with a node that registered last.
        await until(() => execFileSync('ip', ['-n', netns(i), '-4', 'route'], { encoding: 'utf8' }).includes(`${cidr} via ${ip} dev eth0 proto ${SKIFF_ROUTE_PROTOCOL}`), `${netns(i)}: ${cidr} via ${ip}`, 20_000);
      }
      assert.equal(execFileSync('ip', ['netns', 'exec', netns(i), 'sysctl', '-n', 'net.ipv4.ip_forward'], { encoding: 'utf8' }).trim(), '1');
    }
    const host = execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' });
    assert.match(host, new RegExp(`blackhole ${nets.cluster.replace(/\./g, '\\.')}`));
    assert.match(host, /blackhole 10\.96\.0\.0\/12/);
  });

  it('spreads a Deployment over the nodes; each pod sees its own IP; pod-to-pod across nodes and on one node without NAT', async () => {
    await cs!.deployments.create(NS, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 3, selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            automountServiceAccountToken: false, terminationGracePeriodSeconds: 1,
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } },
            containers: [{ name: 'web', image: images.doctorBackend, ports: [{ containerPort: 8000, hostPort: HOST_PORT }], readinessProbe: { tcpSocket: { port: 8000 }, periodSeconds: 1 } }],
          },
        },
      },
    });
    await cs!.pods.create(NS, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: NS },
      spec: { nodeName: `${NAME}-n1`, automountServiceAccountToken: false, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: images.busybox, command: ['sleep', '3600'] }] },
    });
    const running = (p: any) => p.status?.phase === 'Running' && p.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True' && p.status.podIP;
    const web = await until(async () => {
      const ps = (await cs!.pods.list(NS, { labelSelector: 'app=web' })).items.filter(running);
      return ps.length === 3 && ps;
    }, '3 web pods Running and Ready', 90_000);
    const client = await until(async () => { const p = await cs!.pods.get(NS, 'client'); return running(p) && p; }, 'client pod Running', 60_000);
    assert.deepEqual(web.map((p: any) => p.spec.nodeName).sort(), [1, 2, 3].map((i) => `${NAME}-n${i}`), 'one replica per node');

    // A pod sees its own IP: its eth0 carries status.podIP (the seed's requirement 3).
    for (const p of [...web, client]) {
      const r = await exec(p.metadata.name, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`inet ${p.status.podIP.replace(/\./g, '\\.')}/`), `${p.metadata.name} sees ${p.status.podIP}`);
    }
    // Pod-to-pod, across nodes and on the same node: the server sees the client's pod IP (no NAT).
    for (const p of web) {
      assert.match(await getFromPod('client', p.status.podIP), /200 OK[\s\S]*ok$/);
      await until(async () => (await peersSeenBy(p.metadata.name)).includes(client.status.podIP), `${p.metadata.name} (${p.spec.nodeName}) logs a request from ${client.status.podIP}`, 10_000);
    }
  });

  it('node-to-pod and host-to-pod reach every pod; hostPort answers at nodeIP:hostPort (portmap)', async () => {
    const web = (await cs!.pods.list(NS, { labelSelector: 'app=web' })).items;
    for (const p of web) {
      for (const i of [1, 2]) {
        const { stdout } = await run('ip', ['netns', 'exec', netns(i), 'curl', '-sS', '-m', '5', `http://${p.status.podIP}:8000/health`]);
        assert.equal(stdout, 'ok', `node ${i} -> ${p.metadata.name}`);
        // From another node the pod sees that node's InternalIP; from its own node, the node's address on the pod bridge.
        const from = p.spec.nodeName === `${NAME}-n${i}` ? p.status.podIP.replace(/\.\d+$/, '.1') : nodeIP(i);
        await until(async () => (await peersSeenBy(p.metadata.name)).includes(from), `${p.metadata.name} (${p.spec.nodeName}) logs a request from node ${i} as ${from}`, 10_000);
      }
      const { stdout } = await run('curl', ['-sS', '-m', '5', `http://${p.status.podIP}:8000/health`]);
      assert.equal(stdout, 'ok', `host -> ${p.metadata.name}`);
    }
    const hostIP = nets.underlay.replace(/\.0\/24$/, '.1');
    for (let i = 1; i <= 3; i++) {
      const { stdout } = await run('curl', ['-sS', '-m', '5', `http://${nodeIP(i)}:${HOST_PORT}/health`]);
      assert.equal(stdout, 'ok', `hostPort on node ${i}`);
    }
    // The hostPort request reached the pod with the host's own address: DNAT only, no masquerade.
    const onN2 = web.find((p: any) => p.spec.nodeName === `${NAME}-n2`);
    await until(async () => (await peersSeenBy(onN2.metadata.name)).includes(hostIP), 'hostPort request logged from the host address', 10_000);
  });

  it('skiff down removes every namespace, link, route, mount, process and cgroup it made, and is idempotent', async () => {
    cs?.close();
    cs = undefined;
    await down();
    downDone = true;
    const netnsList = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (let i = 1; i <= 3; i++) assert.ok(!netnsList.includes(netns(i)), `${netns(i)} removed`);
    const links = execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' });
    assert.ok(!links.includes(BRIDGE), `no ${BRIDGE}* link left:\n${links}`);
    const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
    assert.ok(!routes.includes(nets.underlay.replace(/0\/24$/, '')), `no underlay route left:\n${routes}`);
    assert.ok(!routes.includes(nets.cluster.replace(/0\.0\/16$/, '')), `no cluster route left:\n${routes}`);
    const mounts = execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' });
    assert.ok(!mounts.includes(dir), `no mount under ${dir} left`);
    const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir); } catch { return false; }
    });
    assert.deepEqual(procs, [], 'no process of the cluster left');
    for (let i = 1; i <= 3; i++) assert.ok(!existsSync(`/sys/fs/cgroup/memory/skiff-${NAME}-n${i}`), `cgroup of node ${i} removed`);
    assert.match(await down(), /nothing is up/);
  });
});
