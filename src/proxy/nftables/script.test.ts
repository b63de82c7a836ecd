import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointInfo, ProxyState, ServicePortInfo } from '../types.js';
import { buildNftScript } from './script.js';
import { endpointChainName, servicePortChainNames, affinitySetName, servicePortChainBase } from './names.js';
import { cidrContains } from './service-rules.js';

const svc = (o: Partial<ServicePortInfo> = {}): ServicePortInfo => ({
  id: 'default/web:http', namespace: 'default', name: 'web', portName: 'http', protocol: 'TCP', clusterIP: '10.96.0.20', port: 80,
  nodePort: 0, externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], sessionAffinitySeconds: 0,
  internalLocal: false, externalLocal: false, healthCheckNodePort: 0, ...o,
});
const ep = (ip: string, o: Partial<EndpointInfo> = {}): EndpointInfo => ({ ip, port: 8000, ready: true, serving: true, terminating: false, isLocal: false, ...o });
function state(services: ServicePortInfo[], endpoints: Record<string, EndpointInfo[]> = {}, nodeIPs = ['172.31.0.1']): ProxyState {
  return { nodeName: 'n1', nodeIPs, clusterCIDR: '10.244.0.0/16', services: new Map(services.map((s) => [s.id, s])), endpoints: new Map(Object.entries(endpoints)) };
}
const lines = (text: string) => text.trim().split('\n');
const web = svc();
const webNames = servicePortChainNames(web);

test('chain names follow upstream: kind-HASH-ns/name/proto/port, endpoint adds __ip/port', () => {
  assert.match(webNames.cluster, /^service-[A-Z2-7]{8}-default\/web\/tcp\/http$/);
  assert.match(endpointChainName(web, '10.244.1.2', 8000), /^endpoint-[A-Z2-7]{8}-default\/web\/tcp\/http__10\.244\.1\.2\/8000$/);
  assert.equal(servicePortChainBase(web), servicePortChainBase({ ...web }), 'hash is deterministic');
  assert.notEqual(servicePortChainBase(web).slice(0, 8), servicePortChainBase(svc({ name: 'web2' })).slice(0, 8));
});

test('full sync: one table, base chains, maps, ClusterIP element, numgen split, DNAT per endpoint', async () => {
  const s = await buildNftScript(state([web], { [web.id]: [ep('10.244.1.2'), ep('10.244.2.2')] }));
  const l = lines(s.text);
  assert.equal(s.full, true);
  assert.equal(s.changed, 1);
  assert.equal(l[0], 'add table ip kube-proxy { comment "rules for kube-proxy" ; }');
  assert.ok(l.includes('add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }'));
  assert.ok(l.includes('add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }'));
  assert.ok(l.includes('flush map ip kube-proxy service-ips'));
  assert.ok(l.includes(`add element ip kube-proxy service-ips { 10.96.0.20 . tcp . 80 : goto ${webNames.cluster} }`));
  const e1 = endpointChainName(web, '10.244.1.2', 8000);
  const e2 = endpointChainName(web, '10.244.2.2', 8000);
  assert.ok(l.includes(`add rule ip kube-proxy ${webNames.cluster} ip daddr 10.96.0.20 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`));
  assert.ok(l.includes(`add rule ip kube-proxy ${webNames.cluster} numgen random mod 2 vmap { 0 : goto ${e1}, 1 : goto ${e2} }`));
  assert.ok(l.includes(`add rule ip kube-proxy ${e1} ip saddr 10.244.1.2 jump mark-for-masquerade`));
  assert.ok(l.includes(`add rule ip kube-proxy ${e1} meta l4proto tcp dnat to 10.244.1.2:8000`));
  // Every chain is created before a rule or element names it.
  const created = l.findIndex((x) => x === `add chain ip kube-proxy ${e1}`);
  assert.ok(created >= 0 && created < l.findIndex((x) => x.includes(`goto ${e1}`)));
  assert.ok(l.findIndex((x) => x === `add chain ip kube-proxy ${webNames.cluster}`) < l.findIndex((x) => x.startsWith('add element ip kube-proxy service-ips')));
  assert.equal(s.lines, l.length);
  assert.deepEqual(s.programmed.get(web.id)?.elements, [{ map: 'service-ips', key: '10.96.0.20 . tcp . 80' }]);
});

