import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromWireContainerStatus } from './convert.js';

const NS = 1_700_000_000_000 * 1e6;

test('a container that exited before containerd stamped its start never finishes before it started', () => {
  const s = fromWireContainerStatus({ id: 'c', state: 'CONTAINER_EXITED', createdAt: NS, startedAt: NS + 5e6, finishedAt: NS + 2e6 }, 'sb');
  assert.equal(s.startedAtMs, 1_700_000_000_005);
  assert.equal(s.finishedAtMs, s.startedAtMs);
});

test('a running container keeps finishedAt 0, and ordinary times pass through', () => {
  assert.equal(fromWireContainerStatus({ id: 'c', state: 'CONTAINER_RUNNING', startedAt: NS }, 'sb').finishedAtMs, 0);
  const s = fromWireContainerStatus({ id: 'c', state: 'CONTAINER_EXITED', startedAt: NS, finishedAt: NS + 3e9 }, 'sb');
  assert.equal(s.finishedAtMs - s.startedAtMs, 3000);
});
