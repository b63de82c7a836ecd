import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readState, writeState, type ClusterState } from './state.js';
import { DEFAULT_TOPOLOGY, planTopology } from './topology.js';
import { componentName, findComponent, launchComponent, UnknownComponentError } from './components.js';
import { clusterStatus, formatStatus, startComponent, stopComponent } from './lab.js';
import { isOurs } from './processes.js';

/** A cluster state holding one real process: `sh` that traps TERM, with a marker in its argv. */
async function withComponent(f: (dir: string, marker: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-lab-'));
  const marker = `skiff-lab-test-${process.pid}-${Date.now()}`;
  const s: ClusterState = { version: 1, dataDir: dir, plan: planTopology({ ...DEFAULT_TOPOLOGY, nodes: 1 }), netns: [], links: [], routes: [], processes: [], nodeDirs: [] };
  writeState(s);
  try {
    await launchComponent(s, {
      role: 'scheduler', name: 'sh', component: 'scheduler', match: marker, log: join(dir, 'sched.log'), cmd: 'sh',
      args: ['-c', `trap 'exit 0' TERM; echo started as x; while :; do sleep 0.1; done`, marker], ready: { log: 'started as' },
    }, 5000);
    await f(dir, marker);
  } finally {
    const p = readState(dir)?.processes[0];
    if (p && isOurs(p.pid, marker)) process.kill(p.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

test('stop, stop again, start, start again: each says what it did, and the state file follows', async () => {
  await withComponent(async (dir, marker) => {
    const first = readState(dir)!.processes[0]!;
    assert.ok(isOurs(first.pid, marker));
    assert.match(await stopComponent(dir, 'scheduler'), /^scheduler stopped \(pid \d+, SIGTERM\)$/);
    assert.equal(isOurs(first.pid, marker), false);
    assert.equal(readState(dir)!.processes[0]!.stopped, true);
    assert.equal(await stopComponent(dir, 'scheduler'), 'scheduler is already stopped');
    assert.deepEqual((await clusterStatus(dir)).map((r) => [r.name, r.status]), [['scheduler', 'stopped']]);
    assert.match(await startComponent(dir, 'kube-scheduler', 5000), /^scheduler started \(pid \d+\)$/);
    const again = readState(dir)!.processes;
    assert.equal(again.length, 1, 'the record is replaced, not added to');
    assert.notEqual(again[0]!.pid, first.pid);
    assert.equal(again[0]!.stopped, undefined);
    assert.ok(isOurs(again[0]!.pid, marker));
    assert.match(await startComponent(dir, 'scheduler'), /already running/);
    assert.match(formatStatus(await clusterStatus(dir)), /^NAME\s+STATUS\s+PID\s+NOTE\nscheduler\s+running\s+\d+\n$/);
    // A crash (SIGKILL) with no goodbye; status tells it from a lab stop.
    assert.match(await stopComponent(dir, 'scheduler', { kill: true }), /SIGKILL/);
    const r = readState(dir)!;
    r.processes[0]!.stopped = undefined;
    writeState(r);
    assert.equal((await clusterStatus(dir))[0]!.status, 'exited');
  });
});

test('an unknown name is refused with the names there are; no cluster is an error too', async () => {
  await withComponent(async (dir) => {
    await assert.rejects(stopComponent(dir, 'kubelet/nope'), (e: unknown) => e instanceof UnknownComponentError && /components: scheduler$/.test(e.message));
    await assert.rejects(startComponent(dir, 'etcd/9'), /no component "etcd\/9"/);
  });
  const empty = mkdtempSync(join(tmpdir(), 'skiff-lab-none-'));
  try { await assert.rejects(stopComponent(empty, 'apiserver'), /no cluster is up/); } finally { rmSync(empty, { recursive: true, force: true }); }
});

test('names of records written before the lab are derived from their role', () => {
  const s = { processes: [
    { role: 'server', name: 'skiff server', pid: 1, match: 'x', log: 'l' },
    { role: 'agent', name: 'skiff-n1', pid: 1, match: 'x', log: 'l' },
    { role: 'proxy', name: 'kube-proxy skiff-n2', pid: 1, match: 'x', log: 'l' },
  ] } as ClusterState;
  assert.deepEqual(s.processes.map(componentName), ['apiserver', 'kubelet/skiff-n1', 'kube-proxy/skiff-n2']);
  assert.equal(findComponent(s, 'kube-apiserver').role, 'server');
});
