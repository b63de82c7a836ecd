/**
 * @module networkpolicy/runner
 * Runs the iptables binaries for NetworkPolicy enforcement, in the current network namespace or,
 * for a node that is a named netns (`skiff up`, tests), inside it via `ip netns exec`. Kept apart
 * so the controller is the same on a real machine and on a netns "node".
 */
import { spawn } from 'node:child_process';

export interface IptablesRunner {
  /** `iptables <args>`; resolves with stdout, rejects with stderr in the message. */
  iptables(args: string[]): Promise<string>;
  /** `iptables-save -t <table>`. */
  save(table: string): Promise<string>;
  /** `iptables-restore --noflush` fed `text` on stdin: one atomic commit per table. */
  restore(text: string): Promise<void>;
}

function run(argv: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${argv.join(' ')} failed (exit ${code}): ${err.trim()}`));
    });
    child.stdin.on('error', () => { /* the exit code reports it */ });
    child.stdin.end(input ?? '');
  });
}

/** A runner for the current netns, or for the named netns `netns` (a name under /run/netns). */
export function newIptablesRunner(o: { netns?: string } = {}): IptablesRunner {
  const pre = o.netns ? ['ip', 'netns', 'exec', o.netns] : [];
  return {
    iptables: (args) => run([...pre, 'iptables', ...args]),
    save: (table) => run([...pre, 'iptables-save', '-t', table]),
    restore: async (text) => { await run([...pre, 'iptables-restore', '--noflush'], text); },
  };
}

/** Write a sysctl of the runner's netns (e.g. net.bridge.bridge-nf-call-iptables, which is per-netns). */
export async function setSysctl(netns: string | undefined, key: string, value: string): Promise<void> {
  const pre = netns ? ['ip', 'netns', 'exec', netns] : [];
  await run([...pre, 'sysctl', '-q', '-w', `${key}=${value}`]);
}

/** Read a sysctl of the netns. */
export async function getSysctl(netns: string | undefined, key: string): Promise<string> {
  const pre = netns ? ['ip', 'netns', 'exec', netns] : [];
  return (await run([...pre, 'sysctl', '-n', key])).trim();
}
