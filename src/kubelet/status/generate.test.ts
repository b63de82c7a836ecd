import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateConditions } from './generate.js';

const pod = (extra: any = {}) => ({ metadata: {}, spec: { containers: [{ name: 'a' }, { name: 'b' }], ...extra } });
const byType = (cs: any[]) => Object.fromEntries(cs.map((c) => [c.type, c]));

test('all ready: every kubelet condition True, in upstream order', () => {
  const cs = generateConditions(pod(), { phase: 'Running', containerStatuses: [{ name: 'a', ready: true }, { name: 'b', ready: true }] }, true, undefined, 'T1');
  assert.deepEqual(cs.map((c) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  assert.ok(cs.every((c) => c.status === 'True' && c.lastTransitionTime === 'T1'));
});

test('unready and unknown containers are named as upstream does', () => {
  const c = byType(generateConditions(pod(), { phase: 'Pending', containerStatuses: [{ name: 'a', ready: false }] }, false, undefined, 'T'));
  assert.equal(c.Ready.status, 'False');
  assert.equal(c.Ready.reason, 'ContainersNotReady');
  assert.equal(c.ContainersReady.message, 'containers with unknown status: [b]');
  assert.equal(c.PodReadyToStartContainers.status, 'False');
  const d = byType(generateConditions(pod(), { phase: 'Running', containerStatuses: [{ name: 'a', ready: false }, { name: 'b', ready: false }] }, true, undefined, 'T'));
  assert.equal(d.Ready.message, 'containers with unready status: [a b]');
});

test('Succeeded pods: Ready False with PodCompleted', () => {
  const c = byType(generateConditions(pod(), { phase: 'Succeeded', containerStatuses: [{ name: 'a', ready: false }, { name: 'b', ready: false }] }, false, undefined, 'T'));
  assert.equal(c.Ready.reason, 'PodCompleted');
  assert.equal(c.ContainersReady.reason, 'PodCompleted');
});

test('Initialized waits for init containers', () => {
  const p = pod({ initContainers: [{ name: 'i1' }, { name: 'i2' }] });
  const c = byType(generateConditions(p, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { running: {} } }] }, true, undefined, 'T'));
  assert.equal(c.Initialized.status, 'False');
  assert.equal(c.Initialized.reason, 'ContainersNotInitialized');
  assert.equal(c.Initialized.message, 'containers with incomplete status: [i2]');
  const d = byType(generateConditions(p, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { terminated: { exitCode: 0 } } }] }, true, undefined, 'T'));
  assert.equal(d.Initialized.status, 'True');
});

test('lastTransitionTime only moves when status changes; foreign conditions are kept; readiness gates count', () => {
  const prev = [{ type: 'Ready', status: 'False', lastTransitionTime: 'T0' }, { type: 'PodScheduled', status: 'True', lastTransitionTime: 'T0' }, { type: 'example.com/gate', status: 'False' }];
  const p = pod({ readinessGates: [{ conditionType: 'example.com/gate' }] });
  const status = { phase: 'Running', containerStatuses: [{ name: 'a', ready: true }, { name: 'b', ready: true }] };
  const c = byType(generateConditions(p, status, true, prev as any, 'T1'));
  assert.equal(c.PodScheduled.lastTransitionTime, 'T0');
  assert.equal(c.Ready.status, 'False');
  assert.equal(c.Ready.reason, 'ReadinessGatesNotReady');
  assert.equal(c.Ready.lastTransitionTime, 'T0');
  assert.equal(c.ContainersReady.status, 'True');
  assert.ok(c['example.com/gate']);
});
