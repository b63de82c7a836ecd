/**
 * @module bench/lib/harness
 * The benchmark harness: scenarios report rows (name, value, unit, target); the runner repeats
 * each, takes medians, prints a table and writes JSON to bench/results/.
 */
import { readFileSync } from 'node:fs';

/** The API server alone (no controller manager or scheduler in its process): the figures of issues 2 and 3 are the API server's. */
export const APISERVER_ONLY = ['--disable-controller-manager', '--disable-scheduler'];

/** SKIFF_BENCH_CPU_PROF=DIR: node flags that write V8 CPU profiles of the processes a scenario starts to DIR. */
export function profileArgs(): string[] {
  const dir = process.env.SKIFF_BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** CPU seconds (user + system) a process, or one of its threads, has used so far, from /proc. */
export function cpuSeconds(pid: number, tid?: number): number {
  const f = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * The load generator: `total` operations, `inFlight` at a time; an operation that resolves false
 * counts as failed. Returns ops/s, each operation's latency (ms) and the failures.
 */
export async function drive(total: number, inFlight: number, op: (i: number) => Promise<boolean | void>): Promise<{ opsPerSec: number; lat: number[]; failures: number }> {
  const lat: number[] = [];
  let next = 0, failures = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const s = performance.now();
      if ((await op(i)) === false) failures++;
      lat.push(performance.now() - s);
    }
  }));
  return { opsPerSec: total / ((performance.now() - t0) / 1000), lat, failures };
}

export interface Row { name: string; value: number; unit: string; target?: string; note?: string }

export interface Scenario {
  name: string;
  /** What the scenario needs from the machine (e.g. 'etcd'); skipped with a note when missing. */
  needs?: string[];
  run(): Promise<Row[]>;
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function printTable(rows: Row[]): string {
  const head = ['metric', 'median', 'unit', 'target', 'note'];
  const body = rows.map((r) => [r.name, fmt(r.value), r.unit, r.target ?? '', r.note ?? '']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i])).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}
