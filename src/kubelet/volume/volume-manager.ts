/**
 * @module kubelet/volume/volume-manager
 * The kubelet's volume manager, reduced to what a node without attachable disks needs: make every
 * volume of a pod ready under `<root>/pods/<uid>/volumes/<plugin>/<name>` before its containers
 * start, keep configMap, secret and projected volumes current (re-read from the API server every
 * `resyncMs` and rewritten atomically, as upstream's periodic remount does), and tear a pod's
 * volumes down (tmpfs unmounted, directories removed) when it is gone.
 *
 * API reads are bounded: a pod sync within `resyncMs` of the last read reuses what is on disk,
 * so a busy pod worker does not turn into a stream of GETs.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Clientset } from '../../client/clientset.js';
import type { EventRecorder } from '../../client/record/recorder.js';
import { parseQuantity } from '../../machinery/quantity.js';
import { writeAtomic, type FileProjection } from './atomic-writer.js';
import { DEFAULT_MODE, getObject, makePayload } from './configmap.js';
import { downwardAPIPayload } from './downwardapi.js';
import { VolumeError, setUpFailed } from './errors.js';
import { checkHostPathType } from './hostpath.js';
import { mountTmpfs, unmountAllUnder } from './mount-utils.js';
import { resolveClaim } from './persistent-volume.js';
import { projectedPayload } from './projected.js';
import { TokenManager } from './token-manager.js';

export { VolumeError } from './errors.js';

/** A volume ready on the node: where it is, and whether containers must see it read-only. */
export interface MountedVolume { hostPath: string; readOnly: boolean }

export interface VolumeManagerOptions {
  cs: Clientset;
  /** The kubelet's root dir (`<data-dir>/kubelet`). */
  rootDir: string;
  nodeName: string;
  recorder?: EventRecorder;
  /** How often configMap/secret/projected volumes are re-read (default 10 s, upstream's sync period is 1 min + cache TTL). */
  resyncMs?: number;
}

/** The plugin directory names upstream uses (`kubernetes.io~configmap`, ...). */
export const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir', configMap: 'kubernetes.io~configmap', secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api', projected: 'kubernetes.io~projected',
} as const;

/** Volume kinds that read from the API server, and so are refreshed on a timer rather than on every sync. */
const API_BACKED = new Set(['configMap', 'secret', 'projected', 'persistentVolumeClaim']);

interface PodVolumes { pod: any; mounted: Map<string, MountedVolume>; readAt: Map<string, number>; chain: Promise<unknown> }

const kindOf = (vol: any): string => Object.keys(vol).find((k) => k !== 'name') ?? '';

export class VolumeManager {
  private readonly pods = new Map<string, PodVolumes>();
  private readonly tokens: TokenManager;
  private readonly resyncMs: number;
  private timer?: NodeJS.Timeout;
  private allocatableCache?: { at: number; value: Record<string, string> };

  constructor(private readonly o: VolumeManagerOptions) {
    this.tokens = new TokenManager(o.cs);
    this.resyncMs = o.resyncMs ?? 10_000;
    this.timer = setInterval(() => void this.resync(), this.resyncMs);
    this.timer.unref();
  }

  /** `<root>/pods/<uid>`. */
  podDir(uid: string): string { return path.join(this.o.rootDir, 'pods', uid); }

  /** `<root>/pods/<uid>/volumes/<plugin>/<name>`. */
  volumeDir(uid: string, plugin: string, name: string): string { return path.join(this.podDir(uid), 'volumes', plugin, name); }

  /**
   * Make every volume of the pod ready on disk; returns volume name -> host path. Throws a
   * VolumeError (the first failure; each failure is also a FailedMount event on the pod).
   */
  async mountPod(pod: any): Promise<Map<string, MountedVolume>> {
    const uid = pod.metadata.uid;
    let pv = this.pods.get(uid);
    if (!pv) { pv = { pod, mounted: new Map(), readAt: new Map(), chain: Promise.resolve() }; this.pods.set(uid, pv); }
    pv.pod = pod;
    const entry = pv;
    return this.serialize(entry, async () => {
      const errors: VolumeError[] = [];
      for (const vol of pod.spec?.volumes ?? []) {
        const kind = kindOf(vol);
        const fresh = API_BACKED.has(kind) && entry.mounted.has(vol.name) && Date.now() - (entry.readAt.get(vol.name) ?? 0) < this.resyncMs;
        if (fresh) continue;
        try {
          entry.mounted.set(vol.name, await this.setUp(pod, vol));
          entry.readAt.set(vol.name, Date.now());
        } catch (e) {
          const err = e instanceof VolumeError ? e : setUpFailed(vol.name, e);
          this.o.recorder?.event(podRef(pod), 'Warning', 'FailedMount', err.message);
          errors.push(err);
        }
      }
      if (errors.length) throw errors[0];
      const out = new Map<string, MountedVolume>();
      for (const vol of pod.spec?.volumes ?? []) out.set(vol.name, entry.mounted.get(vol.name)!);
      return out;
    });
  }

