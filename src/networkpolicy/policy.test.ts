/**
 * Unit tests of NetworkPolicy semantics (networkpolicy/policy) and ipBlock arithmetic
 * (networkpolicy/cidr): isolation, policyTypes defaulting, every peer kind, ports, ranges and named
 * ports, and the seed's backend-policy.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computePodFirewalls, type PodFirewall } from './policy.js';
import { parseCidr4, formatCidr4, subtractCidrs } from './cidr.js';
import { testPod, testNamespace, testPolicy, seedBackendPolicy } from './testing.js';

const NODE = 'node-1';
const fw = (pods: any[], policies: any[], namespaces = [testNamespace('default'), testNamespace('doctor-app')]): Map<string, PodFirewall> =>
  new Map(computePodFirewalls({ pods, namespaces, networkPolicies: policies, nodeName: NODE }).map((f) => [`${f.namespace}/${f.name}`, f]));

describe('ipBlock arithmetic', () => {
  it('parses CIDRs like net.ParseCIDR (host bits cleared) and refuses non-IPv4', () => {
    assert.equal(formatCidr4(parseCidr4('10.0.0.5/24')!), '10.0.0.0/24');
    assert.equal(formatCidr4(parseCidr4('10.1.2.3')!), '10.1.2.3/32');
    assert.equal(formatCidr4(parseCidr4('0.0.0.0/0')!), '0.0.0.0/0');
    for (const bad of ['10.0.0.0/33', '256.0.0.0/8', 'fd00::/64', '10.0.0/8', '10.0.0.0/8/1']) assert.equal(parseCidr4(bad), undefined, bad);
  });

  it('cidr minus except is the exact disjoint cover', () => {
    const sub = (c: string, ex: string[]) => subtractCidrs(parseCidr4(c)!, ex.map((e) => parseCidr4(e)!)).map(formatCidr4);
    assert.deepEqual(sub('10.0.0.0/24', ['10.0.0.128/25']), ['10.0.0.0/25']);
    assert.deepEqual(sub('10.0.0.0/24', []), ['10.0.0.0/24']);
    assert.deepEqual(sub('10.0.0.0/24', ['10.0.0.0/24']), []);
    assert.deepEqual(sub('10.0.0.0/30', ['10.0.0.1/32']), ['10.0.0.0/32', '10.0.0.2/31']);
    const pieces = sub('0.0.0.0/0', ['10.0.0.0/8', '192.168.1.7/32']);
    assert.ok(!pieces.includes('10.0.0.0/8') && pieces.includes('11.0.0.0/8') && pieces.includes('192.168.1.6/32') && pieces.includes('192.168.1.8/29'));
  });
});

describe('NetworkPolicy semantics', () => {
  const web = testPod({ ns: 'default', name: 'web', ip: '10.244.1.10', labels: { app: 'web' }, ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }] });
  const client = testPod({ ns: 'default', name: 'client', ip: '10.244.2.20', node: 'node-2', labels: { role: 'client' } });

  it('a pod no policy selects is not isolated in either direction', () => {
    const f = fw([web, client], [testPolicy('default', 'other', { podSelector: { matchLabels: { app: 'nope' } }, ingress: [] })]).get('default/web')!;
    assert.equal(f.ingress, undefined);
    assert.equal(f.egress, undefined);
    assert.deepEqual(f.ips, ['10.244.1.10']);
  });

  it('only pods on this node with addresses, not on the host network and not finished, are enforced', () => {
    const pods = [web, client,
      testPod({ ns: 'default', name: 'hostnet', ip: '192.0.2.50', hostNetwork: true }),
      testPod({ ns: 'default', name: 'done', ip: '10.244.1.11', phase: 'Succeeded' }),
      testPod({ ns: 'default', name: 'starting', ip: '10.244.1.12', phase: 'Pending' })];
    assert.deepEqual([...fw(pods, []).keys()], ['default/starting', 'default/web']);
  });

  it('policyTypes default: Ingress always, Egress only when egress rules exist', () => {
    const ingOnly = fw([web], [testPolicy('default', 'p', { podSelector: {} })]).get('default/web')!;
    assert.deepEqual(ingOnly.ingress, []);
    assert.equal(ingOnly.egress, undefined);
    const both = fw([web], [testPolicy('default', 'p', { podSelector: {}, egress: [{}] })]).get('default/web')!;
    assert.deepEqual(both.ingress, []);
    assert.deepEqual(both.egress, [{ source: 'default/p egress[0]', peers: 'any', ports: 'any' }]);
    const egOnly = fw([web], [testPolicy('default', 'p', { podSelector: {}, policyTypes: ['Egress'] })]).get('default/web')!;
    assert.equal(egOnly.ingress, undefined);
    assert.deepEqual(egOnly.egress, []);
  });

  it('ingress: [{}] allows everything; no rules with a policyType deny everything; policies add up', () => {
    const allowAll = testPolicy('default', 'allow', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] });
    const deny = testPolicy('default', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
    const f = fw([web], [deny, allowAll]).get('default/web')!;
    assert.deepEqual(f.ingress, [{ source: 'default/allow ingress[0]', peers: 'any', ports: 'any' }]);
    assert.deepEqual(fw([web], [deny]).get('default/web')!.ingress, []);
  });

  it('a policy only selects pods in its own namespace', () => {
    const f = fw([web], [testPolicy('doctor-app', 'deny', { podSelector: {} })]).get('default/web')!;
    assert.equal(f.ingress, undefined);
  });

  it('peers: podSelector (own namespace), namespaceSelector (all pods there), both (intersection); only Running pods', () => {
    const nss = [testNamespace('default'), testNamespace('prod', { env: 'prod' }), testNamespace('dev', { env: 'dev' })];
    const pods = [web, client,
      testPod({ ns: 'prod', name: 'p1', ip: '10.244.3.1', labels: { role: 'client' } }),
      testPod({ ns: 'prod', name: 'p2', ip: '10.244.3.2', labels: { role: 'db' } }),
      testPod({ ns: 'dev', name: 'd1', ip: '10.244.4.1', labels: { role: 'client' } }),
      testPod({ ns: 'default', name: 'pending', ip: '10.244.1.99', labels: { role: 'client' }, phase: 'Pending' })];
    const peers = (from: any[]) => fw(pods, [testPolicy('default', 'p', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from }] })], nss).get('default/web')!.ingress![0].peers;
    assert.deepEqual(peers([{ podSelector: { matchLabels: { role: 'client' } } }]), ['10.244.2.20/32']);
    assert.deepEqual(peers([{ namespaceSelector: { matchLabels: { env: 'prod' } } }]), ['10.244.3.1/32', '10.244.3.2/32']);
    assert.deepEqual(peers([{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'client' } } }]), ['10.244.2.20/32', '10.244.3.1/32', '10.244.4.1/32']);
    assert.deepEqual(peers([{ namespaceSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['dev', 'prod'] }] }, podSelector: { matchLabels: { role: 'client' } } }]), ['10.244.3.1/32', '10.244.4.1/32']);
    assert.deepEqual(peers([{ podSelector: { matchLabels: { role: 'nobody' } } }]), [], 'a selector matching no pod allows nothing');
    assert.deepEqual(peers([{ ipBlock: { cidr: '172.16.0.0/16', except: ['172.16.1.0/24'] } }]).length, 8);
  });

  it('ports: number, range (endPort), protocol default TCP, UDP/SCTP, protocol-only', () => {
    const f = fw([web], [testPolicy('default', 'p', { podSelector: {}, ingress: [{ ports: [
      { port: 80 }, { protocol: 'TCP', port: 30000, endPort: 30100 }, { protocol: 'UDP', port: 53 }, { protocol: 'SCTP', port: 9 }, { protocol: 'UDP' }] }] })]).get('default/web')!;
    assert.deepEqual(f.ingress![0].ports, [
      { protocol: 'SCTP', port: 9 }, { protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 30000, endPort: 30100 }, { protocol: 'UDP' }, { protocol: 'UDP', port: 53 }]);
  });

  it('ingress named ports resolve against the selected pod (name and protocol); unresolved ones allow nothing', () => {
    const f = fw([web], [testPolicy('default', 'p', { podSelector: {}, ingress: [
      { ports: [{ port: 'http' }, { port: 'dns', protocol: 'UDP' }, { port: 'dns' }] }, { ports: [{ port: 'metrics' }] }] })]).get('default/web')!;
    assert.deepEqual(f.ingress![0].ports, [{ protocol: 'TCP', port: 8080 }, { protocol: 'UDP', port: 53 }]);
    assert.deepEqual(f.ingress![1].ports, []);
  });

  it('egress named ports resolve against each destination pod', () => {
    const src = testPod({ ns: 'default', name: 'src', ip: '10.244.1.5', labels: { app: 'src' } });
    const other = testPod({ ns: 'default', name: 'other', ip: '10.244.2.7', labels: { app: 'web' }, ports: [{ name: 'http', containerPort: 9090 }] });
    const np = testPolicy('default', 'p', { podSelector: { matchLabels: { app: 'src' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }, { port: 443 }] }] });
    const f = fw([src, web, other], [np]).get('default/src')!;
    assert.deepEqual(f.egress, [
      { source: 'default/p egress[0]', peers: ['10.244.1.10/32', '10.244.2.7/32'], ports: [{ protocol: 'TCP', port: 443 }] },
      { source: 'default/p egress[0]', peers: ['10.244.1.10/32'], ports: [{ protocol: 'TCP', port: 8080 }] },
      { source: 'default/p egress[0]', peers: ['10.244.2.7/32'], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
  });

  it('the seed\'s backend-policy: frontend -> backend:8000, backend -> postgres:5432, nothing else', () => {
    const ns = 'doctor-app';
    const pods = [
      testPod({ ns, name: 'frontend', ip: '10.244.2.10', node: 'node-2', labels: { app: 'doctor-frontend' } }),
      testPod({ ns, name: 'backend', ip: '10.244.1.20', labels: { app: 'doctor-backend' } }),
      testPod({ ns, name: 'postgres-0', ip: '10.244.3.30', node: 'node-3', labels: { app: 'postgres' } }),
    ];
    const m = fw(pods, [seedBackendPolicy()]);
    assert.deepEqual([...m.keys()], ['doctor-app/backend']);
    assert.deepEqual(m.get('doctor-app/backend'), {
      namespace: ns, name: 'backend', ips: ['10.244.1.20'],
      ingress: [{ source: 'doctor-app/backend-policy ingress[0]', peers: ['10.244.2.10/32'], ports: [{ protocol: 'TCP', port: 8000 }] }],
      egress: [{ source: 'doctor-app/backend-policy egress[0]', peers: ['10.244.3.30/32'], ports: [{ protocol: 'TCP', port: 5432 }] }],
    });
  });
});
