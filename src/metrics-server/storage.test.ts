import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSummary } from './decode.js';
import { MetricsStorage, advance, resourceUsage } from './storage.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A kubelet summary at `t` with node CPU `nodeCpu` and one pod's containers. */
function summary(t: number, nodeCpu: number, containers: Record<string, { cpu: number; mem: number; start?: number }>, extra: any[] = []): any {
  return {
    node: { nodeName: 'n1', startTime: iso(T0 - 3_600_000), cpu: { time: iso(t), usageCoreNanoSeconds: nodeCpu, usageNanoCores: 123 }, memory: { time: iso(t), workingSetBytes: 512 * 1024 * 1024 } },
    pods: [
      { podRef: { name: 'web', namespace: 'default', uid: 'u1' }, startTime: iso(T0 - 60_000),
        containers: Object.entries(containers).map(([name, c]) => ({ name, startTime: iso(c.start ?? T0 - 60_000),
          cpu: { time: iso(t), usageCoreNanoSeconds: c.cpu }, memory: { time: iso(t), workingSetBytes: c.mem } })) },
      ...extra,
    ],
  };
}

describe('decodeSummary', () => {
  it('reads node and container points (cumulative CPU, working set, times)', () => {
    const b = decodeSummary(summary(T0, 5e9, { app: { cpu: 1e9, mem: 4096 } }));
    assert.deepEqual(b.node, { name: 'n1', point: { startTime: T0 - 3_600_000, timestamp: T0, cumulativeCpuUsed: 5e9, memoryUsage: 512 * 1024 * 1024 } });
    assert.deepEqual(b.pods, [{ namespace: 'default', name: 'web', containers: [{ name: 'app', startTime: T0 - 60_000, timestamp: T0, cumulativeCpuUsed: 1e9, memoryUsage: 4096 }] }]);
  });

  it('leaves out containers and nodes missing CPU, memory or a time, and pods left with none', () => {
    const s = summary(T0, 5e9, { app: { cpu: 1e9, mem: 4096 } }, [
      { podRef: { name: 'empty', namespace: 'default' }, containers: [{ name: 'x', cpu: { time: iso(T0) }, memory: { time: iso(T0), workingSetBytes: 1 } }] },
    ]);
    delete s.node.memory.workingSetBytes;
    s.pods[0].containers.push({ name: 'notime', cpu: { usageCoreNanoSeconds: 1 }, memory: { workingSetBytes: 1 } });
    const b = decodeSummary(s);
    assert.equal(b.node, undefined);
    assert.deepEqual(b.pods.map((p) => [p.name, p.containers.map((c) => c.name)]), [['web', ['app']]]);
    assert.deepEqual(decodeSummary(null), { pods: [] });
  });
});

describe('resourceUsage and advance', () => {
  const p = (t: number, cpu: number, start = T0 - 100_000) => ({ startTime: start, timestamp: t, cumulativeCpuUsed: cpu, memoryUsage: 10 });

  it('is the CPU delta over the window, in nanocores', () => {
    // 0.25 s of CPU over 2 s: an eighth of a core.
    assert.deepEqual(resourceUsage(p(T0 + 2000, 1.25e9), p(T0, 1e9)), { cpuNanoCores: 125_000_000, memoryBytes: 10, timestamp: T0 + 2000, windowMs: 2000 });
    assert.equal(resourceUsage(p(T0 + 2000, 0.5e9), p(T0, 1e9)), undefined, 'a counter going back gives no rate');
    assert.equal(resourceUsage(p(T0, 2e9), p(T0, 1e9)), undefined, 'no time between the points');
  });

  it('keeps the last two points; a restart (start time after the stored point) starts over', () => {
    let s = advance(undefined, p(T0, 1e9), 10_000);
    assert.equal(s.prev, undefined);
    s = advance(s, p(T0 + 10_000, 2e9), 10_000);
    assert.equal(s.prev?.timestamp, T0);
    s = advance(s, p(T0 + 10_000, 2e9), 10_000);
    assert.equal(s.prev?.timestamp, T0, 'the same point again keeps the older one');
    s = advance(s, p(T0 + 20_000, 1e8, T0 + 15_000), 60_000);
    assert.equal(s.prev, undefined, 'restarted');
  });

  it('uses the start of a container younger than one resolution (and at least 10 s old) as its first point', () => {
    const s = advance(undefined, p(T0 + 12_000, 3e9, T0), 15_000);
    assert.deepEqual(s.prev, { startTime: T0, timestamp: T0, cumulativeCpuUsed: 0, memoryUsage: 10 });
    assert.equal(resourceUsage(s.last, s.prev!)?.cpuNanoCores, 250_000_000);
  });
});

describe('MetricsStorage', () => {
  it('has node and pod usage from the second round on; a pod needs every container', () => {
    const st = new MetricsStorage(10_000);
    st.store([decodeSummary(summary(T0, 5e9, { app: { cpu: 1e9, mem: 4096 } }))]);
    assert.equal(st.nodeUsage('n1'), undefined);
    assert.equal(st.podUsage('default', 'web'), undefined);
    st.store([decodeSummary(summary(T0 + 10_000, 15e9, { app: { cpu: 6e9, mem: 8192 } }))]);
    assert.deepEqual(st.nodeUsage('n1'), { cpuNanoCores: 1e9, memoryBytes: 512 * 1024 * 1024, timestamp: T0 + 10_000, windowMs: 10_000 });
    assert.deepEqual(st.podUsage('default', 'web'), { containers: [{ name: 'app', usage: { cpuNanoCores: 5e8, memoryBytes: 8192, timestamp: T0 + 10_000, windowMs: 10_000 } }], timestamp: T0 + 10_000, windowMs: 10_000 });
    // A second container appears: the pod waits until it has a rate too.
    st.store([decodeSummary(summary(T0 + 20_000, 25e9, { app: { cpu: 7e9, mem: 8192 }, side: { cpu: 1e6, mem: 1, start: T0 + 19_000 } }))]);
    assert.equal(st.podUsage('default', 'web'), undefined);
    st.store([decodeSummary(summary(T0 + 30_000, 35e9, { app: { cpu: 8e9, mem: 8192 }, side: { cpu: 2e6, mem: 1, start: T0 + 19_000 } }))]);
    assert.deepEqual(st.podUsage('default', 'web')?.containers.map((c) => [c.name, c.usage.cpuNanoCores]), [['app', 1e8], ['side', 1e5]]);
    // A round without the node (its kubelet did not answer) forgets it and its pods.
    st.store([]);
    assert.equal(st.nodeUsage('n1'), undefined);
    assert.equal(st.podUsage('default', 'web'), undefined);
  });
});
