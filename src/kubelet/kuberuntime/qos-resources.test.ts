import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { containerOOMScoreAdjust, getPodQOS, podCgroupParent } from './qos.js';
import { linuxContainerResources, milliCPUToQuota, milliCPUToShares } from './resources.js';
import { generatePodSandboxConfig } from './sandbox.js';
import { parseResolvConf, podDNSConfig } from './dns.js';
import { Backoff, goDuration } from './backoff.js';
import { defaultPullPolicy } from './images.js';
import { hashContainer } from './labels.js';
import { containerSecurityContext } from './container-config.js';

const pod = (containers: any[], extra: any = {}) => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers, ...extra } });
const res = (requests?: any, limits?: any) => ({ name: 'c', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

test('QoS class as upstream: Guaranteed, Burstable, BestEffort', () => {
  assert.equal(getPodQOS(pod([res()])), 'BestEffort');
  assert.equal(getPodQOS(pod([res(undefined, { cpu: '1', memory: '1Gi' })])), 'Guaranteed'); // requests default to limits
  assert.equal(getPodQOS(pod([res({ cpu: '1000m', memory: '1024Mi' }, { cpu: '1', memory: '1Gi' })])), 'Guaranteed');
  assert.equal(getPodQOS(pod([res({ cpu: '500m' }, { cpu: '1', memory: '1Gi' })])), 'Burstable');
  assert.equal(getPodQOS(pod([res({ cpu: '1' })])), 'Burstable');
  assert.equal(getPodQOS(pod([res(undefined, { cpu: '1', memory: '1Gi' }), res()])), 'Burstable');
  assert.equal(getPodQOS(pod([res({ 'ephemeral-storage': '1Gi' })])), 'BestEffort'); // only cpu and memory count
});

test('cgroup parent per QoS class under the pods root', () => {
  assert.equal(podCgroupParent(pod([res(undefined, { cpu: '1', memory: '1Gi' })]), '/kubepods'), '/kubepods/podu1');
  assert.equal(podCgroupParent(pod([res({ cpu: '1' })]), '/kubepods'), '/kubepods/burstable/podu1');
  assert.equal(podCgroupParent(pod([res()]), '/skiff-x/kubepods/'), '/skiff-x/kubepods/besteffort/podu1');
  assert.equal(podCgroupParent(pod([res()]), ''), undefined);
});

test('cpu shares, quota, memory limit and oom_score_adj', () => {
  assert.equal(milliCPUToShares(0), 2);
  assert.equal(milliCPUToShares(1), 2);
  assert.equal(milliCPUToShares(250), 256);
  assert.equal(milliCPUToShares(2000), 2048);
  assert.equal(milliCPUToQuota(0), 0);
  assert.equal(milliCPUToQuota(500), 50_000);
  assert.equal(milliCPUToQuota(5), 1000);
  const mem = 4 * 1024 ** 3;
  const g = pod([res(undefined, { cpu: '500m', memory: '128Mi' })]);
  assert.deepEqual(linuxContainerResources(g, g.spec.containers[0], mem), { cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitInBytes: 128 * 1024 ** 2, oomScoreAdj: -997 });
  const b = pod([res({ cpu: '100m', memory: '1Gi' })]);
  assert.deepEqual(linuxContainerResources(b, b.spec.containers[0], mem), { cpuShares: 102, oomScoreAdj: 750 });
  const be = pod([res()]);
  assert.deepEqual(linuxContainerResources(be, be.spec.containers[0], mem), { cpuShares: 2, oomScoreAdj: 1000 });
  const big = pod([res({ memory: '8Gi' })]);
  assert.equal(containerOOMScoreAdjust(big, big.spec.containers[0], mem), 3);
  const tiny = pod([res({ memory: '1' })]);
  assert.equal(containerOOMScoreAdjust(tiny, tiny.spec.containers[0], mem), 999);
});

test('security context: container over pod, capabilities, read-only root, no new privileges', () => {
  const p = pod([{ name: 'c', securityContext: { privileged: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } }], { securityContext: { runAsUser: 5, runAsGroup: 6 }, hostPID: true });
  assert.deepEqual(containerSecurityContext(p, p.spec.containers[0]), {
    namespaceOptions: { network: 'POD', pid: 'NODE', ipc: 'POD' }, privileged: true, runAsUser: 1000, runAsGroup: 6, readonlyRootfs: true, noNewPrivs: true,
    capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] },
  });
});

