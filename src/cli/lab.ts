/**
 * @module cli/lab
 * The failure lab's commands: `skiff stop NAME [--kill]`, `skiff start NAME` and `skiff status`,
 * against the cluster `skiff up` made in the same `--data-dir`. The work is in cluster/lab.ts; this
 * file only reads flags and prints.
 */
import { parseArgs } from 'node:util';
import { upDataDir } from './up.js';
import { parseDuration } from './flags.js';

const USAGE = `usage: skiff stop NAME [--kill] [--grace-period 15s] [--data-dir DIR]
       skiff start NAME [--timeout 90s] [--data-dir DIR]
       skiff status [--data-dir DIR]
NAME: apiserver, scheduler, controller-manager, kubelet/NODE, kube-proxy/NODE, etcd/N, dns, servicelb, registry-mirror
(skiff status lists this cluster's)`;

function args(argv: string[]) {
  return parseArgs({
    args: argv, allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, kill: { type: 'boolean' }, 'grace-period': { type: 'string' }, timeout: { type: 'string' } },
  });
}

/** Run `f`, printing its message; a bad name or a missing cluster is exit code 1 with the reason. */
async function run(cmd: string, f: () => Promise<string>): Promise<number> {
  try {
    process.stdout.write(`${await f()}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`skiff ${cmd}: ${(e as Error).message}\n`);
    return 1;
  }
}

export async function stopCommand(argv: string[]): Promise<number> {
  const { values, positionals } = args(argv);
  if (positionals.length !== 1) { process.stderr.write(`${USAGE}\n`); return 2; }
  const { stopComponent } = await import('../cluster/lab.js');
  const graceMs = values['grace-period'] ? parseDuration(values['grace-period'], 'grace-period') : undefined;
  return run('stop', () => stopComponent(upDataDir(values['data-dir']), positionals[0]!, { kill: values.kill, graceMs }));
}

export async function startCommand(argv: string[]): Promise<number> {
  const { values, positionals } = args(argv);
  if (positionals.length !== 1) { process.stderr.write(`${USAGE}\n`); return 2; }
  const { startComponent } = await import('../cluster/lab.js');
  const timeoutMs = values.timeout ? parseDuration(values.timeout, 'timeout') : undefined;
  return run('start', () => startComponent(upDataDir(values['data-dir']), positionals[0]!, timeoutMs));
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = args(argv);
  if (positionals.length) { process.stderr.write(`${USAGE}\n`); return 2; }
  const { clusterStatus, formatStatus } = await import('../cluster/lab.js');
  return run('status', async () => formatStatus(await clusterStatus(upDataDir(values['data-dir']))).trimEnd());
}
