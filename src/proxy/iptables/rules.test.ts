import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRestore } from './rules.js';
import { servicePortChains, servicePortEndpointChainName } from './chains.js';
import type { EndpointInfo, ProxyState, ServicePortInfo } from '../types.js';

const svc = (o: Partial<ServicePortInfo> = {}): ServicePortInfo => ({
  id: 'ns1/svc1:p80', namespace: 'ns1', name: 'svc1', portName: 'p80', protocol: 'TCP', clusterIP: '172.30.0.41', port: 80,
  nodePort: 0, externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], sessionAffinitySeconds: 0,
  internalLocal: false, externalLocal: false, healthCheckNodePort: 0, ...o,
});
const ep = (ip: string, o: Partial<EndpointInfo> = {}): EndpointInfo => ({ ip, port: 80, ready: true, serving: true, terminating: false, isLocal: false, ...o });
const state = (svcs: ServicePortInfo[], eps: Record<string, EndpointInfo[]>): ProxyState => ({
  nodeName: 'n1', nodeIPs: ['192.168.0.2'], clusterCIDR: '10.0.0.0/8',
  services: new Map(svcs.map((s) => [s.id, s])), endpoints: new Map(Object.entries(eps)),
});
const lines = (text: string, needle: string) => text.split('\n').filter((l) => l.includes(needle));

