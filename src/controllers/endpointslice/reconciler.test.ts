import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, sliceLabels, ownerReference, type DesiredGroup } from './reconciler.js';
import { endpointKey, portsKey, podToEndpoint, endpointPorts } from './endpoints.js';

const svc = { metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { team: 'a' } }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } };
const PORTS = [{ name: 'http', port: 8080, protocol: 'TCP' }];
const ep = (i: number, ready = true) => ({ addresses: [`10.0.${i >> 8}.${i & 255}`], conditions: { ready, serving: ready, terminating: false }, targetRef: { kind: 'Pod', namespace: 'ns', name: `p${i}`, uid: `u${i}` } });
const desired = (eps: any[], ports = PORTS): Map<string, DesiredGroup> => new Map([[portsKey(ports), { ports, endpoints: new Map(eps.map((e) => [endpointKey(e), e])) }]]);
let n = 0;
const slice = (eps: any[], ports: any = PORTS, extra: any = {}) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name: `web-${++n}`, namespace: 'ns', uid: `s${n}`, labels: sliceLabels(svc), ownerReferences: [ownerReference(svc)], ...extra },
  endpoints: eps, ...(ports ? { ports } : {}),
});
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => ep(a + i));

test('a new Service gets slices of at most maxEndpointsPerSlice, labelled and owned by the Service', () => {
  const plan = reconcile({ service: svc, addressType: 'IPv4', desired: desired(range(0, 250)), existing: [] });
  assert.deepEqual(plan.create.map((s) => s.endpoints.length), [100, 100, 50]);
  const s = plan.create[0];
  assert.equal(s.metadata.generateName, 'web-');
  assert.deepEqual(s.metadata.labels, { team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(s.ports, PORTS);
});

test('nothing changed: nothing written', () => {
  const plan = reconcile({ service: svc, addressType: 'IPv4', desired: desired(range(0, 3)), existing: [slice(range(0, 3))] });
  assert.deepEqual(plan, { create: [], update: [], delete: [] });
});

test('a pod becoming unready updates its slice in place; a gone pod is removed; an emptied slice is deleted', () => {
  const a = slice(range(0, 3));
  const b = slice(range(3, 4));
  const want = [ep(0), ep(1, false)];
  const plan = reconcile({ service: svc, addressType: 'IPv4', desired: desired(want), existing: [a, b], triggerTime: Date.parse('2026-01-01T00:00:00.5Z') });
  assert.equal(plan.create.length, 0);
  assert.equal(plan.update.length, 1);
  assert.equal(plan.update[0].metadata.name, a.metadata.name);
  assert.deepEqual(plan.update[0].endpoints, want);
  assert.equal(plan.update[0].metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time'], '2026-01-01T00:00:00.5Z');
  assert.deepEqual(plan.delete.map((s) => s.metadata.name), [b.metadata.name]);
});

test('new endpoints fill a slice being updated first, then one existing slice that fits them all, then new slices', () => {
  const a = slice(range(0, 98));
  const plan = reconcile({ service: svc, addressType: 'IPv4', desired: desired([...range(0, 98), ep(500), ep(501)]), existing: [a] });
  assert.equal(plan.create.length, 0);
  assert.equal(plan.update[0].endpoints.length, 100);
  const plan2 = reconcile({ service: svc, addressType: 'IPv4', desired: desired([...range(0, 98), ep(500), ep(501), ep(502)]), existing: [a] });
  assert.equal(plan2.update.length, 0);
  assert.equal(plan2.create.length, 1);
  assert.equal(plan2.create[0].endpoints.length, 3);
});

test('no endpoints: one placeholder slice; the placeholder becomes the first real slice in place', () => {
  const empty = reconcile({ service: svc, addressType: 'IPv4', desired: new Map(), existing: [] });
  assert.equal(empty.create.length, 1);
  assert.deepEqual(empty.create[0].endpoints, []);
  assert.equal(empty.create[0].ports, undefined);
  const ph = slice([], undefined);
  assert.deepEqual(reconcile({ service: svc, addressType: 'IPv4', desired: new Map(), existing: [ph] }), { create: [], update: [], delete: [] });
  const filled = reconcile({ service: svc, addressType: 'IPv4', desired: desired([ep(1)]), existing: [ph] });
  assert.equal(filled.create.length, 0);
  assert.equal(filled.update.length, 1);
  assert.equal(filled.update[0].metadata.name, ph.metadata.name);
  assert.deepEqual(filled.update[0].ports, PORTS);
  // And back: when the last endpoint goes, an empty placeholder takes the slice's place.
  const real = slice([ep(1)]);
  const back = reconcile({ service: svc, addressType: 'IPv4', desired: new Map(), existing: [real] });
  assert.deepEqual([back.create.length, back.delete.length, back.create[0].endpoints.length], [1, 1, 0]);
});

test('slices of a previous Service with the same name, or another address type, are deleted', () => {
  const foreign = slice(range(0, 1), PORTS, { ownerReferences: [{ ...ownerReference(svc), uid: 'old' }] });
  const plan = reconcile({ service: svc, addressType: 'IPv4', desired: desired(range(0, 1)), existing: [foreign] });
  assert.deepEqual(plan.delete, [foreign]);
  assert.equal(plan.create.length, 1);
});

test('a pod as an endpoint: conditions, zone, node, hostname, ports by name', () => {
  const pod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u', deletionTimestamp: '2026-01-01T00:00:00Z' },
    spec: { nodeName: 'n1', hostname: 'p', subdomain: 'web', containers: [{ ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { podIP: '10.1.1.1', conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const node = { metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } } };
  assert.deepEqual(podToEndpoint(pod, node, svc, 'IPv4'), {
    addresses: ['10.1.1.1'], conditions: { ready: false, serving: true, terminating: true }, hostname: 'p',
    targetRef: { kind: 'Pod', namespace: 'ns', name: 'p', uid: 'u' }, nodeName: 'n1', zone: 'z1',
  });
  assert.deepEqual(endpointPorts({ spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'x', port: 81, targetPort: 'missing' }] } }, pod), [{ name: 'http', port: 8080, protocol: 'TCP' }]);
});
