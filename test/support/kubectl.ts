/**
 * @module test/support/kubectl
 * Run the real kubectl (several versions) against a skiff server.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const SDK = '/usr/lib/google-cloud-sdk/bin';

/** Paths of the kubectl binaries to test with: 1.27 and 1.33 directly, and the /usr/bin dispatcher (picks 1.32 for skiff). */
export function kubectlVersions(): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const v of ['1.27', '1.33']) if (existsSync(`${SDK}/kubectl.${v}`)) out.push({ name: v, path: `${SDK}/kubectl.${v}` });
  if (existsSync('/usr/bin/kubectl')) out.push({ name: 'dispatcher(1.32)', path: '/usr/bin/kubectl' });
  return out;
}

export interface KubectlResult { code: number; stdout: string; stderr: string }

export function kubectl(bin: string, kubeconfig: string, args: string[], input?: string, timeoutMs = 60_000): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: kubeconfig, HOME: process.env.HOME ?? '/root' } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`kubectl ${args.join(' ')} timed out\n${stdout}\n${stderr}`)); }, timeoutMs);
    p.on('error', (e) => { clearTimeout(t); reject(e); });
    p.on('close', (code) => { clearTimeout(t); resolve({ code: code ?? -1, stdout, stderr }); });
    if (input !== undefined) p.stdin.end(input); else p.stdin.end();
  });
}

/** kubectl that must succeed; throws with its output otherwise. */
export async function kubectlOk(bin: string, kubeconfig: string, args: string[], input?: string): Promise<string> {
  const r = await kubectl(bin, kubeconfig, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
