import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categorizeEndpoints } from './topology.js';
import type { EndpointInfo, ServicePortInfo } from './types.js';

const svc = (o: Partial<ServicePortInfo> = {}): ServicePortInfo => ({
  id: 'default/web:http', namespace: 'default', name: 'web', portName: 'http', protocol: 'TCP', clusterIP: '10.96.0.20', port: 80,
  nodePort: 0, externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], sessionAffinitySeconds: 0,
  internalLocal: false, externalLocal: false, healthCheckNodePort: 0, ...o,
});
const ep = (ip: string, o: Partial<EndpointInfo> = {}): EndpointInfo => ({ ip, port: 8000, ready: true, serving: true, terminating: false, isLocal: false, ...o });

test('ready endpoints take the traffic; unready ones none', () => {
  const s = categorizeEndpoints(svc(), [ep('10.244.1.2'), ep('10.244.2.2', { ready: false, serving: false })]);
  assert.deepEqual(s.cluster.map((e) => e.ip), ['10.244.1.2']);
});

test('with no ready endpoint, serving+terminating ones keep the Service answering while pods drain', () => {
  const s = categorizeEndpoints(svc(), [ep('10.244.1.2', { ready: false, serving: true, terminating: true }), ep('10.244.2.2', { ready: false, serving: false, terminating: true })]);
  assert.deepEqual(s.cluster.map((e) => e.ip), ['10.244.1.2']);
});

test('internalTrafficPolicy Local keeps ClusterIP traffic on this node; local is always the local subset', () => {
  const eps = [ep('10.244.1.2', { isLocal: true }), ep('10.244.2.2')];
  assert.deepEqual(categorizeEndpoints(svc({ internalLocal: true }), eps).cluster.map((e) => e.ip), ['10.244.1.2']);
  assert.deepEqual(categorizeEndpoints(svc(), eps).local.map((e) => e.ip), ['10.244.1.2']);
  assert.deepEqual(categorizeEndpoints(svc(), undefined), { cluster: [], local: [] });
});
