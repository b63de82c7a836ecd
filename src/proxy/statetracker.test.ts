import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyStateTracker } from './statetracker.js';
import { servicePortsFor } from './servicechangetracker.js';

const service = (name: string, spec: any = {}, status: any = {}) => ({ metadata: { namespace: 'default', name }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec }, status });
const slice = (name: string, svc: string, endpoints: any[], ports = [{ name: 'http', port: 8080, protocol: 'TCP' }]) => ({
  metadata: { namespace: 'default', name, labels: { 'kubernetes.io/service-name': svc } }, addressType: 'IPv4', ports, endpoints,
});

function world() {
  const services = new Map<string, any>();
  const slices = new Map<string, any>();
  const t = new ProxyStateTracker({ service: (k) => services.get(k), slicesFor: (k) => [...slices.values()].filter((s) => `${s.metadata.namespace}/${s.metadata.labels['kubernetes.io/service-name']}` === k) }, 'node-1');
  return {
    t,
    putService(s: any) { services.set(`default/${s.metadata.name}`, s); t.onService(s); },
    delService(name: string) { const s = services.get(`default/${name}`); services.delete(`default/${name}`); t.onService(s); },
    putSlice(s: any) { slices.set(s.metadata.name, s); t.onSlice(s); },
  };
}
const snap = (t: ProxyStateTracker) => t.snapshot({ nodeIPs: ['192.168.0.2'], clusterCIDR: '' });

test('headless and ExternalName Services are not proxied; NodePort/LB/affinity/policies are read', () => {
  assert.deepEqual(servicePortsFor(service('h', { clusterIP: 'None' })), []);
  assert.deepEqual(servicePortsFor(service('x', { type: 'ExternalName', externalName: 'a.example', clusterIP: undefined })), []);
  const [p] = servicePortsFor(service('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', healthCheckNodePort: 31000, loadBalancerSourceRanges: ['1.2.3.0/24'], ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, { loadBalancer: { ingress: [{ ip: '192.168.50.1' }] } }));
  assert.equal(p.id, 'default/lb:http');
  assert.equal(p.protocol, 'TCP');
  assert.equal(p.nodePort, 30080);
  assert.deepEqual(p.loadBalancerIPs, ['192.168.50.1']);
  assert.equal(p.sessionAffinitySeconds, 10800);
  assert.ok(p.externalLocal && p.internalLocal);
  assert.equal(p.healthCheckNodePort, 31000);
  // externalTrafficPolicy means nothing for a Service with no external address.
  assert.equal(servicePortsFor(service('c', { externalTrafficPolicy: 'Local' }))[0].externalLocal, false);
  assert.equal(servicePortsFor(service('u', { ports: [{ port: 53, protocol: 'UDP' }] }))[0].id, 'default/u:');
});

test('endpoints come from every slice of the Service, matched by port name and protocol, with conditions and locality', () => {
  const w = world();
  w.putService(service('web'));
  w.putSlice(slice('web-a', 'web', [{ addresses: ['10.244.1.2'], nodeName: 'node-1' }, { addresses: ['10.244.2.2'], conditions: { ready: false }, nodeName: 'node-2' }]));
  w.putSlice(slice('web-b', 'web', [{ addresses: ['10.244.3.2'], conditions: { ready: false, serving: true, terminating: true } }]));
  w.putSlice(slice('web-c', 'web', [{ addresses: ['10.244.4.2'] }], [{ name: 'metrics', port: 9090, protocol: 'TCP' }]));
  const { state, changedIds } = snap(w.t);
  assert.deepEqual([...changedIds], ['default/web:http']);
  const eps = state.endpoints.get('default/web:http')!;
  assert.deepEqual(eps.map((e) => [e.ip, e.port, e.ready, e.serving, e.terminating, e.isLocal]), [
    ['10.244.1.2', 8080, true, true, false, true], ['10.244.2.2', 8080, false, false, false, false], ['10.244.3.2', 8080, false, true, true, false],
  ]);
});

test('changedIds: only what changed since the last snapshot; a deleted Service reports its ports', () => {
  const w = world();
  w.putService(service('web'));
  w.putService(service('api', { clusterIP: '10.96.0.21' }));
  assert.equal(snap(w.t).changedIds.size, 2);
  assert.equal(snap(w.t).changedIds.size, 0);
  // An event with no effective change (e.g. a status-only update) changes nothing.
  w.putService(service('web'));
  assert.equal(snap(w.t).changedIds.size, 0);
  w.putSlice(slice('api-1', 'api', [{ addresses: ['10.244.1.9'] }]));
  assert.deepEqual([...snap(w.t).changedIds], ['default/api:http']);
  w.delService('web');
  const s = snap(w.t);
  assert.deepEqual([...s.changedIds], ['default/web:http']);
  assert.deepEqual([...s.state.services.keys()], ['default/api:http']);
});
