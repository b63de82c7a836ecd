import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { isOurs, spawnDetached, stopProcess, waitForLog } from './processes.js';
import { readState, writeState, type ClusterState } from './state.js';
import { originURL } from './registry-mirror.js';
import { DEFAULT_TOPOLOGY, planTopology } from './topology.js';

test('a detached process is waited for by its log and stopped by PID only while it is still ours', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cluster-proc-'));
  try {
    const log = join(dir, 'p.log');
    const marker = `skiff-proc-test-${process.pid}`;
    // `sh -c` traps TERM, so stopping is prompt; the marker in argv is what isOurs checks.
    const pid = spawnDetached('sh', ['-c', `trap 'exit 0' TERM; echo ready ${marker}; while :; do sleep 1; done`, marker], log);
    await waitForLog(log, /ready/, pid, 5_000, 'test process');
    assert.equal(isOurs(pid, marker), true);
    assert.equal(isOurs(pid, 'something-else'), false);
    assert.equal(await stopProcess({ role: 'server', name: 't', pid, match: 'something-else', log }), 'gone', 'a PID running another command is left alone');
    assert.equal(await stopProcess({ role: 'server', name: 't', pid, match: marker, log }), 'stopped');
    assert.equal(await stopProcess({ role: 'server', name: 't', pid, match: marker, log }), 'gone');
    const dead = spawnDetached('sh', ['-c', 'echo bye; exit 3'], log);
    await assert.rejects(waitForLog(log, /never/, dead, 5_000, 'short-lived'), /short-lived exited before it was ready[\s\S]*bye/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the state file round-trips and is absent when nothing is up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cluster-state-'));
  try {
    assert.equal(readState(dir), undefined);
    const s: ClusterState = { version: 1, dataDir: dir, plan: planTopology({ ...DEFAULT_TOPOLOGY, nodes: 2 }), netns: ['skiff-skiff-n1'], links: [], routes: [{ dst: '10.96.0.0/12', blackhole: true }], processes: [], nodeDirs: [] };
    writeState(s);
    assert.deepEqual(readState(dir), s);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a loopback registry is mirrored over plain http, others over https', () => {
  assert.equal(originURL('127.0.0.1:5000'), 'http://127.0.0.1:5000');
  assert.equal(originURL('registry.example.com'), 'https://registry.example.com');
});
