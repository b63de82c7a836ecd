/**
 * @module bench/run
 * `npm run bench [-- scenario ...] [--rounds N]`: runs the benchmark scenarios, each N rounds
 * (default 3), reports medians, prints a table and writes bench/results/<time>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { printTable, type Row, type Scenario } from './lib/harness.js';
import { median } from './lib/h2client.js';
import { apiserverScenarios } from './scenarios/apiserver.js';
import { guardScenarios } from './scenarios/guards.js';
import { schedulingScenarios } from './scenarios/scheduling.js';
import { kubeletScenarios } from './scenarios/kubelet.js';
import { dnsScenarios } from './scenarios/dns.js';
import { proxyScenarios } from './scenarios/proxy.js';
import { nodeScenarios } from './scenarios/node.js';
import { networkScenarios } from './scenarios/network.js';
import { dashboardScenarios } from './scenarios/dashboard.js';
import { tracingScenarios } from './scenarios/tracing.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ri = args.indexOf('--rounds');
  const rounds = ri >= 0 ? Number(args[ri + 1]) : 3;
  const names = args.filter((a, i) => !a.startsWith('--') && !(ri >= 0 && i === ri + 1));
  const all: Scenario[] = [...apiserverScenarios(), ...guardScenarios(), ...schedulingScenarios(), ...kubeletScenarios(), ...dnsScenarios(), ...proxyScenarios(), ...nodeScenarios(), ...networkScenarios(), ...dashboardScenarios(), ...tracingScenarios()];
  const chosen = names.length ? all.filter((s) => names.some((n) => s.name.includes(n))) : all;
  const results: Record<string, Row[][]> = {};
  for (const s of chosen) {
    results[s.name] = [];
    for (let r = 0; r < rounds; r++) {
      process.stderr.write(`bench: ${s.name} round ${r + 1}/${rounds}\n`);
      try { results[s.name].push(await s.run()); } catch (e) {
        process.stderr.write(`bench: ${s.name} failed: ${(e as Error).stack}\n`);
        break;
      }
    }
  }
  const rows: Row[] = [];
  for (const [, runs] of Object.entries(results)) {
    if (!runs.length) continue;
    for (let i = 0; i < runs[0].length; i++) {
      const r0 = runs[0][i];
      rows.push({ ...r0, value: median(runs.map((run) => run[i]?.value ?? NaN).filter(Number.isFinite)), note: [r0.note, `n=${runs.length}`].filter(Boolean).join('; ') });
    }
  }
  const table = printTable(rows);
  process.stdout.write(table + '\n');
  await mkdir(join('bench', 'results'), { recursive: true });
  const file = join('bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ date: new Date().toISOString(), rounds, rows, raw: results }, null, 2));
  process.stderr.write(`bench: results written to ${file}\n`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
