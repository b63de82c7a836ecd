import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staleConntrackDeletions, udpSnapshot } from './conntrack.js';
import type { EndpointInfo, ProxyState, ServicePortInfo } from './types.js';

const dns: ServicePortInfo = { id: 'kube-system/kube-dns:dns', namespace: 'kube-system', name: 'kube-dns', portName: 'dns', protocol: 'UDP', clusterIP: '10.96.0.10', port: 53,
  nodePort: 30053, externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], sessionAffinitySeconds: 0, internalLocal: false, externalLocal: false, healthCheckNodePort: 0 };
const ep = (ip: string): EndpointInfo => ({ ip, port: 53, ready: true, serving: true, terminating: false, isLocal: false });
const st = (eps: EndpointInfo[]): ProxyState => ({ nodeName: 'n', nodeIPs: [], clusterCIDR: '', services: new Map([[dns.id, dns]]), endpoints: new Map([[dns.id, eps]]) });

test('a removed UDP endpoint has its ClusterIP and NodePort flows deleted; a UDP service getting its first endpoint is flushed', () => {
  assert.deepEqual(staleConntrackDeletions(udpSnapshot(st([ep('10.244.1.5'), ep('10.244.2.5')])), udpSnapshot(st([ep('10.244.2.5')]))), [
    ['--orig-dst', '10.96.0.10', '--dst-nat', '10.244.1.5'], ['--dport', '30053', '--dst-nat', '10.244.1.5'],
  ]);
  assert.deepEqual(staleConntrackDeletions(udpSnapshot(st([])), udpSnapshot(st([ep('10.244.2.5')]))), [['--orig-dst', '10.96.0.10'], ['--dport', '30053']]);
  assert.deepEqual(staleConntrackDeletions(udpSnapshot(st([ep('10.244.2.5')])), udpSnapshot(st([ep('10.244.2.5')]))), []);
});
