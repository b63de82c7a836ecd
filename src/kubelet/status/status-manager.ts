/**
 * @module kubelet/status/status-manager
 * The kubelet's status manager (upstream pkg/kubelet/status/status_manager.go): pod workers hand it
 * the v1 PodStatus they computed; it writes `pods/status` only when that differs from the API's
 * copy, at most one write in flight per pod with the latest status winning, with the pod's
 * resourceVersion as precondition and a re-read and retry on a conflict. Static pods' statuses go
 * to their mirror pods. Once a pod being deleted has stopped everything, it finishes the graceful
 * deletion: a DELETE with grace 0 and the pod's UID as precondition, so a new pod of the same name
 * is never deleted by mistake.
 */
import { objectSpanContext } from '../../tracing/annotation.js';
import { tracingEnabled, withTraceContext, type SkiffTracer } from '../../tracing/provider.js';
import { StatusError } from '../../machinery/status.js';
import type { Clientset } from '../../client/clientset.js';
import { KUBELET_CONDITIONS } from './generate.js';
import { mergePodStatus, podStatusEqual } from './equality.js';

export interface StatusManagerOptions {
  cs: Clientset;
  /** The API's current copy of a pod by the kubelet's UID (the mirror pod for a static pod), from the informer. */
  apiPod: (uid: string) => any | undefined;
  /** Log writes that failed for good; defaults to silence (the next sync retries). */
  log?: (msg: string) => void;
  /** Writes that move a traced pod towards Running are recorded as `status.write` spans. */
  tracer?: SkiffTracer;
}

interface Entry { pod: any; status: any }

export class StatusManager {
  /** The latest status each pod worker computed (what `getPodStatus` answers, also for probes). */
  private readonly latest = new Map<string, Entry>();
  /** Statuses waiting to be written, by UID; a newer one replaces an older one not yet sent. */
  private readonly pending = new Map<string, Entry>();
  private readonly writing = new Map<string, Promise<void>>();
  /** How many writes were sent (for tests and the "one write per change" promise). */
  writes = 0;
  private stopped = false;

  constructor(private readonly o: StatusManagerOptions) {}

  getPodStatus(uid: string): any | undefined { return this.latest.get(uid)?.status; }

  /** Record the pod's status and write it when it differs from the API's. */
  setPodStatus(pod: any, status: any): void {
    const uid = pod.metadata.uid;
    this.latest.set(uid, { pod, status });
    const api = this.o.apiPod(uid);
    if (api && podStatusEqual(mergePodStatus(api, status, KUBELET_CONDITIONS), api.status)) { this.pending.delete(uid); return; }
    this.pending.set(uid, { pod, status });
    if (!this.writing.has(uid)) this.startWriter(uid);
  }

  /** Resolves once nothing is pending or in flight for the pod. */
  async flush(uid: string): Promise<void> {
    while (this.writing.has(uid)) await this.writing.get(uid);
  }

  removePod(uid: string): void { this.latest.delete(uid); this.pending.delete(uid); }

  private startWriter(uid: string): void {
    const run = (async () => {
      while (!this.stopped) {
        const e = this.pending.get(uid);
        if (!e) break;
        this.pending.delete(uid);
        try { await this.write(uid, e); } catch (err) { this.o.log?.(`failed to update status for pod ${e.pod.metadata.namespace}/${e.pod.metadata.name}: ${(err as Error).message}`); }
      }
    })().finally(() => this.writing.delete(uid));
    this.writing.set(uid, run);
  }

  private async write(uid: string, e: Entry): Promise<void> {
    let api = this.o.apiPod(uid);
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!api) return; // not in the API (yet): a static pod's mirror will be written once it exists
      const status = mergePodStatus(api, e.status, KUBELET_CONDITIONS);
      if (podStatusEqual(status, api.status)) return;
      try {
        this.writes++;
        await this.traced(api, status, () => this.o.cs.pods.updateStatus(api.metadata.namespace, { ...api, status }));
        return;
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) return;
        if (!(err instanceof StatusError && err.code === 409)) throw err;
        // Someone wrote the pod since our informer saw it: read it again and re-merge.
        try { api = await this.o.cs.pods.get(api.metadata.namespace, api.metadata.name); } catch (g) { if (g instanceof StatusError && g.code === 404) return; throw g; }
        if (api.metadata.uid !== e.pod.metadata.uid && !isMirrorOf(api, e.pod)) return;
      }
    }
    throw new StatusError(409, 'Conflict', `status of pod ${e.pod.metadata.name} kept conflicting`);
  }

  /** A write of a pod not yet Running in the API, under the pod's trace context: the trace's last step. */
  private async traced<T>(api: any, status: any, write: () => Promise<T>): Promise<T> {
    const parent = this.o.tracer && tracingEnabled() && api.status?.phase !== 'Running' ? objectSpanContext(api) : undefined;
    if (!parent) return write();
    const span = this.o.tracer!.startChild('status.write', parent, { attributes: { namespace: api.metadata.namespace, name: api.metadata.name, phase: String(status.phase ?? ''),
      ready: !!status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') } });
    try { return await withTraceContext(span.spanContext(), write); } finally { span.end(); }
  }

  /**
   * Finish a graceful deletion: the pod's containers are stopped and its volumes gone, so once its
   * final status is written, delete it with grace 0 and a UID precondition (upstream canBeDeleted).
   */
  async finishDeletion(pod: any): Promise<void> {
    const uid = pod.metadata.uid;
    await this.flush(uid);
    const api = this.o.apiPod(uid) ?? pod;
    if (!api.metadata.deletionTimestamp) return;
    try {
      await this.o.cs.pods.delete(api.metadata.namespace, api.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid: api.metadata.uid } });
    } catch (err) {
      if (err instanceof StatusError && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }

  stop(): void { this.stopped = true; }
}

const isMirrorOf = (api: any, pod: any): boolean => api.metadata.annotations?.['kubernetes.io/config.mirror'] === pod.metadata.uid;
