/**
 * Unit tests of the iptables rendering (networkpolicy/iptables): chain layout, the seed's
 * backend-policy as rules, determinism, stale chain removal. Real packets: test/e2e/networkpolicy.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computePodFirewalls } from './policy.js';
import { renderFilterRules, renderCleanup, chainsInSave, podChainName, peerChainName, TOP_CHAIN, ALLOW_MARK } from './iptables.js';
import { testPod, testNamespace, testPolicy, seedBackendPolicy } from './testing.js';

const ns = 'doctor-app';
const pods = [
  testPod({ ns, name: 'frontend', ip: '10.244.2.10', node: 'node-2', labels: { app: 'doctor-frontend' } }),
  testPod({ ns, name: 'backend', ip: '10.244.1.20', labels: { app: 'doctor-backend' } }),
  testPod({ ns, name: 'web', ip: '10.244.1.21', labels: { app: 'web' } }),
  testPod({ ns, name: 'postgres-0', ip: '10.244.3.30', node: 'node-3', labels: { app: 'postgres' } }),
];
const render = (policies: any[], existingChains?: string[]) =>
  renderFilterRules(computePodFirewalls({ pods, namespaces: [testNamespace(ns)], networkPolicies: policies, nodeName: 'node-1' }), { existingChains });

describe('NetworkPolicy iptables rendering', () => {
  it('renders the seed\'s backend-policy as a top chain and two per-pod chains ending in DROP', () => {
    const text = render([seedBackendPolicy()]);
    const IN = podChainName('ingress', ns, 'backend'), EG = podChainName('egress', ns, 'backend');
    assert.match(IN, /^SKIFF-NP-IN-[0-9A-F]{12}$/);
    assert.ok(IN.length <= 28);
    const lines = text.split('\n');
    assert.equal(lines[0], '*filter');
    assert.deepEqual(lines.filter((l) => l.startsWith(':')), [`:${TOP_CHAIN} - [0:0]`, `:${EG} - [0:0]`, `:${IN} - [0:0]`]);
    assert.deepEqual(lines.filter((l) => l.startsWith(`-A ${TOP_CHAIN}`)), [
      `-A ${TOP_CHAIN} -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "reply traffic of allowed connections" -j RETURN`,
      `-A ${TOP_CHAIN} -s 10.244.1.20/32 -d 10.244.1.20/32 -m comment --comment "doctor-app/backend to itself" -j RETURN`,
      `-A ${TOP_CHAIN} -s 10.244.1.20/32 -m comment --comment "doctor-app/backend egress" -j ${EG}`,
      `-A ${TOP_CHAIN} -d 10.244.1.20/32 -m comment --comment "doctor-app/backend ingress" -j ${IN}`,
    ]);
    assert.deepEqual(lines.filter((l) => l.startsWith(`-A ${IN}`)), [
      `-A ${IN} -s 10.244.2.10/32 -p tcp -m tcp --dport 8000 -m comment --comment "doctor-app/backend-policy ingress[0]" -j RETURN`,
      `-A ${IN} -m comment --comment "doctor-app/backend ingress: not allowed by any NetworkPolicy" -j DROP`,
    ]);
    assert.deepEqual(lines.filter((l) => l.startsWith(`-A ${EG}`)), [
      `-A ${EG} -d 10.244.3.30/32 -p tcp -m tcp --dport 5432 -m comment --comment "doctor-app/backend-policy egress[0]" -j RETURN`,
      `-A ${EG} -m comment --comment "doctor-app/backend egress: not allowed by any NetworkPolicy" -j DROP`,
    ]);
    assert.equal(lines.at(-2), 'COMMIT');
    assert.ok(!/KUBE-/.test(text), 'never touches kube-proxy chains');
  });

  it('port ranges, protocol-only ports and allow-all rules render as iptables matches', () => {
    const text = render([testPolicy(ns, 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [
      { ports: [{ protocol: 'TCP', port: 30000, endPort: 30100 }, { protocol: 'UDP' }, { protocol: 'SCTP', port: 9 }] }, {}] })]);
    const IN = podChainName('ingress', ns, 'web');
    assert.deepEqual(text.split('\n').filter((l) => l.startsWith(`-A ${IN}`)).map((l) => l.replace(/ -m comment --comment "[^"]*"/, '')), [
      `-A ${IN} -p sctp -m sctp --dport 9 -j RETURN`,
      `-A ${IN} -p tcp -m tcp --dport 30000:30100 -j RETURN`,
      `-A ${IN} -p udp -j RETURN`,
      `-A ${IN} -j RETURN`,
      `-A ${IN} -j DROP`,
    ]);
  });

  it('rules with many peers go through one shared peer chain that marks, and the pod chain drops unmarked packets', () => {
    const many = Array.from({ length: 12 }, (_, i) => testPod({ ns, name: `c${i}`, ip: `10.244.9.${i + 1}`, node: 'node-9', labels: { role: 'client' } }));
    const np = testPolicy(ns, 'clients', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 80 }, { port: 443 }] }, { ports: [{ port: 22 }] }] });
    const np2 = testPolicy(ns, 'clients2', { podSelector: { matchLabels: { app: 'doctor-backend' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] });
    const text = renderFilterRules(computePodFirewalls({ pods: [...pods, ...many], namespaces: [testNamespace(ns)], networkPolicies: [np, np2], nodeName: 'node-1' }));
    const peers = many.map((p) => `${p.status.podIP}/32`).sort((a, b) => Number(a.split('.')[3].split('/')[0]) - Number(b.split('.')[3].split('/')[0]));
    const PR = peerChainName('ingress', peers);
    const IN = podChainName('ingress', ns, 'web');
    const strip = (l: string) => l.replace(/ -m comment --comment "[^"]*"/, '');
    assert.deepEqual(text.split('\n').filter((l) => l.startsWith(`-A ${IN}`)).map(strip), [
      `-A ${IN} -j MARK --set-xmark 0x0/${ALLOW_MARK}`,
      `-A ${IN} -p tcp -m tcp --dport 80 -j ${PR}`,
      `-A ${IN} -p tcp -m tcp --dport 443 -j ${PR}`,
      `-A ${IN} -p tcp -m tcp --dport 22 -j RETURN`,
      `-A ${IN} -m mark ! --mark ${ALLOW_MARK}/${ALLOW_MARK} -j DROP`,
      `-A ${IN} -j MARK --set-xmark 0x0/${ALLOW_MARK}`,
    ]);
    const prLines = text.split('\n').filter((l) => l.startsWith(`-A ${PR}`));
    assert.equal(prLines.length, 12, 'one peer chain, shared by both pods the policies select');
    assert.equal(prLines[0], `-A ${PR} -s 10.244.9.1/32 -j MARK --set-xmark ${ALLOW_MARK}/${ALLOW_MARK}`);
    assert.equal(text.split('\n').filter((l) => l === `:${PR} - [0:0]`).length, 1);
  });

  it('is deterministic whatever the input order, and deletes chains it no longer wants', () => {
    const a = render([seedBackendPolicy(), testPolicy(ns, 'deny', { podSelector: {} })]);
    const b = renderFilterRules(computePodFirewalls({ pods: [...pods].reverse(), namespaces: [testNamespace(ns)], networkPolicies: [testPolicy(ns, 'deny', { podSelector: {} }), seedBackendPolicy()], nodeName: 'node-1' }));
    assert.equal(a, b);
    const stale = podChainName('ingress', ns, 'gone');
    const withStale = render([seedBackendPolicy()], [TOP_CHAIN, stale, 'KUBE-SERVICES']);
    assert.match(withStale, new RegExp(`^:${stale} - \\[0:0\\]$`, 'm'));
    assert.match(withStale, new RegExp(`^-X ${stale}\\nCOMMIT`, 'm'));
    assert.ok(!withStale.includes('KUBE-SERVICES'));
  });

  it('no policies: only the top chain with its reply rule', () => {
    assert.deepEqual(render([]).split('\n').filter((l) => l.startsWith('-A')).length, 1);
  });

  it('reads its chains back from iptables-save and renders their removal', () => {
    const save = `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:${TOP_CHAIN} - [0:0]\n:SKIFF-NP-IN-ABC - [0:0]\n:KUBE-FORWARD - [0:0]\nCOMMIT\n`;
    assert.deepEqual(chainsInSave(save), [TOP_CHAIN, 'SKIFF-NP-IN-ABC']);
    assert.equal(renderCleanup(chainsInSave(save)), `*filter\n:SKIFF-NP-FORWARD - [0:0]\n:SKIFF-NP-IN-ABC - [0:0]\n-X SKIFF-NP-FORWARD\n-X SKIFF-NP-IN-ABC\nCOMMIT\n`);
    assert.equal(renderCleanup([]), '');
  });
});
