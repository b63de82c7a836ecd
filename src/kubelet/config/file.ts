/**
 * @module kubelet/config/file
 * Static pods from a manifests directory (upstream pkg/kubelet/config/file.go): every non-hidden
 * file holding one Pod in YAML or JSON. The directory is polled every few seconds, so the kubelet
 * runs these pods even when no API server can be reached. As upstream, a static pod's name gets
 * `-<nodeName>` appended, its namespace defaults to `default`, its UID is a hash of the manifest,
 * the node name and the file's path (so an edited manifest is a new pod), and it is annotated with
 * its source (`kubernetes.io/config.source: file`) and hash (`kubernetes.io/config.hash`).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYAML } from 'yaml';
import { defaultPodSpec } from '../../api/builtin/defaults.js';

export const CONFIG_SOURCE = 'kubernetes.io/config.source';
export const CONFIG_HASH = 'kubernetes.io/config.hash';
export const CONFIG_SEEN = 'kubernetes.io/config.seen';
export const CONFIG_MIRROR = 'kubernetes.io/config.mirror';

/** Turn one manifest's text into the static pod the kubelet runs; throws on anything but a Pod. */
export function staticPodFromManifest(text: string, path: string, nodeName: string): any {
  const pod = parseYAML(text);
  if (!pod || typeof pod !== 'object' || (pod.kind && pod.kind !== 'Pod')) throw new Error(`${path}: not a Pod manifest`);
  if (!pod.metadata?.name) throw new Error(`${path}: metadata.name is required`);
  const uid = createHash('md5').update(text).update(`host:${nodeName}`).update(`file:${path}`).digest('hex');
  pod.apiVersion ??= 'v1';
  pod.kind = 'Pod';
  pod.metadata = {
    ...pod.metadata,
    name: `${pod.metadata.name}-${nodeName.toLowerCase()}`,
    namespace: pod.metadata.namespace || 'default',
    uid,
    annotations: { ...(pod.metadata.annotations ?? {}), [CONFIG_SOURCE]: 'file', [CONFIG_HASH]: uid, [CONFIG_SEEN]: new Date().toISOString() },
    creationTimestamp: pod.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  pod.spec ??= {};
  pod.spec.nodeName = nodeName;
  defaultPodSpec(pod.spec);
  // Static pods tolerate every NoExecute taint: nothing could evict them anyway.
  const tols = pod.spec.tolerations ?? [];
  if (!tols.some((t: any) => t.operator === 'Exists' && !t.key && t.effect === 'NoExecute')) pod.spec.tolerations = [...tols, { operator: 'Exists', effect: 'NoExecute' }];
  pod.status = { phase: 'Pending' };
  return pod;
}

export interface FileSourceOptions {
  dir: string;
  nodeName: string;
  onChange: (pods: any[]) => void;
  pollMs?: number;
  log?: (msg: string) => void;
}

/** Polls the manifests directory and reports the full set of static pods whenever it changes. */
export class FileSource {
  private timer: NodeJS.Timeout | undefined;
  private lastKey = '';
  private cache = new Map<string, { text: string; pod: any }>();

  constructor(private readonly o: FileSourceOptions) {}

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => { void this.poll(); }, this.o.pollMs ?? 2_000);
    this.timer.unref?.();
  }

  /** Read the directory once; returns the static pods found. */
  async poll(): Promise<any[]> {
    let names: string[] = [];
    try { names = (await readdir(this.o.dir)).filter((n) => !n.startsWith('.')).sort(); } catch { /* no directory: no static pods */ }
    const pods: any[] = [];
    const seen = new Set<string>();
    for (const n of names) {
      const path = join(this.o.dir, n);
      let text: string;
      try { text = await readFile(path, 'utf8'); } catch { continue; }
      seen.add(path);
      const cached = this.cache.get(path);
      if (cached?.text === text) { pods.push(cached.pod); continue; }
      try {
        const pod = staticPodFromManifest(text, path, this.o.nodeName);
        this.cache.set(path, { text, pod });
        pods.push(pod);
      } catch (e) { this.o.log?.(`could not process manifest file ${path}: ${(e as Error).message}`); }
    }
    for (const k of [...this.cache.keys()]) if (!seen.has(k)) this.cache.delete(k);
    const key = pods.map((p) => p.metadata.uid).join(',');
    if (key !== this.lastKey) { this.lastKey = key; this.o.onChange(pods); }
    return pods;
  }

  stop(): void { clearInterval(this.timer); }
}
