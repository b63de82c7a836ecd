/**
 * @module controllers/podgc/controller
 * The pod garbage collector (Kubernetes' PodGCController). Every 20 s it force-deletes:
 * - terminated pods (Succeeded/Failed) beyond `--terminated-pod-gc-threshold` (evicted ones first,
 *   then the oldest);
 * - pods bound to a node that no longer exists: once the node has been missing from the cache for
 *   a quarantine of 40 s and a live read confirms it is gone, the pod is marked Failed with a
 *   DisruptionTarget condition (reason DeletionByPodGC) and deleted;
 * - terminating pods on a NotReady node tainted node.kubernetes.io/out-of-service;
 * - terminating pods that were never scheduled.
 * Nothing else would ever remove these: no kubelet will finish them.
 */
import { StatusError } from '../../machinery/status.js';
import type { Informer } from '../../client/informer.js';
import type { Controller, ControllerContext } from '../framework.js';
import { orphanedPods, terminatedPodsToDelete, terminatingOnOutOfServiceNodes, unscheduledTerminating } from './selection.js';

export interface PodGCOptions {
  /** `--terminated-pod-gc-threshold` (0 turns that part off). */
  terminatedPodGCThreshold: number;
  gcCheckPeriodMs: number;
  /** How long a node must be missing before its pods count as orphaned. */
  quarantineMs: number;
}

export const DEFAULT_POD_GC_OPTIONS: PodGCOptions = { terminatedPodGCThreshold: 12500, gcCheckPeriodMs: 20_000, quarantineMs: 40_000 };
const FIELD_MANAGER = 'PodGC';

const rfc3339 = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export class PodGCController implements Controller {
  readonly name = 'podgc';
  private readonly pods: Informer;
  private readonly nodes: Informer;
  /** Node name -> when its pods were first seen without it. */
  private readonly missingSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly ctx: ControllerContext, private readonly o: PodGCOptions = DEFAULT_POD_GC_OPTIONS) {
    this.pods = ctx.informers.for('pods');
    this.nodes = ctx.informers.for('nodes');
  }

  run(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.gc().catch((e) => console.error(`skiff podgc: ${(e as Error).message}`)).finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.o.gcCheckPeriodMs);
      });
    };
    tick();
  }

  stop(): void { this.stopped = true; clearTimeout(this.timer); }

  /** One pass (exposed for tests). */
  async gc(): Promise<void> {
    const pods = this.pods.list();
    const nodes = this.nodes.list();
    if (this.o.terminatedPodGCThreshold > 0) await this.each(terminatedPodsToDelete(pods, this.o.terminatedPodGCThreshold), (p) => this.markFailedAndDelete(p));
    await this.each(terminatingOnOutOfServiceNodes(pods, nodes), (p) => this.markFailedAndDelete(p));
    const gone = await this.deletedNodes(pods, new Set(nodes.map((n) => n.metadata.name)));
    await this.each(orphanedPods(pods, gone), (p) => this.markFailedAndDelete(p, {
      type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: rfc3339(),
    }));
    await this.each(unscheduledTerminating(pods), (p) => this.markFailedAndDelete(p));
  }

  /** Nodes pods are bound to that are missing from the cache past quarantine and, read live, do not exist. */
  private async deletedNodes(pods: any[], known: Set<string>): Promise<Set<string>> {
    const now = Date.now();
    const missing = new Set<string>();
    for (const p of pods) if (p.spec?.nodeName && !known.has(p.spec.nodeName)) missing.add(p.spec.nodeName);
    for (const n of [...this.missingSince.keys()]) if (!missing.has(n)) this.missingSince.delete(n);
    const gone = new Set<string>();
    for (const n of missing) {
      const since = this.missingSince.get(n) ?? now;
      this.missingSince.set(n, since);
      if (now - since < this.o.quarantineMs) continue;
      // The cache may lag: only a live 404 counts.
      try { await this.ctx.client.nodes.get('', n); this.missingSince.delete(n); } catch (e) {
        if (e instanceof StatusError && e.code === 404) gone.add(n); else throw e;
      }
    }
    return gone;
  }

  private async each(pods: any[], fn: (p: any) => Promise<void>): Promise<void> {
    const errs: string[] = [];
    for (let i = 0; i < pods.length; i += 20) {
      await Promise.all(pods.slice(i, i + 20).map((p) => fn(p).catch((e) => { errs.push(`${p.metadata.namespace}/${p.metadata.name}: ${(e as Error).message}`); })));
    }
    if (errs.length) console.error(`skiff podgc: ${errs.join('; ')}`);
  }

  /**
   * Mark a pod that is not finished Failed (with the condition saying why) so that nothing counts it
   * as running, then delete it at once: no kubelet will do either.
   */
  private async markFailedAndDelete(pod: any, condition?: any): Promise<void> {
    const { namespace, name } = pod.metadata;
    const phase = pod.status?.phase;
    try {
      if (phase !== 'Succeeded' && phase !== 'Failed') {
        const status: any = { phase: 'Failed', ...(condition ? { conditions: [condition] } : {}) };
        const apply = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, status };
        const path = `${this.ctx.client.pods.path(namespace, name, 'status')}?fieldManager=${FIELD_MANAGER}&force=true`;
        const r = await this.ctx.client.transport.request('PATCH', path, apply, 'application/apply-patch+yaml');
        if (r.status === 404) return;
        if (r.status >= 300) await this.ctx.client.pods.patch(namespace, name, { status }, 'strategic', 'status');
      }
      // DeleteOptions as query parameters (as kubectl --grace-period=0 sends them): no DELETE body needed.
      const r = await this.ctx.client.transport.request('DELETE', `${this.ctx.client.pods.path(namespace, name)}?gracePeriodSeconds=0`);
      if (r.status >= 300 && r.status !== 404) throw new StatusError(r.status, '', `delete pod ${namespace}/${name}: ${r.body.slice(0, 200)}`);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }
}
