/**
 * @module cli/kubeconfig
 * Merge skiff's admin kubeconfig into ~/.kube/config as the `skiff` cluster, user and context,
 * replacing earlier skiff entries and keeping everything else.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export async function mergeKubeconfig(kcText: string, path = process.env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config')): Promise<string> {
  const ours = parse(kcText);
  let theirs: any = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], preferences: {} };
  try { theirs = parse(await readFile(path, 'utf8')) ?? theirs; } catch { /* new file */ }
  for (const k of ['clusters', 'users', 'contexts'] as const) {
    const mine = ours[k] as any[];
    const names = new Set(mine.map((e) => e.name));
    theirs[k] = [...(theirs[k] ?? []).filter((e: any) => !names.has(e.name)), ...mine];
  }
  theirs['current-context'] = ours['current-context'];
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, stringify(theirs), { mode: 0o600 });
  return path;
}
