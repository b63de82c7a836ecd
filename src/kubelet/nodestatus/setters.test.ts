import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeStatus, withoutHeartbeat } from './setters.js';
import { podStatusEqual } from '../status/equality.js';

const machine = { numCores: 2, memoryBytes: 4 * 1024 ** 3, fsBytes: 100 * 1024 ** 3, machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'Debian', architecture: 'amd64' };
const inputs = (ready: boolean) => ({
  machine, nodeName: 'n1', nodeIP: '127.0.0.1', kubeletPort: 10250, kubeletVersion: 'v1.32.4-skiff', containerRuntimeVersion: 'containerd://1.6.20',
  runtimeStatus: { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: ready, reason: ready ? '' : 'NetworkPluginNotReady', message: ready ? '' : 'cni config uninitialized' }] },
});

test('capacity, allocatable, addresses, nodeInfo and Ready from the runtime', () => {
  const s = nodeStatus(inputs(true), undefined, 'T1');
  assert.deepEqual(s.capacity.cpu, '2');
  assert.equal(s.capacity.memory, `${4 * 1024 * 1024}Ki`);
  assert.equal(s.capacity.pods, '110');
  assert.equal(s.allocatable.memory, `${4 * 1024 * 1024 - 100 * 1024}Ki`);
  assert.deepEqual(s.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'n1' }]);
  assert.equal(s.nodeInfo.containerRuntimeVersion, 'containerd://1.6.20');
  assert.equal(s.daemonEndpoints.kubeletEndpoint.Port, 10250);
  const ready = s.conditions.find((c: any) => c.type === 'Ready');
  assert.equal(ready.status, 'True');
  assert.equal(ready.reason, 'KubeletReady');
  const notReady = nodeStatus(inputs(false), s, 'T2').conditions.find((c: any) => c.type === 'Ready');
  assert.equal(notReady.status, 'False');
  assert.match(notReady.message, /container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni config uninitialized/);
  assert.equal(notReady.lastTransitionTime, 'T2');
});

test('a heartbeat alone is not a change', () => {
  const a = nodeStatus(inputs(true), undefined, 'T1');
  const b = nodeStatus(inputs(true), a, 'T2');
  assert.ok(!podStatusEqual(a, b));
  assert.ok(podStatusEqual(withoutHeartbeat(a), withoutHeartbeat(b)));
});
