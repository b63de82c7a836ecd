import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getPhase } from './phase.js';

const running = (name: string) => ({ name, state: { running: { startedAt: 't' } } });
const exited = (name: string, exitCode: number) => ({ name, state: { terminated: { exitCode } } });
const waiting = (name: string, lastExit?: number) => ({ name, state: { waiting: { reason: 'CrashLoopBackOff' } }, ...(lastExit === undefined ? {} : { lastState: { terminated: { exitCode: lastExit } } }) });
const pod = (restartPolicy: string, containers = ['a'], initContainers: string[] = [], annotations?: Record<string, string>) =>
  ({ metadata: { annotations }, spec: { restartPolicy, containers: containers.map((name) => ({ name })), initContainers: initContainers.map((name) => ({ name })) } });

test('no statuses yet: Pending', () => {
  assert.equal(getPhase(pod('Always'), {}, false), 'Pending');
});

test('all running: Running; one waiting for its first start: Pending', () => {
  assert.equal(getPhase(pod('Always', ['a', 'b']), { containerStatuses: [running('a'), running('b')] }, false), 'Running');
  assert.equal(getPhase(pod('Always', ['a', 'b']), { containerStatuses: [running('a'), waiting('b')] }, false), 'Pending');
});

test('all exited: restartPolicy decides', () => {
  const ok = { containerStatuses: [exited('a', 0)] };
  const bad = { containerStatuses: [exited('a', 1)] };
  assert.equal(getPhase(pod('Always'), ok, false), 'Running');
  assert.equal(getPhase(pod('OnFailure'), ok, false), 'Succeeded');
  assert.equal(getPhase(pod('Never'), ok, false), 'Succeeded');
  assert.equal(getPhase(pod('OnFailure'), bad, false), 'Running');
  assert.equal(getPhase(pod('Never'), bad, false), 'Failed');
});

test('crash looping (waiting with a last termination) counts as stopped', () => {
  assert.equal(getPhase(pod('Always'), { containerStatuses: [waiting('a', 1)] }, false), 'Running');
  assert.equal(getPhase(pod('OnFailure'), { containerStatuses: [waiting('a', 1)] }, false), 'Running');
});

test('init containers: pending until each exits 0; a failed one with Never fails the pod', () => {
  const p = pod('Never', ['a'], ['i1', 'i2']);
  assert.equal(getPhase(p, { initContainerStatuses: [running('i1')] }, false), 'Pending');
  assert.equal(getPhase(p, { initContainerStatuses: [exited('i1', 0), running('i2')] }, false), 'Pending');
  assert.equal(getPhase(p, { initContainerStatuses: [exited('i1', 1)], containerStatuses: [waiting('a')] }, false), 'Failed');
  const q = pod('Always', ['a'], ['i1']);
  assert.equal(getPhase(q, { initContainerStatuses: [waiting('i1', 1)], containerStatuses: [waiting('a')] }, false), 'Pending');
  assert.equal(getPhase(q, { initContainerStatuses: [exited('i1', 0)], containerStatuses: [running('a')] }, false), 'Running');
});

test('a terminal (deleted) pod ends Succeeded or Failed whatever its restartPolicy', () => {
  assert.equal(getPhase(pod('Always'), { containerStatuses: [exited('a', 0)] }, true), 'Succeeded');
  assert.equal(getPhase(pod('Always'), { containerStatuses: [exited('a', 137)] }, true), 'Failed');
  assert.equal(getPhase(pod('Always'), { containerStatuses: [waiting('a')] }, true), 'Failed');
  // Static pods are not given a terminal phase (as upstream).
  assert.equal(getPhase(pod('Always', ['a'], [], { 'kubernetes.io/config.source': 'file' }), { containerStatuses: [exited('a', 0)] }, true), 'Running');
});
