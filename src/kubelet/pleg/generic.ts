/**
 * @module kubelet/pleg/generic
 * The generic pod lifecycle event generator (upstream pkg/kubelet/pleg/generic.go): relist the
 * runtime's sandboxes and containers every second and tell the kubelet which pods had a container
 * or sandbox change state (started, exited, removed), so a pod worker syncs as soon as something
 * happened instead of at its next periodic resync. One list call each per relist, however many pods.
 */
import type { RuntimeService } from '../cri/api.js';

const POD_UID = 'io.kubernetes.pod.uid';

export interface PlegOptions {
  runtime: RuntimeService;
  onPodChanged: (podUID: string) => void;
  relistMs?: number;
  log?: (msg: string) => void;
}

export class GenericPLEG {
  private last = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private relisting = false;
  /** When the last relist finished (a health signal, like upstream's PLEG health check). */
  lastRelist = 0;

  constructor(private readonly o: PlegOptions) {}

  async start(): Promise<void> {
    await this.relist(true);
    this.timer = setInterval(() => { void this.relist(false); }, this.o.relistMs ?? 1000);
    this.timer.unref?.();
  }

  /** Compare the runtime's state with the last relist; report each pod with a change once. */
  async relist(initial = false): Promise<void> {
    if (this.relisting) return;
    this.relisting = true;
    try {
      const [sandboxes, containers] = await Promise.all([this.o.runtime.listPodSandbox(), this.o.runtime.listContainers()]);
      const now = new Map<string, string>();
      const podOf = new Map<string, string>();
      for (const s of sandboxes) { const k = `s/${s.id}`; now.set(k, s.state); podOf.set(k, s.labels?.[POD_UID] ?? s.metadata.uid); }
      for (const c of containers) { const k = `c/${c.id}`; now.set(k, c.state); podOf.set(k, c.labels?.[POD_UID] ?? ''); }
      const changed = new Set<string>();
      for (const [k, st] of now) if (this.last.get(k) !== st) changed.add(podOf.get(k)!);
      for (const k of this.last.keys()) if (!now.has(k)) changed.add(this.lastPod.get(k) ?? '');
      this.last = now;
      this.lastPod = podOf;
      this.lastRelist = Date.now();
      if (!initial) for (const uid of changed) if (uid) this.o.onPodChanged(uid);
    } catch (e) {
      this.o.log?.(`PLEG relist failed: ${(e as Error).message}`);
    } finally {
      this.relisting = false;
    }
  }

  private lastPod = new Map<string, string>();

  stop(): void { clearInterval(this.timer); }
}