test('chain names are upstream kube-proxy\'s (sha256, base32, 16 chars)', () => {
  assert.equal(servicePortChains(svc()).svc, 'KUBE-SVC-XPGD46QRK7WJZT7O');
  assert.equal(servicePortEndpointChainName(svc(), '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
});

test('ClusterIP: dispatch, off-cluster masquerade, 1/3, 1/2, then an unconditional last rule; SEP hairpin + DNAT', () => {
  const { text } = buildRestore({ state: state([svc()], { 'ns1/svc1:p80': [ep('10.180.0.3'), ep('10.180.0.1'), ep('10.180.0.2')] }), existingNatChains: [] });
  const c = 'KUBE-SVC-XPGD46QRK7WJZT7O';
  assert.deepEqual(lines(text, '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP"'), [`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j ${c}`]);
  const svcRules = lines(text, `-A ${c} `);
  assert.equal(svcRules[0], `-A ${c} -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`);
  assert.match(svcRules[1], /"ns1\/svc1:p80 -> 10\.180\.0\.1:80" -m statistic --mode random --probability 0\.3333333333 -j KUBE-SEP-SXIVWICOYRO3J4NJ$/);
  assert.match(svcRules[2], /-> 10\.180\.0\.2:80" -m statistic --mode random --probability 0\.5000000000 -j KUBE-SEP-/);
  assert.match(svcRules[3], /-> 10\.180\.0\.3:80" -j KUBE-SEP-[A-Z2-7]{16}$/);
  assert.deepEqual(lines(text, '-A KUBE-SEP-SXIVWICOYRO3J4NJ '), [
    '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
  ]);
  assert.ok(text.includes('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully'));
  assert.ok(text.includes('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000'));
  assert.ok(text.includes('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT'));
  // The nodeports jump is the last rule of KUBE-SERVICES.
  assert.match(lines(text, '-A KUBE-SERVICES ').at(-1)!, /-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS$/);
});

test('no endpoints: REJECT in the filter table for the ClusterIP and the NodePort, no nat chains', () => {
  const out = buildRestore({ state: state([svc({ nodePort: 30080, externalIPs: ['192.168.99.1'] })], {}), existingNatChains: [] });
  assert.deepEqual(lines(out.text, 'has no endpoints'), [
    '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT --reject-with icmp-port-unreachable',
    '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 192.168.99.1 --dport 80 -j REJECT --reject-with icmp-port-unreachable',
    '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable',
  ]);
  assert.equal(out.activeNatChains.size, 0);
  assert.equal(lines(out.text, 'KUBE-SVC-').length, 0);
});

test('unready endpoints get no traffic; terminating+serving ones do when nothing is ready', () => {
  const t1 = buildRestore({ state: state([svc()], { 'ns1/svc1:p80': [ep('10.180.0.1'), ep('10.180.0.2', { ready: false, serving: false })] }), existingNatChains: [] }).text;
  assert.equal(lines(t1, 'DNAT').length, 1);
  const t2 = buildRestore({ state: state([svc()], { 'ns1/svc1:p80': [ep('10.180.0.2', { ready: false, serving: true, terminating: true })] }), existingNatChains: [] }).text;
  assert.deepEqual(lines(t2, 'DNAT').map((l) => l.split(' ').at(-1)), ['10.180.0.2:80']);
});

test('sessionAffinity ClientIP: recent --rcheck per endpoint before the spread, --set in the SEP chain', () => {
  const { text } = buildRestore({ state: state([svc({ sessionAffinitySeconds: 10800 })], { 'ns1/svc1:p80': [ep('10.180.0.1'), ep('10.180.0.2')] }), existingNatChains: [] });
  const r = lines(text, '-A KUBE-SVC-XPGD46QRK7WJZT7O ');
  assert.match(r[1], /-m recent --name KUBE-SEP-SXIVWICOYRO3J4NJ --rcheck --seconds 10800 --reap -j KUBE-SEP-SXIVWICOYRO3J4NJ$/);
  assert.match(r[3], /--probability 0\.5000000000/);
  assert.ok(text.includes('-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m recent --name KUBE-SEP-SXIVWICOYRO3J4NJ --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80'));
});

test('NodePort, externalIPs and LoadBalancer with Cluster policy go through a masquerading KUBE-EXT chain', () => {
  const s = svc({ nodePort: 30080, externalIPs: ['192.168.99.1'], loadBalancerIPs: ['192.168.99.2'] });
  const { text } = buildRestore({ state: state([s], { 'ns1/svc1:p80': [ep('10.180.0.1')] }), existingNatChains: [] });
  const { ext, svc: svcChain } = servicePortChains(s);
  assert.ok(text.includes(`-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 30080 -j ${ext}`));
  assert.ok(text.includes(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 external IP" -m tcp -p tcp -d 192.168.99.1 --dport 80 -j ${ext}`));
  assert.ok(text.includes(`-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 loadbalancer IP" -m tcp -p tcp -d 192.168.99.2 --dport 80 -j ${ext}`));
  assert.deepEqual(lines(text, `-A ${ext} `), [`-A ${ext} -m comment --comment "masquerade traffic for ns1/svc1:p80 external destinations" -j KUBE-MARK-MASQ`, `-A ${ext} -j ${svcChain}`]);
});

test('externalTrafficPolicy Local: KUBE-SVL with local endpoints only, no masquerade for outside clients; none local -> DROP', () => {
  const s = svc({ nodePort: 30080, externalLocal: true });
  const ch = servicePortChains(s);
  const { text } = buildRestore({ state: state([s], { 'ns1/svc1:p80': [ep('10.180.0.1', { isLocal: true }), ep('10.180.0.2')] }), existingNatChains: [] });
  assert.deepEqual(lines(text, `-A ${ch.svl} `).map((l) => l.split(' ').at(-1)), [servicePortEndpointChainName(s, '10.180.0.1:80')]);
  const ext = lines(text, `-A ${ch.ext} `);
  assert.equal(ext[0], `-A ${ch.ext} -m comment --comment "pod traffic for ns1/svc1:p80 external destinations" -s 10.0.0.0/8 -j ${ch.svc}`);
  assert.match(ext[1], /masquerade LOCAL traffic .* -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ$/);
  assert.equal(ext.at(-1), `-A ${ch.ext} -j ${ch.svl}`);
  assert.equal(ext.filter((l) => l.endsWith('KUBE-MARK-MASQ') && !l.includes('LOCAL')).length, 0);
  // ClusterIP traffic still uses every endpoint.
  assert.equal(lines(text, `-A ${ch.svc} `).filter((l) => l.includes('KUBE-SEP-')).length, 2);
  const none = buildRestore({ state: state([s], { 'ns1/svc1:p80': [ep('10.180.0.2')] }), existingNatChains: [] }).text;
  assert.deepEqual(lines(none, 'has no local endpoints'), ['-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j DROP']);
});

test('internalTrafficPolicy Local: the ClusterIP goes to KUBE-SVL; no local endpoint -> DROP', () => {
  const s = svc({ internalLocal: true });
  const ch = servicePortChains(s);
  const { text } = buildRestore({ state: state([s], { 'ns1/svc1:p80': [ep('10.180.0.1', { isLocal: true }), ep('10.180.0.2')] }), existingNatChains: [] });
  assert.ok(text.includes(`--dport 80 -j ${ch.svl}`));
  assert.equal(lines(text, ch.svc).length, 0);
  const none = buildRestore({ state: state([s], { 'ns1/svc1:p80': [ep('10.180.0.2')] }), existingNatChains: [] }).text;
  assert.match(lines(none, 'has no local endpoints')[0], /^-A KUBE-SERVICES .* -j DROP$/);
});

test('loadBalancerSourceRanges: KUBE-FW accepts the ranges, the filter table drops the rest', () => {
  const s = svc({ loadBalancerIPs: ['192.168.99.2'], loadBalancerSourceRanges: ['203.0.113.0/24'] });
  const ch = servicePortChains(s);
  const { text } = buildRestore({ state: state([s], { 'ns1/svc1:p80': [ep('10.180.0.1')] }), existingNatChains: [] });
  assert.ok(text.includes(`-d 192.168.99.2 --dport 80 -j ${ch.fw}`));
  assert.ok(text.includes(`-A ${ch.fw} -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 203.0.113.0/24 -j ${ch.ext}`));
  assert.ok(text.includes(`-A KUBE-PROXY-FIREWALL -m comment --comment "ns1/svc1:p80 traffic not accepted by ${ch.fw}" -m tcp -p tcp -d 192.168.99.2 --dport 80 -j DROP`));
});

test('partial sync writes only changed services\' chains, rewrites KUBE-SERVICES, deletes stale chains', () => {
  const a = svc();
  const b = svc({ id: 'ns2/svc2:p80', namespace: 'ns2', name: 'svc2', clusterIP: '172.30.0.42' });
  const full = buildRestore({ state: state([a, b], { [a.id]: [ep('10.180.0.1')], [b.id]: [ep('10.180.0.2'), ep('10.180.0.3')] }), existingNatChains: [] });
  assert.equal(full.activeNatChains.size, 5);
  // b loses an endpoint: only b's chains are written; a's stay as they are; the gone SEP is deleted.
  const next = state([a, b], { [a.id]: [ep('10.180.0.1')], [b.id]: [ep('10.180.0.2')] });
  const part = buildRestore({ state: next, write: new Set([b.id]), existingNatChains: full.activeNatChains });
  const chA = servicePortChains(a).svc;
  const chB = servicePortChains(b).svc;
  const gone = servicePortEndpointChainName(b, '10.180.0.3:80');
  assert.equal(part.written, 1);
  assert.equal(lines(part.text, chA).length, 1, 'a: only its KUBE-SERVICES dispatch line');
  assert.ok(part.text.includes(`:${chB} - [0:0]`));
  assert.ok(part.text.includes(`:${gone} - [0:0]`) && part.text.includes(`-X ${gone}`));
  assert.ok(part.activeNatChains.has(chA) && !part.activeNatChains.has(gone));
  assert.ok(part.lines < full.lines);
  // b removed entirely: all of its chains go.
  const removed = buildRestore({ state: state([a], { [a.id]: [ep('10.180.0.1')] }), write: new Set([b.id]), existingNatChains: part.activeNatChains });
  assert.deepEqual(lines(removed.text, '-X ').length, 2);
  // Chains that are not kube-proxy's per-Service chains are never deleted.
  assert.equal(lines(buildRestore({ state: next, existingNatChains: ['KUBE-NWPLCY-X', 'CNI-123'] }).text, '-X ').length, 0);
});

test('jump rules are inserted only when missing', () => {
  const all = buildRestore({ state: state([], {}), existingNatChains: [] }).text;
  assert.ok(all.includes('-I PREROUTING 1 -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'));
  const present = new Set(['nat:PREROUTING:KUBE-SERVICES']);
  assert.ok(!buildRestore({ state: state([], {}), existingNatChains: [], presentJumps: present }).text.includes('-I PREROUTING'));
});