test('the same state gives the same script (deterministic text)', async () => {
  const st = state([web, svc({ id: 'a/b:', namespace: 'a', name: 'b', portName: '', clusterIP: '10.96.0.30' })], { [web.id]: [ep('10.244.1.2')] });
  assert.equal((await buildNftScript(st)).text, (await buildNftScript(st)).text);
});

test('no endpoints: ClusterIP and NodePort go to reject through the no-endpoint maps, no service chain', async () => {
  const s = await buildNftScript(state([svc({ nodePort: 30080 })]));
  const l = lines(s.text);
  assert.ok(l.includes('add element ip kube-proxy no-endpoint-services { 10.96.0.20 . tcp . 80 comment "default/web:http" : goto reject-chain }'));
  assert.ok(l.includes('add element ip kube-proxy no-endpoint-nodeports { tcp . 30080 comment "default/web:http" : goto reject-chain }'));
  assert.ok(!s.text.includes('add chain ip kube-proxy service-'));
  assert.ok(l.includes('add rule ip kube-proxy reject-chain reject'));
  assert.ok(l.includes('add rule ip kube-proxy filter-forward ct state new jump endpoints-check'));
});

test('unready endpoints get no traffic; terminating+serving ones do when nothing is ready', async () => {
  const s1 = await buildNftScript(state([web], { [web.id]: [ep('10.244.1.2'), ep('10.244.1.3', { ready: false, serving: false })] }));
  assert.ok(!s1.text.includes('10.244.1.3'));
  const s2 = await buildNftScript(state([web], { [web.id]: [ep('10.244.1.3', { ready: false, serving: true, terminating: true })] }));
  assert.ok(s2.text.includes('dnat to 10.244.1.3:8000'));
});

test('NodePort on node addresses (nodeport-ips) or on every local address (fib) without them', async () => {
  const withIPs = await buildNftScript(state([svc({ nodePort: 30080 })], { [web.id]: [ep('10.244.1.2')] }));
  assert.ok(withIPs.text.includes('add element ip kube-proxy nodeport-ips { 172.31.0.1 }'));
  assert.ok(withIPs.text.includes('add rule ip kube-proxy services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports'));
  assert.ok(withIPs.text.includes(`add element ip kube-proxy service-nodeports { tcp . 30080 : goto ${webNames.external} }`));
  assert.ok(withIPs.text.includes(`add rule ip kube-proxy ${webNames.external} jump mark-for-masquerade\nadd rule ip kube-proxy ${webNames.external} goto ${webNames.cluster}`));
  const noIPs = await buildNftScript(state([svc({ nodePort: 30080 })], { [web.id]: [ep('10.244.1.2')] }, []));
  assert.ok(noIPs.text.includes('add rule ip kube-proxy services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports'));
});

test('externalTrafficPolicy Local: local chain, short-circuits, drop when no local endpoint', async () => {
  const s = svc({ nodePort: 30080, externalLocal: true, externalIPs: ['192.0.2.200'] });
  const ok = await buildNftScript(state([s], { [s.id]: [ep('10.244.1.2', { isLocal: true }), ep('10.244.2.2')] }));
  const l = lines(ok.text);
  assert.ok(l.includes(`add rule ip kube-proxy ${webNames.external} ip saddr 10.244.0.0/16 goto ${webNames.cluster} comment "short-circuit pod traffic"`));
  assert.ok(l.includes(`add rule ip kube-proxy ${webNames.external} goto ${webNames.local}`));
  assert.ok(l.includes(`add rule ip kube-proxy ${webNames.local} goto ${endpointChainName(s, '10.244.1.2', 8000)}`), 'one endpoint: a plain goto');
  assert.ok(l.includes(`add element ip kube-proxy service-ips { 192.0.2.200 . tcp . 80 : goto ${webNames.external} }`));
  const none = await buildNftScript(state([s], { [s.id]: [ep('10.244.2.2')] }));
  assert.ok(none.text.includes('add element ip kube-proxy no-endpoint-nodeports { tcp . 30080 comment "default/web:http" : drop }'));
  assert.ok(none.text.includes(`add element ip kube-proxy service-ips { 10.96.0.20 . tcp . 80 : goto ${webNames.cluster} }`), 'ClusterIP still served');
});

