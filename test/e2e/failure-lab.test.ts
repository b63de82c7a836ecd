/**
 * End-to-end: the failure lab. `skiff up --nodes 2 --etcd-members 3` makes a cluster whose every
 * component is its own process (three etcd members, the API server, the scheduler, the controller
 * manager, and per node a kubelet in its agent and a kube-proxy), then each of the seed's "what
 * happens if it fails" paragraphs is reproduced with `skiff stop NAME` / `skiff start NAME`, the
 * commands a user runs, and the consequences the seed describes are checked on the real cluster:
 * - scheduler: new pods stay Pending with no node, existing ones run on; started, they are bound;
 * - controller manager: a deleted pod of a Deployment is not replaced; started, it is;
 * - kube-proxy: Services keep working on the rules it left, a new Service does not reach that node's
 *   rules (it does reach the other node's); started, it reprograms;
 * - kubelet: the node goes Unknown after the grace period and is tainted, new pods go elsewhere, its
 *   containers keep serving, its pods are evicted after their tolerationSeconds and replaced on the
 *   other node; started, the node is Ready again and a pod it kept running is adopted, not restarted;
 * - API server: kubectl fails, pods and a Service keep serving, a killed container is restarted by
 *   its kubelet from the spec it has; started, kubectl works and a scale made then happens;
 * - etcd: the leader killed -> another is elected and writes continue (the gap is measured); two of
 *   three members gone -> writes fail with a Status error; started again -> writes succeed.
 * Then `skiff down` with components stopped leaves nothing behind. Measured times go to the test's
 * diagnostics (docs/failure-lab.md quotes them). Restoring a lost etcd from a snapshot is
 * test/e2e/crash-safety.test.ts; stopping kube-proxy on every node is in multinode.test.ts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '../support/controllers.js';
import { kubectl, kubectlVersions } from '../support/kubectl.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { pushTestImages, type TestImages } from '../support/images.js';
import { freeUpNetworks, skiffCli } from '../support/skiff-up.js';
import { configFromKubeconfig } from '../../src/client/transport.js';
import { newClientset, type Clientset } from '../../src/client/clientset.js';
import { startStubUpstream, type StubUpstream } from '../../src/dns/stub-upstream.js';
import { readState } from '../../src/cluster/state.js';
import { componentName } from '../../src/cluster/components.js';
import { etcdLeader } from '../../src/cluster/etcd.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const missing = ['/usr/bin/containerd', '/usr/lib/cni/bridge', '/usr/bin/docker-registry', '/usr/bin/nsenter', '/usr/bin/etcd', '/usr/bin/etcdctl']
  .filter((f) => !existsSync(f));
if (!existsSync('/usr/sbin/runc') && !existsSync('/usr/bin/runc')) missing.push('runc');
const SKIP = !isRoot ? 'needs root (network namespaces, containerd)' : missing.length ? `missing ${missing.join(', ')}` : false;
const KUBECTL = kubectlVersions().find((v) => v.name === '1.33') ?? kubectlVersions().at(-1);

const NAME = `fl${process.pid}`;
const BRIDGE = `skf${process.pid % 100_000}`;
const NS = 'default';
const GRACE_S = 16;
const TOLERATION_S = 2;

const cond = (o: any, type: string): string | undefined => o?.status?.conditions?.find((c: any) => c.type === type)?.status;
const ready = (p: any) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && cond(p, 'Ready') === 'True' && p.status.podIP;

describe('the failure lab: skiff stop / skiff start reproduce the seed\'s "what happens if it fails"', { skip: SKIP, timeout: 480_000 }, () => {
  let dir: string;
  let reg: TestRegistry;
  let images: TestImages;
  let stub: StubUpstream;
  let cs: Clientset | undefined;
  let kubeconfig: string;
  let downDone = false;
  const nets = SKIP ? { underlay: '', cluster: '' } : freeUpNetworks('172.27', 20, 40);
  const node = (i: number) => `${NAME}-n${i}`;
  const netns = (i: number) => `skiff-${NAME}-n${i}`;
  const lab = (...args: string[]) => skiffCli([...args, '--data-dir', dir], 120_000);
  const k = (args: string[], ms = 20_000) => kubectl(KUBECTL!.path, kubeconfig, args, undefined, ms);
  const say = (m: string) => process.stderr.write(`failure-lab: ${m}\n`);
  /** The client pod on node i runs `sleep <this>`: how its process (and so its network namespace) is found. */
  const clientMarker = (i: number) => String(700_000 + (process.pid % 10_000) * 10 + i);
  const clientPid = (i: number) => readdirSync('/proc').find((d) => {
    try { return readFileSync(`/proc/${d}/cmdline`, 'utf8') === `sleep\u0000${clientMarker(i)}\u0000`; } catch { return false; }
  });
  /**
   * GET a URL from the host, or from the client pod on node i — the host's curl in the pod's network
   * namespace, so it works while the API server (kubectl exec) is down; '' when it fails.
   */
  const curl = async (url: string, fromPodOnNode?: number) => {
    const argv = ['-sS', '-m', '3', url];
    let r;
    if (fromPodOnNode) {
      const pid = clientPid(fromPodOnNode);
      assert.ok(pid, `the client pod's process on node ${fromPodOnNode}`);
      r = run('nsenter', [`--net=/proc/${pid}/ns/net`, 'curl', ...argv]);
    } else r = run('curl', argv);
    return (await r.catch(() => ({ stdout: '' }))).stdout;
  };
  const pods = async (app: string) => (await cs!.pods.list(NS, { labelSelector: `app=${app}` })).items;
  const natRules = (i: number) => execFileSync('ip', ['netns', 'exec', netns(i), 'iptables-save', '-t', 'nat'], { encoding: 'utf8' });
  /** `skiff status` as { name: status note }. */
  const status = async () => {
    const out = await lab('status');
    return Object.fromEntries(out.trim().split('\n').slice(1).map((l) => { const [n, s, , note] = l.split(/\s+/); return [n!, `${s}${note ? ` ${note}` : ''}`]; }));
  };
  /** Assert `cond` stays true for `ms` (the seed's "stays Pending": a window, checked all along). */
  const holds = async (ms: number, what: string, f: () => Promise<boolean>) => {
    const end = Date.now() + ms;
    while (Date.now() < end) { assert.ok(await f(), what); await new Promise((r) => setTimeout(r, 200)); }
  };
  const deployment = (name: string, replicas: number, image: string, extra: any = {}) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { automountServiceAccountToken: false, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, ...(extra.container ?? {}) }], ...(extra.spec ?? {}) },
      },
    },
  });

  before(async () => {
    dir = await mkdtemp('/tmp/sklab-');
    reg = await startRegistry();
    images = await pushTestImages(reg.host);
    stub = await startStubUpstream({});
    const t0 = Date.now();
    await skiffCli(['up', '--nodes', '2', '--etcd-members', '3', '--node-monitor-grace-period', `${GRACE_S}s`, '--node-monitor-period', '1s',
      '--data-dir', dir, '--name', NAME, '--underlay-cidr', nets.underlay, '--underlay-bridge', BRIDGE, '--cluster-cidr', nets.cluster,
      '--port', '0', '--registry', reg.host, '--dns-upstream', stub.address, '--disable-service-lb', '--disable-network-policy', '--wait', '120s'], 240_000);
    say(`skiff up --nodes 2 --etcd-members 3: ${Date.now() - t0} ms`);
    kubeconfig = join(dir, 'kubeconfig');
    cs = newClientset({ ...configFromKubeconfig(kubeconfig), userAgent: 'skiff-e2e/failure-lab' });
    // The workload the paragraphs act on: a web Deployment spread over both nodes (its pods leave a
    // NotReady node after TOLERATION_S), its Service, and a pod pinned to node 2 (default tolerations: 300 s).
    await cs.deployments.create(NS, deployment('web', 2, images.doctorBackend, {
      container: { ports: [{ containerPort: 8000 }], readinessProbe: { httpGet: { path: '/ready', port: 8000 }, periodSeconds: 1 } },
      spec: {
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: { app: 'web' } } }],
        tolerations: ['unreachable', 'not-ready'].map((t) => ({ key: `node.kubernetes.io/${t}`, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: TOLERATION_S })),
      },
    }));
    await cs.services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8000 }] } });
    await cs.pods.create(NS, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pinned', namespace: NS, labels: { app: 'pinned' } },
      spec: { nodeName: node(2), automountServiceAccountToken: false, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: images.doctorBackend }] },
    });
    // A client pod on each node, to reach Services from a pod's network as the seed's pods do.
    for (const i of [1, 2]) {
      await cs.pods.create(NS, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: `client-${i}`, namespace: NS, labels: { app: 'client' } },
        spec: { nodeName: node(i), automountServiceAccountToken: false, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: images.busybox, command: ['sleep', clientMarker(i)] }] },
      });
    }
    await until(async () => (await pods('web')).filter(ready).length === 2, 'two web pods Ready', 120_000);
    await until(async () => (await pods('client')).filter(ready).length === 2, 'two client pods Ready', 60_000);
    await until(async () => ready(await cs!.pods.get(NS, 'pinned')), 'the pinned pod Running', 60_000);
  });

  after(async () => {
    cs?.close();
    if (!downDone && dir) await skiffCli(['down', '--data-dir', dir], 120_000).catch((e) => say(`tear-down: ${(e as Error).message}`));
    await reg?.stop();
    await stub?.stop();
    // SKIFF_LAB_KEEP_LOGS=DIR keeps the components' logs for a look after the run.
    if (dir && process.env.SKIFF_LAB_KEEP_LOGS) await run('cp', ['-r', join(dir, 'logs'), process.env.SKIFF_LAB_KEEP_LOGS]).catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('skiff status lists every component running; a bad name is refused with the valid names', async () => {
    const s = await status();
    for (const c of ['apiserver', 'scheduler', 'controller-manager', `kubelet/${node(1)}`, `kubelet/${node(2)}`, `kube-proxy/${node(1)}`, `kube-proxy/${node(2)}`, 'etcd/1', 'etcd/2', 'etcd/3', 'dns', 'registry-mirror']) {
      assert.match(s[c] ?? '', /^running/, `${c} in ${JSON.stringify(s)}`);
    }
    assert.equal(Object.entries(s).filter(([n, v]) => n.startsWith('etcd/') && v === 'running leader').length, 1, 'one etcd leader');
    await assert.rejects(lab('stop', 'kubelet/nope'), (e: Error) => /no component "kubelet\/nope" in this cluster; components: .*apiserver.*scheduler.*controller-manager.*kubelet\//.test(e.message));
  });

  it('scheduler stopped: new pods stay Pending with no node while existing pods run on; started, they are bound', async () => {
    assert.match(await lab('stop', 'scheduler'), /^scheduler stopped \(pid \d+, SIGTERM\)/m);
    assert.match(await lab('stop', 'scheduler'), /scheduler is already stopped/);
    await cs!.deployments.create(NS, deployment('late', 2, images.busybox, { container: { command: ['sleep', '3600'] } }));
    await until(async () => (await pods('late')).length === 2, 'the controller manager made two pods', 30_000);
    await holds(3000, 'the new pods stay Pending, with no node', async () => (await pods('late')).every((p: any) => !p.spec.nodeName && p.status?.phase === 'Pending'));
    for (const p of (await pods('web')).filter(ready)) assert.equal(await curl(`http://${p.status.podIP}:8000/health`), 'ok', `${p.metadata.name} still serves`);
    const t0 = Date.now();
    assert.match(await lab('start', 'scheduler'), /^scheduler started \(pid \d+\)/m);
    const tStarted = Date.now() - t0;
    await until(async () => (await pods('late')).every((p: any) => p.spec.nodeName), 'both pods bound after the scheduler starts', 60_000);
    const tBound = Date.now() - t0;
    await until(async () => (await pods('late')).filter(ready).length === 2, 'both pods Running', 60_000);
    say(`skiff start scheduler: ${tStarted} ms; pending pods bound ${tBound} ms, Running ${Date.now() - t0} ms after it began`);
  });

  it('controller manager stopped: a deleted pod of a Deployment is not replaced; started, it is', async () => {
    await lab('stop', 'controller-manager');
    const victim = (await pods('late'))[0];
    await cs!.pods.delete(NS, victim.metadata.name);
    await until(async () => (await pods('late')).length === 1, 'the deleted pod gone', 30_000);
    await holds(3000, 'no replacement without the controller manager', async () => (await pods('late')).length === 1);
    const t0 = Date.now();
    await lab('start', 'controller-manager');
    await until(async () => (await pods('late')).filter(ready).length === 2, 'the replacement Running after the controller manager starts', 60_000);
    say(`controller-manager started -> replacement Running: ${Date.now() - t0} ms`);
  });

  it('kube-proxy stopped: the Service works on the rules it left; a new Service does not reach that node\'s rules; started, it reprograms', async () => {
    const web = await cs!.services.get(NS, 'web');
    await until(async () => (await curl(`http://${web.spec.clusterIP}/health`, 1)) === 'ok', 'the web Service from node 1', 30_000);
    await lab('stop', `kube-proxy/${node(1)}`);
    for (let i = 0; i < 5; i++) assert.equal(await curl(`http://${web.spec.clusterIP}/health`, 1), 'ok', 'the Service still answers on node 1');
    const web2 = await cs!.services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web2', namespace: NS }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8000 }] } });
    const ip2 = web2.spec.clusterIP as string;
    // Node 2's kube-proxy programs it: the time in which node 1's would have.
    await until(() => natRules(2).includes(`${ip2}/32`), 'web2 in node 2\'s rules', 30_000);
    assert.equal(await curl(`http://${ip2}/health`, 2), 'ok', 'web2 from node 2');
    assert.ok(!natRules(1).includes(`${ip2}/32`), 'web2 is not in node 1\'s rules');
    assert.equal(await curl(`http://${ip2}/health`, 1), '', 'web2 does not answer on node 1');
    await lab('start', `kube-proxy/${node(1)}`);
    assert.ok(natRules(1).includes(`${ip2}/32`), 'started (and synced), node 1 has web2');
    assert.equal(await curl(`http://${ip2}/health`, 1), 'ok', 'web2 from node 1');
  });

  it('kubelet stopped: the node goes Unknown and is tainted, its containers keep serving, its pods are evicted and replaced; started, Ready again', async () => {
    const onN2 = (await pods('web')).filter((p: any) => ready(p) && p.spec.nodeName === node(2));
    assert.equal(onN2.length, 1, 'one web pod on node 2 (spread)');
    const victim = onN2[0];
    const pinned = await cs!.pods.get(NS, 'pinned');
    const t0 = Date.now();
    assert.match(await lab('stop', `kubelet/${node(2)}`), /stopped/);
    // The pods' containers keep running without their kubelet.
    assert.equal(await curl(`http://${victim.status.podIP}:8000/health`), 'ok', 'the pod on node 2 still serves');
    await until(async () => cond(await cs!.nodes.get('', node(2)), 'Ready') === 'Unknown', 'node 2 Unknown', (GRACE_S + 30) * 1000);
    const tUnknown = Date.now() - t0;
    const n = await until(async () => {
      const x = await cs!.nodes.get('', node(2));
      const keys = (x.spec.taints ?? []).map((t: any) => `${t.key}:${t.effect}`);
      return keys.includes('node.kubernetes.io/unreachable:NoExecute') && keys.includes('node.kubernetes.io/unreachable:NoSchedule') && x;
    }, 'node 2 tainted unreachable (NoSchedule and NoExecute)', 20_000);
    assert.equal(n.status.conditions.find((c: any) => c.type === 'Ready').reason, 'NodeStatusUnknown');
    // No new pods go there: one that fits either node lands on node 1.
    await cs!.pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'newcomer', namespace: NS }, spec: { automountServiceAccountToken: false, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: images.busybox, command: ['sleep', '3600'] }] } });
    assert.equal(await until(async () => (await cs!.pods.get(NS, 'newcomer')).spec.nodeName, 'newcomer scheduled', 30_000), node(1));
    // After tolerationSeconds the pod is evicted (its kubelet is gone, so it stays Terminating) and replaced on node 1.
    await until(async () => (await cs!.pods.get(NS, victim.metadata.name)).metadata.deletionTimestamp, 'the web pod on node 2 evicted', 30_000);
    const tEvicted = Date.now() - t0;
    await until(async () => { const r = (await pods('web')).filter(ready); return r.length === 2 && r.every((p: any) => p.spec.nodeName === node(1)); }, 'two web pods Ready on node 1', 60_000);
    const tReplaced = Date.now() - t0;
    assert.equal(cond(await cs!.pods.get(NS, victim.metadata.name), 'DisruptionTarget'), 'True');
    assert.equal(await curl(`http://${victim.status.podIP}:8000/health`), 'ok', 'the evicted pod\'s container still runs while its kubelet is down');
    say(`kubelet/${node(2)} stopped -> Unknown ${tUnknown} ms (grace ${GRACE_S}s), evicted ${tEvicted} ms (toleration ${TOLERATION_S}s), replaced ${tReplaced} ms`);

    const t1 = Date.now();
    await lab('start', `kubelet/${node(2)}`);
    await until(async () => {
      const x = await cs!.nodes.get('', node(2));
      return cond(x, 'Ready') === 'True' && !(x.spec.taints ?? []).some((t: any) => t.key.startsWith('node.kubernetes.io/unreachable'));
    }, 'node 2 Ready and untainted again', 60_000);
    say(`kubelet/${node(2)} started -> node Ready: ${Date.now() - t1} ms`);
    // Back, it finishes the eviction: the pod is deleted and its container stopped.
    await until(async () => !(await pods('web')).some((p: any) => p.metadata.name === victim.metadata.name), 'the evicted pod deleted by its kubelet', 60_000);
    await until(async () => (await curl(`http://${victim.status.podIP}:8000/health`)) === '', 'the evicted pod\'s container stopped', 30_000);
    // The pinned pod (default tolerations, 300 s) was not evicted; its container was adopted, not started again.
    const again = await until(async () => { const p = await cs!.pods.get(NS, 'pinned'); return ready(p) && p; }, 'the pinned pod Ready again', 30_000);
    assert.equal(again.status.containerStatuses[0].containerID, pinned.status.containerStatuses[0].containerID, 'the same container');
    assert.equal(again.status.containerStatuses[0].restartCount, 0);
    assert.equal(again.status.containerStatuses[0].state.running.startedAt, pinned.status.containerStatuses[0].state.running.startedAt);
  });

  it('API server stopped: kubectl fails, pods and Services keep serving; started, kubectl works and a scale made then happens', async () => {
    const web = await cs!.services.get(NS, 'web');
    const podIPs = (await pods('web')).filter(ready).map((p: any) => p.status.podIP);
    await lab('stop', 'apiserver');
    const whileDown = async () => {
      const r = await k(['get', 'pods']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /connection refused|unable to connect/i, r.stderr);
      for (const ip of podIPs) assert.equal(await curl(`http://${ip}:8000/health`), 'ok', `pod ${ip} serves without the API server`);
      assert.equal(await curl(`http://${web.spec.clusterIP}/health`, 1), 'ok', 'the Service answers from a pod on node 1 (its rules persist)');
      assert.equal(await curl(`http://${web.spec.clusterIP}/health`, 2), 'ok', 'and from one on node 2');
      assert.notEqual((await k(['scale', 'deployment/web', '--replicas', '3'])).code, 0, 'no change can be asked for');
      // The kubelet works from the pod specs it has: a container killed now is started again.
      const old = clientPid(1)!;
      process.kill(Number(old), 'SIGKILL');
      await until(() => { const p = clientPid(1); return p && p !== old; }, 'the killed container restarted by its kubelet without the API server', 30_000);
    };
    // Started again even when an assertion fails, so the tests after this one have an API server.
    await whileDown().catch(async (e) => { await lab('start', 'apiserver'); throw e; });
    const t0 = Date.now();
    await lab('start', 'apiserver');
    const got = await k(['get', 'pods', '-l', 'app=web']);
    assert.equal(got.code, 0, got.stderr);
    say(`apiserver started -> kubectl works: ${Date.now() - t0} ms`);
    await until(async () => (await cs!.pods.get(NS, 'client-1')).status.containerStatuses[0].restartCount === 1, 'the restart reported once the API server is back', 30_000);
    const tScale = Date.now();
    assert.equal((await k(['scale', 'deployment/web', '--replicas', '3'])).code, 0);
    await until(async () => (await pods('web')).filter(ready).length === 3, 'three web pods after the scale', 60_000);
    say(`apiserver back -> kubectl scale to a third pod Running: ${Date.now() - tScale} ms`);
  });

  it('etcd: the leader killed, another is elected and writes go on; two of three gone, writes fail; started again, they succeed', async () => {
    const s = await status();
    const leader = Object.entries(s).find(([n, v]) => n.startsWith('etcd/') && v === 'running leader')![0];
    // Writes through skiff, one after another, while the leader is killed.
    const oks: number[] = [];
    const errors: string[] = [];
    let writing = true, n = 0;
    const writer = (async () => {
      while (writing) {
        try { await cs!.configmaps.create(NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w-${n++}`, namespace: NS }, data: { at: String(Date.now()) } }); oks.push(Date.now()); } catch (e) { errors.push((e as Error).message); }
      }
    })();
    let tKill = 0, tElected = 0, newLeader = '';
    try {
      await until(() => oks.length >= 10, 'writes flowing', 20_000);
      tKill = Date.now();
      assert.match(await lab('stop', leader, '--kill'), /SIGKILL/);
      // Asked of each live member with etcdctl every few ms (skiff status does the same, slower).
      const members = readState(dir)!.processes.filter((p) => p.role === 'etcd' && componentName(p) !== leader);
      newLeader = componentName(await until(() => etcdLeader(members), 'a new etcd leader', 20_000));
      assert.notEqual(newLeader, leader);
      tElected = Date.now() - tKill;
      await until(() => oks.filter((t) => t > tKill).length >= 20, '20 writes after the kill', 30_000);
    } finally {
      writing = false;
      await writer;
    }
    assert.deepEqual(errors, [], 'no write failed');
    const around = oks.filter((t) => t > tKill - 2000);
    const gap = Math.max(...around.slice(1).map((t, i) => t - around[i]!));
    const before = oks.filter((t) => t < tKill);
    const usual = Math.max(...before.slice(1).map((t, i) => t - before[i]!));
    say(`etcd leader ${leader} killed -> new leader ${newLeader} seen by etcdctl after ${tElected} ms; longest gap between writes ${gap} ms (before the kill: ${usual} ms)`);
    assert.ok(gap < 10_000, `writes resumed within 10 s (gap ${gap} ms)`);
    await lab('start', leader);

    // Quorum lost: two of three members stopped.
    const [a, b] = ['etcd/1', 'etcd/2', 'etcd/3'].filter((x) => x !== newLeader);
    await lab('stop', a!);
    await lab('stop', b!);
    const tw = Date.now();
    const failed = await cs!.configmaps.create(NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'no-quorum', namespace: NS } }).then(() => undefined, (e) => e);
    assert.ok(failed, 'a write without quorum fails');
    assert.equal(failed.code, 503, failed.message);
    assert.equal(failed.reason, 'ServiceUnavailable');
    say(`quorum lost -> a create failed after ${Date.now() - tw} ms with ${failed.code} ${failed.reason}: ${failed.message.slice(0, 160)}`);
    // Reads: a list at resourceVersion 0 is the watch cache's (any freshness will do), so it is served;
    // a get reads etcd with a quorum read, which fails like the write.
    const cached = await cs!.configmaps.list(NS, { resourceVersion: '0' });
    assert.ok(cached.items.some((c: any) => c.metadata.name === 'w-0'), 'a list at resourceVersion=0 is served from the watch cache');
    const tr = Date.now();
    const read = await cs!.configmaps.get(NS, 'w-0').then(() => 'served', (e) => `failed ${e.code} ${e.reason}`);
    say(`quorum lost -> a list at resourceVersion=0 served from the watch cache (${cached.items.length} items); a get ${read} after ${Date.now() - tr} ms`);
    await lab('start', a!);
    await lab('start', b!);
    const t2 = Date.now();
    await until(async () => { await cs!.configmaps.create(NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'quorum-back', namespace: NS } }); return true; }, 'a write after the members are back', 60_000);
    say(`quorum back -> first write ${Date.now() - t2} ms after both members started`);
  });

  it('skiff down with components stopped removes every process, namespace and link', async () => {
    await lab('stop', 'scheduler');
    await lab('stop', `kubelet/${node(1)}`);
    await lab('stop', 'etcd/1');
    cs?.close();
    cs = undefined;
    await skiffCli(['down', '--data-dir', dir], 120_000);
    downDone = true;
    const netnsList = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const i of [1, 2]) assert.ok(!netnsList.includes(netns(i)), `${netns(i)} removed`);
    assert.ok(!execFileSync('ip', ['-br', 'link'], { encoding: 'utf8' }).includes(BRIDGE), `no ${BRIDGE}* link left`);
    const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir); } catch { return false; }
    });
    assert.deepEqual(procs, [], 'no process of the cluster left');
    assert.ok(!execFileSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).includes(dir), 'no mount left');
  });
});