  /** Tear down a pod's volumes: tmpfs unmounted, the pod's directory removed, its tokens forgotten. */
  async unmountPod(podUID: string): Promise<void> {
    const entry = this.pods.get(podUID);
    this.pods.delete(podUID);
    if (entry) await entry.chain.catch(() => undefined);
    this.tokens.deleteServiceAccountToken(podUID);
    const dir = this.podDir(podUID);
    await unmountAllUnder(dir);
    await fs.rm(dir, { recursive: true, force: true });
  }

  /** Pod UIDs that have a directory on disk (for cleaning up orphans after a restart). */
  async podsOnDisk(): Promise<string[]> {
    try { return (await fs.readdir(path.join(this.o.rootDir, 'pods'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name); } catch { return []; }
  }

  stop(): void { if (this.timer) clearInterval(this.timer); this.timer = undefined; }

  /** Re-read every API-backed volume of every pod; a failure keeps the old files and is reported. */
  async resync(): Promise<void> {
    await Promise.all([...this.pods.values()].map((entry) => this.serialize(entry, async () => {
      for (const vol of entry.pod.spec?.volumes ?? []) {
        if (!API_BACKED.has(kindOf(vol)) || !entry.mounted.has(vol.name) || this.pods.get(entry.pod.metadata.uid) !== entry) continue;
        try {
          entry.mounted.set(vol.name, await this.setUp(entry.pod, vol));
          entry.readAt.set(vol.name, Date.now());
        } catch (e) {
          this.o.recorder?.event(podRef(entry.pod), 'Warning', 'FailedMount', (e instanceof VolumeError ? e : setUpFailed(vol.name, e)).message);
        }
      }
    }).catch(() => undefined)));
  }

  private serialize<T>(entry: PodVolumes, fn: () => Promise<T>): Promise<T> {
    const run = entry.chain.catch(() => undefined).then(fn);
    entry.chain = run;
    return run;
  }

  private async setUp(pod: any, vol: any): Promise<MountedVolume> {
    const uid = pod.metadata.uid;
    const ns = pod.metadata.namespace;
    if (vol.hostPath) {
      await checkHostPathType(vol.hostPath.path, vol.hostPath.type);
      return { hostPath: vol.hostPath.path, readOnly: false };
    }
    if (vol.emptyDir) {
      const dir = this.volumeDir(uid, PLUGIN_DIRS.emptyDir, vol.name);
      await fs.mkdir(dir, { recursive: true });
      if (vol.emptyDir.medium === 'Memory') {
        await mountTmpfs(dir, vol.emptyDir.sizeLimit ? parseQuantity(String(vol.emptyDir.sizeLimit)).value() : undefined);
      }
      await fs.chmod(dir, 0o777);
      return { hostPath: dir, readOnly: false };
    }
    if (vol.persistentVolumeClaim) {
      const pv = await resolveClaim(this.o.cs, ns, vol.persistentVolumeClaim).catch((e) => { throw new VolumeError(e.message, vol.name); });
      return { hostPath: pv.path, readOnly: pv.readOnly };
    }
    let plugin: string;
    let payload: Map<string, FileProjection>;
    if (vol.configMap || vol.secret) {
      const kind = vol.configMap ? 'configmap' : 'secret';
      const src = vol.configMap ?? vol.secret;
      const optional = src.optional === true;
      plugin = vol.configMap ? PLUGIN_DIRS.configMap : PLUGIN_DIRS.secret;
      const obj = await getObject(this.o.cs, kind, ns, vol.configMap ? src.name : src.secretName, optional);
      payload = makePayload(kind, obj, src.items, src.defaultMode ?? DEFAULT_MODE, optional);
    } else if (vol.downwardAPI) {
      plugin = PLUGIN_DIRS.downwardAPI;
      payload = downwardAPIPayload(pod, vol.downwardAPI.items, vol.downwardAPI.defaultMode ?? DEFAULT_MODE, await this.allocatable());
    } else if (vol.projected) {
      plugin = PLUGIN_DIRS.projected;
      payload = await projectedPayload({ cs: this.o.cs, pod, source: vol.projected, defaultMode: vol.projected.defaultMode ?? DEFAULT_MODE, tokens: this.tokens, allocatable: () => this.allocatable() });
    } else {
      throw new Error(`volume type ${kindOf(vol) || '(none)'} is not supported by this node`);
    }
    const dir = this.volumeDir(uid, plugin, vol.name);
    await fs.mkdir(dir, { recursive: true });
    await writeAtomic(dir, payload);
    // Upstream marks these plugins read-only: a container can never write into them.
    return { hostPath: dir, readOnly: true };
  }

  /** The node's allocatable, for resourceFieldRef with unset limits; cached for a minute. */
  private async allocatable(): Promise<Record<string, string>> {
    if (this.allocatableCache && Date.now() - this.allocatableCache.at < 60_000) return this.allocatableCache.value;
    let value: Record<string, string> = {};
    try { value = (await this.o.cs.nodes.get('', this.o.nodeName))?.status?.allocatable ?? {}; } catch { /* no node yet */ }
    this.allocatableCache = { at: Date.now(), value };
    return value;
  }
}

/** Events need the involved object's kind, which objects from a list do not carry. */
const podRef = (pod: any) => ({ apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata });
