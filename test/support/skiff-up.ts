/**
 * @module test/support/skiff-up
 * What tests and benchmarks need to drive `skiff up` / `skiff down` as a user does: networks no route
 * of this host touches yet (a user's cluster, another test's), and the `skiff` command run to
 * completion with its output in the error when it fails.
 */
import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = resolve(process.cwd(), 'bin/skiff.js');

/**
 * A free /24 underlay `<underlayPrefix>.X.0/24` and /16 cluster CIDR `10.Y.0.0/16` with Y in
 * [clusterBase, clusterBase + clusterSpan): each caller keeps its own ranges so concurrent runs never meet.
 */
export function freeUpNetworks(underlayPrefix: string, clusterBase: number, clusterSpan: number): { underlay: string; cluster: string } {
  const routed = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (let k = 0; k < 50; k++) {
    const u = `${underlayPrefix}.${((process.pid + k) % 200) + 20}`;
    const y = clusterBase + ((process.pid + k) % clusterSpan);
    if (y >= 96 && y < 112) continue; // inside the service CIDR 10.96.0.0/12, which skiff up refuses
    const c = `10.${y}`;
    if (!routed.includes(`${u}.`) && !routed.includes(`${c}.`)) return { underlay: `${u}.0/24`, cluster: `${c}.0.0/16` };
  }
  throw new Error(`no free ${underlayPrefix}.X.0/24 underlay and 10.Y.0.0/16 cluster network`);
}

/** Run `skiff ARGS` to completion; its stdout and stderr together, or an error carrying them. */
export async function skiffCli(args: string[], timeoutMs: number): Promise<string> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 });
    return `${r.stdout}${r.stderr}`;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`skiff ${args[0]} failed: ${x.message}\n${x.stdout ?? ''}${x.stderr ?? ''}`);
  }
}