test('sandbox config: host network, hostname, DNS, sysctls', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kuberuntime-dns-'));
  try {
    const resolv = path.join(dir, 'resolv.conf');
    fs.writeFileSync(resolv, '# c\nnameserver 10.0.0.2\nnameserver 127.0.0.53\nsearch corp.example\noptions edns0 trust-ad\n');
    assert.deepEqual(parseResolvConf(fs.readFileSync(resolv, 'utf8')), { servers: ['10.0.0.2', '127.0.0.53'], searches: ['corp.example'], options: ['edns0', 'trust-ad'] });
    const o = { podLogsDir: '/l', cgroupRoot: '/kubepods', nodeName: 'node-1', resolvConf: resolv };
    const p = pod([{ name: 'c', ports: [{ containerPort: 53, hostPort: 5353, protocol: 'UDP', hostIP: '127.0.0.1' }, { containerPort: 80 }] }], { hostname: 'h', securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] } });
    const cfg = generatePodSandboxConfig(p, 2, { ...o, clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local' });
    assert.deepEqual(cfg.metadata, { name: 'p', uid: 'u1', namespace: 'ns', attempt: 2 });
    assert.equal(cfg.hostname, 'h');
    assert.equal(cfg.logDirectory, '/l/ns_p_u1');
    assert.deepEqual(cfg.portMappings, [{ protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIp: '127.0.0.1' }]);
    assert.deepEqual(cfg.dnsConfig, { servers: ['10.43.0.10'], searches: ['ns.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'], options: ['ndots:5'] });
    assert.deepEqual(cfg.linux!.sysctls, { 'net.ipv4.ip_unprivileged_port_start': '0' });
    // Host network: NODE namespace, the node's name, the host's resolver (loopback servers only).
    const hn = generatePodSandboxConfig(pod([{ name: 'c' }], { hostNetwork: true }), 0, { ...o, clusterDNS: ['10.43.0.10'] });
    assert.equal(hn.linux!.securityContext!.namespaceOptions!.network, 'NODE');
    assert.equal(hn.hostname, 'node-1');
    assert.deepEqual(hn.dnsConfig, { servers: ['127.0.0.53'], searches: ['corp.example'], options: ['edns0', 'trust-ad'] });
    // No loopback server on the host: leave resolv.conf to the runtime.
    fs.writeFileSync(resolv, 'nameserver 10.0.0.2\n');
    assert.equal(podDNSConfig(pod([{ name: 'c' }]), { resolvConf: resolv }), undefined);
    // dnsPolicy None takes the pod's dnsConfig only.
    assert.deepEqual(podDNSConfig(pod([{ name: 'c' }], { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a'], options: [{ name: 'ndots', value: '2' }] } }), { resolvConf: resolv }),
      { servers: ['1.2.3.4'], searches: ['a'], options: ['ndots:2'] });
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('back-off and Go durations; default pull policy; stable container hash', () => {
  let t = 0;
  const b = new Backoff(10_000, 300_000, () => t);
  assert.equal(b.isInBackOffSince('k', 0), false);
  b.next('k', 0);
  assert.equal(b.get('k'), 10_000);
  t = 5000; assert.equal(b.isInBackOffSince('k', 0), true);
  t = 10_001; assert.equal(b.isInBackOffSince('k', 0), false);
  b.next('k', t); assert.equal(b.get('k'), 20_000);
  t += 601_000; b.next('k', t); assert.equal(b.get('k'), 10_000);
  assert.deepEqual([10_000, 80_000, 300_000, 1500, 250].map(goDuration), ['10s', '1m20s', '5m0s', '1.5s', '250ms']);
  assert.equal(defaultPullPolicy('busybox'), 'Always');
  assert.equal(defaultPullPolicy('127.0.0.1:5000/busybox'), 'Always');
  assert.equal(defaultPullPolicy('127.0.0.1:5000/busybox:latest'), 'Always');
  assert.equal(defaultPullPolicy('127.0.0.1:5000/busybox:1.36'), 'IfNotPresent');
  assert.equal(defaultPullPolicy('busybox@sha256:abc'), 'IfNotPresent');
  assert.equal(hashContainer({ name: 'a', image: 'x', args: ['1'] }), hashContainer({ args: ['1'], image: 'x', name: 'a' }));
  assert.notEqual(hashContainer({ name: 'a', image: 'x' }), hashContainer({ name: 'a', image: 'y' }));
});