test('internalTrafficPolicy Local with only remote endpoints drops ClusterIP traffic', async () => {
  const s = svc({ internalLocal: true });
  const out = await buildNftScript(state([s], { [s.id]: [ep('10.244.2.2')] }));
  assert.ok(out.text.includes('add element ip kube-proxy no-endpoint-services { 10.96.0.20 . tcp . 80 comment "default/web:http" : drop }'));
});

test('sessionAffinity ClientIP: per-endpoint timeout sets, lookup before numgen, update in endpoint chain', async () => {
  const s = svc({ sessionAffinitySeconds: 600 });
  const out = await buildNftScript(state([s], { [s.id]: [ep('10.244.1.2')] }));
  const set = affinitySetName(s, '10.244.1.2', 8000);
  const e = endpointChainName(s, '10.244.1.2', 8000);
  const l = lines(out.text);
  assert.ok(l.includes(`add set ip kube-proxy ${set} { type ipv4_addr ; flags dynamic,timeout ; timeout 600s ; }`));
  assert.ok(l.indexOf(`add rule ip kube-proxy ${webNames.cluster} ip saddr @${set} goto ${e}`) < l.indexOf(`add rule ip kube-proxy ${webNames.cluster} goto ${e}`));
  assert.ok(l.includes(`add rule ip kube-proxy ${e} update @${set} { ip saddr }`));
});

test('LoadBalancer with source ranges: firewall chain and firewall-ips element', async () => {
  const s = svc({ loadBalancerIPs: ['172.31.0.100'], loadBalancerSourceRanges: ['203.0.113.0/24'] });
  const out = await buildNftScript(state([s], { [s.id]: [ep('10.244.1.2')] }));
  assert.ok(out.text.includes(`add rule ip kube-proxy ${webNames.firewall} ip saddr != { 203.0.113.0/24 } drop`));
  assert.ok(out.text.includes(`add element ip kube-proxy firewall-ips { 172.31.0.100 . tcp . 80 comment "default/web:http" : goto ${webNames.firewall} }`));
  assert.ok(cidrContains('172.31.0.0/24', '172.31.0.1') && !cidrContains('172.31.0.0/24', '172.31.1.1'));
});

test('partial sync touches only the changed port: deletes its old elements and stale endpoint chains', async () => {
  const other = svc({ id: 'default/other:', name: 'other', portName: '', clusterIP: '10.96.0.30' });
  const eps = { [web.id]: [ep('10.244.1.2'), ep('10.244.2.2')], [other.id]: [ep('10.244.3.2')] };
  const first = await buildNftScript(state([web, other], eps));
  const next = await buildNftScript(state([web, other], { ...eps, [web.id]: [ep('10.244.1.2')] }), new Set([web.id]), { previous: first.programmed });
  const l = lines(next.text);
  assert.equal(next.full, false);
  assert.equal(next.changed, 1);
  assert.ok(!next.text.includes('other'), 'the unchanged Service is not in the transaction');
  assert.ok(!next.text.includes('flush map'));
  const gone = endpointChainName(web, '10.244.2.2', 8000);
  const del = l.indexOf('delete element ip kube-proxy service-ips { 10.96.0.20 . tcp . 80 }');
  const add = l.indexOf(`add element ip kube-proxy service-ips { 10.96.0.20 . tcp . 80 : goto ${webNames.cluster} }`);
  assert.ok(del >= 0 && add > del);
  assert.ok(l.indexOf(`flush chain ip kube-proxy ${gone}`) < l.indexOf(`delete chain ip kube-proxy ${gone}`));
  assert.equal(l[l.length - 1], `delete chain ip kube-proxy ${gone}`);
  assert.deepEqual([...next.programmed.keys()].sort(), [other.id, web.id].sort());

  // Deleting the Service removes all of its objects.
  const removed = await buildNftScript(state([other], eps), new Set([web.id]), { previous: next.programmed });
  assert.ok(removed.text.includes(`delete chain ip kube-proxy ${webNames.cluster}`));
  assert.ok(!removed.programmed.has(web.id));
});

