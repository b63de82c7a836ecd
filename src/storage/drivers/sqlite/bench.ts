/**
 * @module storage/drivers/sqlite/bench
 * Micro-benchmark of the SQLite driver, single-threaded: creates/s, updates/s, list and watch fan-out,
 * for synchronous=NORMAL and FULL. Run: `node dist/src/storage/drivers/sqlite/bench.js [count]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type SynchronousMode } from './index.js';

const count = Number(process.argv[2] ?? 20_000);
// A typical small object (a ConfigMap-sized JSON document, ~1 KiB).
const value = JSON.stringify({ kind: 'ConfigMap', apiVersion: 'v1', data: { blob: 'x'.repeat(900) } });

async function run(mode: SynchronousMode, n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-bench-'));
  const s = await openSqlite(join(dir, 'state.db'), { synchronous: mode });
  try {
    let events = 0;
    const w = s.watch('/registry/configmaps/', 0, { onEvents: (e) => { events += e.length; } });
    /** `parallel` callers, each awaiting its own writes (as concurrent API requests do). */
    const rate = async (what: string, fn: (i: number) => Promise<unknown>, parallel = 1) => {
      const t0 = process.hrtime.bigint();
      let next = 0;
      await Promise.all(Array.from({ length: parallel }, async () => { while (next < n) await fn(next++); }));
      const ns = Number(process.hrtime.bigint() - t0);
      console.log(`${mode.padEnd(6)} ${what.padEnd(8)} ${Math.round(n / (ns / 1e9)).toString().padStart(7)}/s  ${(ns / n / 1000).toFixed(1)} µs/op`);
    };
    const kvs: number[] = [];
    await rate('create', async (i) => { kvs.push((await s.create(`/registry/configmaps/ns${i % 10}/cm-${i}`, value)).modRevision); });
    await rate('update', async (i) => { kvs[i] = (await s.update(`/registry/configmaps/ns${i % 10}/cm-${i}`, value + 'u', kvs[i])).modRevision; });
    // 32 callers in flight: writes of one event-loop turn share a commit (group commit).
    await rate('create32', async (i) => { await s.create(`/registry/configmaps/ns${i % 10}/cmp-${i}`, value); }, 32);
    await rate('update32', async (i) => { kvs[i] = (await s.update(`/registry/configmaps/ns${i % 10}/cm-${i}`, value + 'v', kvs[i])).modRevision; }, 32);
    const t0 = performance.now();
    const l = await s.list('/registry/configmaps/ns3/');
    console.log(`${mode.padEnd(6)} list of ${l.items.length} keys (of ${n}): ${(performance.now() - t0).toFixed(1)} ms`);
    await new Promise((r) => setTimeout(r, 50));
    console.log(`${mode.padEnd(6)} watch delivered ${events} events`);
    w.stop();
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await run('NORMAL', count);
await run('FULL', Math.min(count, 2_000));
