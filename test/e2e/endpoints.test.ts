/**
 * End-to-end: the Endpoints and EndpointSlice controllers against a real `skiff server`, each as
 * its own ServiceAccount. There is no kubelet: the test plays it, giving pods an IP and a Ready
 * condition through the status subresource.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { runControllers, until, type RunningControllers } from '../support/controllers.js';
import { StatusError } from '../../src/machinery/status.js';
import { descriptor as endpointDescriptor } from '../../src/controllers/endpoint/index.js';
import { descriptor as endpointSliceDescriptor } from '../../src/controllers/endpointslice/index.js';

const NS = 'svc';
// Each readiness transition gets its own second, so every one is a distinct trigger time
// (conditions' times have second precision; two in the same second would look like no change).
let tick = 0;
const transitionTime = () => new Date(Date.parse('2030-01-01T00:00:00Z') + ++tick * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

describe('endpoints and endpointslice controllers', () => {
  let srv: SkiffServer;
  let run: RunningControllers;
  const cs = () => run.cs;

  async function pod(name: string, ip: string, namedPort: boolean, labels: Record<string, string> = { app: 'web' }): Promise<void> {
    await cs().pods.create(NS, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name, labels },
      spec: { nodeName: 'node-1', hostname: name, subdomain: 'web', containers: [{ name: 'c', image: 'nginx', ports: namedPort ? [{ name: 'http', containerPort: 8080 }] : [] }] },
    });
    await setReady(name, ip, false);
  }

  /** Play the kubelet: the pod runs with `ip`, Ready or not. */
  async function setReady(name: string, ip: string, ready: boolean): Promise<void> {
    for (;;) {
      const cur = await cs().pods.get(NS, name);
      const status = ready ? 'True' : 'False';
      cur.status = { ...cur.status, phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status, lastTransitionTime: transitionTime() }] };
      try { await cs().pods.updateStatus(NS, cur); return; } catch (e) { if (!(e instanceof StatusError && e.code === 409)) throw e; }
    }
  }

  const endpoints = () => cs().endpoints.get(NS, 'web');
  const slices = async () => (await cs().endpointslices.list(NS, { labelSelector: 'kubernetes.io/service-name=web' })).items as any[];
  const sliceEndpoint = (all: any[], podName: string) => all.flatMap((s) => s.endpoints ?? []).find((e: any) => e.targetRef?.name === podName);

  before(async () => {
    srv = await startSkiffServer({ args: ['--disable-controller-manager', '--disable-scheduler'] });
    run = await runControllers(srv, [endpointDescriptor, endpointSliceDescriptor]);
    await cs().namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await cs().nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } });
  });
  after(async () => { await run?.stop(); await srv?.stop(); });

  it('lists ready and not-ready pods with named ports, in Endpoints and EndpointSlices, and follows readiness', async () => {
    const svc = await cs().services.create(NS, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'metrics', port: 9090, targetPort: 9090 }] },
    });
    // Before any pod: an Endpoints without subsets and a placeholder slice.
    await until(async () => (await endpoints()) && (await slices()).length === 1, 'the empty Endpoints and the placeholder slice');
    await pod('a', '10.244.0.10', true);
    await pod('b', '10.244.0.11', true);
    await pod('c', '10.244.0.12', false); // has no port named http
    await pod('other', '10.244.0.13', true, { app: 'other' });
    await setReady('a', '10.244.0.10', true);
    await setReady('c', '10.244.0.12', true);

    const ep = await until(async () => {
      const e = await endpoints();
      const ready = (e.subsets ?? []).flatMap((s: any) => s.addresses ?? []).length;
      const notReady = (e.subsets ?? []).flatMap((s: any) => s.notReadyAddresses ?? []).length;
      return e.subsets?.length === 2 && ready === 2 && notReady === 1 ? e : undefined;
    }, 'Endpoints with two subsets: a and c ready, b not');
    const both = ep.subsets.find((s: any) => s.ports.length === 2);
    assert.deepEqual(both.ports.map((p: any) => [p.name, p.port, p.protocol]).sort(), [['http', 8080, 'TCP'], ['metrics', 9090, 'TCP']]);
    assert.deepEqual(both.addresses.map((a: any) => a.ip), ['10.244.0.10']);
    assert.deepEqual(both.notReadyAddresses.map((a: any) => a.ip), ['10.244.0.11']);
    assert.equal(both.addresses[0].hostname, 'a');
    assert.equal(both.addresses[0].nodeName, 'node-1');
    assert.deepEqual([both.addresses[0].targetRef.kind, both.addresses[0].targetRef.name], ['Pod', 'a']);
    const metricsOnly = ep.subsets.find((s: any) => s.ports.length === 1);
    assert.deepEqual(metricsOnly.addresses.map((a: any) => a.ip), ['10.244.0.12']);
    assert.equal(ep.metadata.labels.tier, 'front');

    const all = await until(async () => {
      const s = await slices();
      const eps = s.flatMap((x) => x.endpoints ?? []);
      return eps.length === 3 && eps.filter((e: any) => e.conditions.ready).length === 2 ? s : undefined;
    }, 'three endpoints in slices, two ready');
    assert.equal(all.length, 2, 'one slice per set of ports');
    for (const s of all) {
      assert.match(s.metadata.name, /^web-[a-z0-9]{5}$/);
      assert.equal(s.addressType, 'IPv4');
      assert.equal(s.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
      assert.equal(s.metadata.labels.tier, 'front');
      assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const a = sliceEndpoint(all, 'a');
    assert.deepEqual(a.addresses, ['10.244.0.10']);
    assert.deepEqual(a.conditions, { ready: true, serving: true, terminating: false });
    assert.equal(a.zone, 'zone-a');
    assert.equal(a.nodeName, 'node-1');
    assert.deepEqual(sliceEndpoint(all, 'b').conditions, { ready: false, serving: false, terminating: false });

    // a becomes unready: it moves to notReadyAddresses; its slice is updated in place.
    const sliceOfA = all.find((s) => s.endpoints.some((e: any) => e.targetRef.name === 'a'));
    await setReady('a', '10.244.0.10', false);
    const unready = await until(async () => { const e = await endpoints(); return e.subsets.find((s: any) => s.ports.length === 2)?.notReadyAddresses?.length === 2 ? e : undefined; }, 'a not ready in Endpoints');
    const aNow = await cs().pods.get(NS, 'a');
    assert.equal(unready.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time'], aNow.status.conditions[0].lastTransitionTime,
      'the trigger time is the Ready transition that caused the change');
    const after = await until(async () => { const s = await slices(); return sliceEndpoint(s, 'a')?.conditions.ready === false ? s : undefined; }, 'a not ready in its slice');
    const updated = after.find((s) => s.metadata.uid === sliceOfA.metadata.uid);
    assert.equal(updated.metadata.annotations['endpoints.kubernetes.io/last-change-trigger-time'], aNow.status.conditions[0].lastTransitionTime);
    assert.ok(after.some((s) => s.metadata.uid === sliceOfA.metadata.uid && s.endpoints.some((e: any) => e.targetRef.name === 'a')), 'updated in place');

    // b is deleted with a grace period (bound to a node: it stays, terminating): gone from Endpoints, terminating in its slice.
    await cs().pods.delete(NS, 'b');
    await until(async () => !JSON.stringify((await endpoints()).subsets).includes('10.244.0.11'), 'b out of Endpoints');
    const term = await until(async () => { const e = sliceEndpoint(await slices(), 'b'); return e?.conditions.terminating ? e : undefined; }, 'b terminating in its slice');
    assert.deepEqual(term.conditions, { ready: false, serving: false, terminating: true });
  });

  it('leaves Services without a selector alone and deletes Endpoints with their Service', async () => {
    await cs().services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } });
    const manual = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80, protocol: 'TCP' }] }] };
    await cs().endpoints.create(NS, manual);
    // A selector Service created after it: once its Endpoints exist the controller has also seen "manual".
    await cs().services.create(NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'later' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } });
    await until(async () => cs().endpoints.get(NS, 'later'), 'Endpoints for later');
    assert.deepEqual((await cs().endpoints.get(NS, 'manual')).subsets, manual.subsets);
    assert.equal((await cs().endpointslices.list(NS, { labelSelector: 'kubernetes.io/service-name=manual' })).items.length, 0);

    await cs().services.delete(NS, 'web');
    await until(async () => { try { await endpoints(); return false; } catch (e) { return e instanceof StatusError && e.code === 404; } }, 'Endpoints deleted with the Service');
  });
});
