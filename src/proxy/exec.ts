/**
 * @module proxy/exec
 * How kube-proxy runs the node's packet-filter tools (iptables-save/-restore, nft, conntrack):
 * in this process's network namespace, or in a named one (`ip netns exec NAME`), which is how
 * skiff's one-machine clusters, tests and benchmarks program a "node" that is a network namespace
 * without touching the host's rules.
 */
import { spawn } from 'node:child_process';

/** Runs one command to completion; rejects with its stderr when it exits non-zero. */
export interface CommandRunner {
  run(cmd: string, args: string[], opts?: { input?: string; okCodes?: number[] }): Promise<string>;
  /** The network namespace the commands run in ('' for this process's own). */
  readonly netns: string;
}

export class CommandError extends Error {
  constructor(readonly cmd: string, readonly code: number | null, readonly stderr: string) {
    super(`${cmd} failed (exit ${code}): ${stderr.trim().slice(0, 2000)}`);
  }
}

/** A runner for the given network namespace (by `ip netns` name), or this process's own. */
export function execRunner(netns = ''): CommandRunner {
  return {
    netns,
    run(cmd, args, opts = {}) {
      const [file, argv] = netns ? ['ip', ['netns', 'exec', netns, cmd, ...args]] : [cmd, args];
      return new Promise((resolve, reject) => {
        const p = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        p.stdout.on('data', (b: Buffer) => out.push(b));
        p.stderr.on('data', (b: Buffer) => err.push(b));
        p.on('error', reject);
        p.on('close', (code) => {
          if (code === 0 || (code !== null && opts.okCodes?.includes(code))) resolve(Buffer.concat(out).toString());
          else reject(new CommandError(`${cmd} ${args.join(' ')}`.slice(0, 200), code, Buffer.concat(err).toString()));
        });
        p.stdin.on('error', () => { /* the tool exited before reading all input: its exit code says why */ });
        p.stdin.end(opts.input ?? '');
      });
    },
  };
}