test('a key already owned by an unchanged Service is not stolen by a changed one', async () => {
  const a = svc({ id: 'default/a:', name: 'a', portName: '', externalIPs: ['192.0.2.50'] });
  const b = svc({ id: 'default/b:', name: 'b', portName: '', clusterIP: '10.96.0.40', externalIPs: ['192.0.2.50'] });
  const eps = { [a.id]: [ep('10.244.1.2')], [b.id]: [ep('10.244.1.3')] };
  const first = await buildNftScript(state([a, b], eps));
  assert.equal(first.text.split('192.0.2.50 . tcp . 80').length - 1, 1, 'only the first claims it');
  const next = await buildNftScript(state([a, b], eps), new Set([b.id]), { previous: first.programmed });
  assert.ok(!next.text.includes('192.0.2.50'));
});

test('full sync after a restart removes stale chains and sets found in the live table', async () => {
  const out = await buildNftScript(state([web], { [web.id]: [ep('10.244.1.2')] }), undefined, {
    live: { chains: ['services', 'service-AAAAAAAA-old/gone/tcp/', webNames.cluster], sets: new Map([['affinity-AAAAAAAA-old/gone/tcp/__10.0.0.1/80', 10800]]) },
  });
  assert.ok(out.text.includes('delete chain ip kube-proxy service-AAAAAAAA-old/gone/tcp/'));
  assert.ok(out.text.includes('delete set ip kube-proxy affinity-AAAAAAAA-old/gone/tcp/__10.0.0.1/80'));
  assert.ok(!out.text.includes('delete chain ip kube-proxy services'));
  assert.ok(!out.text.includes(`delete chain ip kube-proxy ${webNames.cluster}`));
});

test('cascade load balancing: numgen rules with falling modulus, no anonymous vmap', async () => {
  const st = state([web], { [web.id]: [ep('10.244.1.2'), ep('10.244.1.3'), ep('10.244.1.4')] });
  const out = await buildNftScript(st, undefined, { loadBalancing: 'cascade' });
  const [a, b, c] = ['10.244.1.2', '10.244.1.3', '10.244.1.4'].map((ip) => endpointChainName(web, ip, 8000));
  assert.ok(out.text.includes([
    `add rule ip kube-proxy ${webNames.cluster} numgen random mod 3 == 0 goto ${a}`,
    `add rule ip kube-proxy ${webNames.cluster} numgen random mod 2 == 0 goto ${b}`,
    `add rule ip kube-proxy ${webNames.cluster} goto ${c}`].join('\n')));
  assert.ok(!out.text.includes('vmap {'));
});

test('headless and IPv6 addresses stay out of the ip table (they would fail the transaction)', async () => {
  const headless = svc({ id: 'default/h:', name: 'h', portName: '', clusterIP: 'None' });
  const v6 = svc({ id: 'default/v6:', name: 'v6', portName: '', clusterIP: 'fd00::10' });
  const mixed = svc({ externalIPs: ['2001:db8::1', '192.0.2.9'] });
  const out = await buildNftScript(state([headless, v6, mixed], { [mixed.id]: [ep('fd00:10::2'), ep('10.244.1.2')] }));
  assert.ok(!out.text.includes('/h/') && !out.text.includes('/v6/') && !out.text.includes('::'));
  assert.ok(out.text.includes('192.0.2.9 . tcp . 80') && out.text.includes('dnat to 10.244.1.2:8000'));
});
