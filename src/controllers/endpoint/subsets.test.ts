import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeSubsets, truncateSubsets, MAX_CAPACITY } from './subsets.js';

const svc = (spec: any = {}) => ({
  metadata: { name: 'web', namespace: 'ns' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' }], ...spec },
});
const pod = (name: string, ip: string, o: { ready?: boolean; httpPort?: number; deleting?: boolean; phase?: string; restartPolicy?: string; hostname?: string; subdomain?: string } = {}) => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: {
    nodeName: 'node-1', restartPolicy: o.restartPolicy ?? 'Always', hostname: o.hostname, subdomain: o.subdomain,
    containers: [{ name: 'c', ports: o.httpPort ? [{ name: 'http', containerPort: o.httpPort }] : [] }],
  },
  status: { phase: o.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});

test('ready and not-ready pods, named ports resolved per pod, a pod missing the named port in its own subset', () => {
  const { subsets, ready, notReady } = computeSubsets(svc(), [
    pod('a', '10.0.0.2', { httpPort: 8080 }),
    pod('b', '10.0.0.1', { httpPort: 8080, ready: false }),
    pod('c', '10.0.0.3'), // no port named http: only the metrics port
  ]);
  assert.equal(ready, 2);
  assert.equal(notReady, 1);
  assert.equal(subsets.length, 2);
  const both = subsets.find((s) => s.ports?.length === 2)!;
  assert.deepEqual(both.addresses!.map((a) => a.ip), ['10.0.0.2']);
  assert.deepEqual(both.notReadyAddresses!.map((a) => a.ip), ['10.0.0.1']);
  assert.deepEqual(both.ports!.map((p) => [p.name, p.port]).sort(), [['http', 8080], ['metrics', 9090]]);
  const metricsOnly = subsets.find((s) => s.ports?.length === 1)!;
  assert.deepEqual(metricsOnly.addresses!.map((a) => a.ip), ['10.0.0.3']);
  assert.deepEqual(both.addresses![0].targetRef, { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' });
  assert.equal(both.addresses![0].nodeName, 'node-1');
});

test('terminating and finished pods are left out; publishNotReadyAddresses lists everything as ready', () => {
  const pods = [
    pod('a', '10.0.0.1', { httpPort: 80, deleting: true }),
    pod('b', '10.0.0.2', { httpPort: 80, phase: 'Succeeded', restartPolicy: 'Never' }),
    pod('c', '10.0.0.3', { httpPort: 80, ready: false }),
  ];
  const plain = computeSubsets(svc(), pods).subsets;
  assert.deepEqual(plain.flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]).map((a) => a.ip), ['10.0.0.3']);
  const pub = computeSubsets(svc({ publishNotReadyAddresses: true }), pods).subsets;
  assert.deepEqual(pub.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort(), ['10.0.0.1', '10.0.0.3']);
  assert.ok(pub.every((s) => !s.notReadyAddresses));
});

test('hostname only when the pod\'s subdomain is the Service; headless without ports still lists pods', () => {
  const s = svc({ clusterIP: 'None', ports: [] });
  const { subsets } = computeSubsets(s, [pod('a', '10.0.0.1', { hostname: 'a', subdomain: 'web' }), pod('b', '10.0.0.2', { hostname: 'b', subdomain: 'other' })]);
  assert.equal(subsets.length, 1);
  assert.equal(subsets[0].ports, undefined);
  assert.deepEqual(subsets[0].addresses!.map((a) => [a.ip, a.hostname]), [['10.0.0.1', 'a'], ['10.0.0.2', undefined]]);
  assert.deepEqual(computeSubsets(svc({ ports: [] }), [pod('a', '10.0.0.1')]).subsets, []);
});

test('the same pods in another order give identical subsets', () => {
  const pods = [pod('a', '10.0.0.2', { httpPort: 80 }), pod('b', '10.0.0.1', { httpPort: 80 }), pod('c', '10.0.0.3', { httpPort: 81 })];
  assert.deepEqual(computeSubsets(svc(), pods).subsets, computeSubsets(svc(), [...pods].reverse()).subsets);
});

test('over capacity: truncated to the maximum, ready addresses kept first', () => {
  const addresses = Array.from({ length: MAX_CAPACITY + 5 }, (_, i) => ({ ip: `10.0.${i >> 8}.${i & 255}` }));
  const { subsets, truncated } = truncateSubsets([{ notReadyAddresses: [{ ip: '10.9.9.9' }], addresses, ports: [{ port: 80, protocol: 'TCP' }] }]);
  assert.ok(truncated);
  assert.equal(subsets[0].addresses!.length, MAX_CAPACITY);
  assert.equal(subsets[0].notReadyAddresses, undefined);
});
