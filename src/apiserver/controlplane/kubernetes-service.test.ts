/**
 * @module apiserver/controlplane/kubernetes-service.test
 * The API server's own Service, Endpoints and EndpointSlice over a real registry (SQLite in a
 * temp dir, watch caches, the loopback client): made at start, exactly upstream's shape,
 * repaired after edits and deletes, written with resourceVersion preconditions, quiet when right.
 */
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../api/index.js';
import { openStorage } from '../../storage/open.js';
import type { Storage } from '../../storage/interface.js';
import { ResourceRegistry } from '../registry/resources.js';
import { loopbackClient, systemContext, type LoopbackClient } from '../registry/loopback.js';
import { KubernetesServiceController } from './kubernetes-service.js';
import { desiredEndpoints, desiredEndpointSlice } from '../reconcilers/endpoints-adapter.js';

async function until<T>(cond: () => Promise<T> | T, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('KubernetesServiceController', () => {
  let dir: string;
  let storage: Storage;
  let reg: ResourceRegistry;
  let client: LoopbackClient;
  let ctl: KubernetesServiceController;
  const logs: string[] = [];
  const store = (group: string, version: string, plural: string) => reg.storeFor(reg.find(group, version, plural)!);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-kubesvc-'));
    storage = await openStorage(join(dir, 'state.db'));
    reg = new ResourceRegistry(storage);
    client = loopbackClient(reg);
    await reg.bootstrap();
    logs.length = 0;
    ctl = new KubernetesServiceController(reg, client, { advertiseAddress: '10.1.2.3', securePort: 34567, intervalMs: 60_000, log: (m) => logs.push(m) });
  });
  afterEach(async () => {
    await ctl.stop();
    reg.stop();
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes upstream\'s objects at start: Endpoints and EndpointSlice at advertise:port, the Service targetPort', async () => {
    await ctl.start();
    const ep = await store('', 'v1', 'endpoints').get('default', 'kubernetes');
    assert.deepEqual(ep.metadata.labels, { 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ name: 'https', port: 34567, protocol: 'TCP' }] }]);
    const slice = await store('discovery.k8s.io', 'v1', 'endpointslices').get('default', 'kubernetes');
    assert.deepEqual(slice.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.endpoints, [{ addresses: ['10.1.2.3'], conditions: { ready: true } }]);
    assert.deepEqual(slice.ports, [{ name: 'https', port: 34567, protocol: 'TCP' }]);
    const svc = await store('', 'v1', 'services').get('default', 'kubernetes');
    assert.equal(svc.spec.clusterIP, '10.96.0.1');
    assert.equal(svc.spec.selector, undefined, 'selectorless, so the endpoint controllers leave it alone');
    assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 34567 }]);
    // A second pass finds everything right and writes nothing.
    assert.deepEqual(await ctl.sync(), { service: 'unchanged', endpoints: 'unchanged', endpointSlice: 'unchanged' });
  });

  it('puts back deleted and edited objects as soon as they change, and deletes stray slices', async () => {
    await ctl.start();
    const eps = store('', 'v1', 'endpoints'), slices = store('discovery.k8s.io', 'v1', 'endpointslices'), svcs = store('', 'v1', 'services');
    const firstUID = (await eps.get('default', 'kubernetes')).metadata.uid;
    await eps.delete('default', 'kubernetes', {}, systemContext());
    await until(async () => { const e = await eps.get('default', 'kubernetes').catch(() => null); return e && e.metadata.uid !== firstUID; }, 'Endpoints recreated');

    const cur = await slices.get('default', 'kubernetes');
    cur.endpoints = [{ addresses: ['10.9.9.9'], conditions: { ready: true } }];
    cur.metadata.labels = { 'kubernetes.io/service-name': 'kubernetes', extra: 'x' };
    await slices.update('default', 'kubernetes', cur, systemContext());
    await until(async () => (await slices.get('default', 'kubernetes')).endpoints[0].addresses[0] === '10.1.2.3', 'EndpointSlice repaired');
    assert.deepEqual((await slices.get('default', 'kubernetes')).metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });

    await slices.create('default', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kubernetes-stray', labels: { 'kubernetes.io/service-name': 'kubernetes' } }, addressType: 'IPv4', endpoints: [], ports: [] }, systemContext());
    await until(async () => !(await slices.get('default', 'kubernetes-stray').catch(() => null)), 'stray slice deleted');

    const svc = await svcs.get('default', 'kubernetes');
    svc.spec.ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 1 }];
    await svcs.update('default', 'kubernetes', svc, systemContext());
    await until(async () => (await svcs.get('default', 'kubernetes')).spec.ports[0].targetPort === 34567, 'Service ports repaired');
    await svcs.delete('default', 'kubernetes', {}, systemContext());
    await until(async () => (await svcs.get('default', 'kubernetes').catch(() => null))?.spec.clusterIP === '10.96.0.1', 'Service recreated');
    assert.ok(logs.some((l) => /Resetting EndpointSlice for master service "kubernetes"/.test(l)), logs.join('\n'));
  });

  it('resets an edited Endpoints with a resourceVersion precondition', async () => {
    await ctl.start();
    await ctl.stop(); // no watch-driven repairs: this test drives sync() itself
    const eps = store('', 'v1', 'endpoints');
    const cur = await eps.get('default', 'kubernetes');
    cur.subsets = [{ addresses: [{ ip: '10.7.7.7' }], ports: [{ name: 'https', port: 1, protocol: 'TCP' }] }];
    await eps.update('default', 'kubernetes', cur, systemContext());
    // sync looks at the watch cache first (a running controller is woken by that cache's watch).
    await until(async () => (await client.get('', 'endpoints', 'default', 'kubernetes')).subsets[0].addresses[0].ip === '10.7.7.7', 'cache caught up');
    const r = await ctl.sync();
    assert.equal(r.endpoints, 'updated');
    assert.deepEqual((await eps.get('default', 'kubernetes')).subsets, desiredEndpoints('default', 'kubernetes', ['10.1.2.3'], ctl.endpointPorts).subsets);
    // A precondition that no longer holds is a 409, never an overwrite.
    await assert.rejects(eps.update('default', 'kubernetes', cur, systemContext()), (e: any) => e.code === 409);
  });

  it('moves to an IPv6 advertise address: the slice (addressType is immutable) is made again', async () => {
    await ctl.start();
    await ctl.stop();
    const v6 = new KubernetesServiceController(reg, client, { advertiseAddress: 'fd00::1', securePort: 34567, log: (m) => logs.push(m) });
    assert.deepEqual(await v6.sync(), { service: 'unchanged', endpoints: 'updated', endpointSlice: 'created' });
    const slice = await store('discovery.k8s.io', 'v1', 'endpointslices').get('default', 'kubernetes');
    assert.equal(slice.addressType, 'IPv6');
    assert.deepEqual(slice.endpoints, desiredEndpointSlice('default', 'kubernetes', 'IPv6', ['fd00::1'], v6.endpointPorts).endpoints);
    assert.deepEqual(await v6.sync(), { service: 'unchanged', endpoints: 'unchanged', endpointSlice: 'unchanged' });
  });
});
