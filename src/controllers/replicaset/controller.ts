/**
 * @module controllers/replicaset/controller
 * Kubernetes' ReplicaSet controller, the seed's "current state -> desired state" loop for pods:
 * count the active pods a ReplicaSet owns (adopting orphans its selector matches, releasing owned
 * pods it no longer matches), create or delete the difference, and write status (replicas, ready,
 * available). Creations go in slow-start batches (1, 2, 4, ... at most 500 per sync) so a failing
 * template costs one error, not hundreds. Expectations keep a stale informer cache from making it
 * act twice: after asking for N creations it waits until its informer has seen them.
 */
import { StatusError } from '../../machinery/status.js';
import { fromLabelSelector } from '../../machinery/labels.js';
import { UIDTrackingExpectations } from '../../client/expectations.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, controllerRef, keyOf, newControllerRef, type ControllerContext } from '../framework.js';
import { isPodActive, isPodAvailable, isPodReady } from '../podutil.js';
import { podsToDelete } from './ranking.js';
import { deepCopy } from '../../machinery/deep-copy.js';

export const BURST_REPLICAS = 500;
const SLOW_START_INITIAL_BATCH = 1;

const API_VERSION = 'apps/v1';
const KIND = 'ReplicaSet';

export class ReplicaSetController extends QueueController {
  readonly expectations = new UIDTrackingExpectations();
  private readonly sets: Informer;
  private readonly pods: Informer;

  constructor(ctx: ControllerContext) {
    super('replicaset', ctx);
    this.sets = ctx.informers.for('replicasets');
    this.primary = this.sets;
    this.pods = ctx.informers.for('pods');
    // Owned pods by their controller's uid, and orphans by namespace: a sync reads only these, never every pod.
    this.pods.addIndexer('controllerUID', (p) => { const r = controllerRef(p); return r ? [r.uid] : []; });
    this.pods.addIndexer('orphansByNamespace', (p) => (controllerRef(p) ? [] : [p.metadata.namespace]));
    this.sets.addIndexer('namespace', (r) => [r.metadata.namespace]);
    this.sets.addEventHandler({
      add: (rs) => this.enqueue(keyOf(rs)),
      update: (_, rs) => this.enqueue(keyOf(rs)),
      delete: (rs) => { this.expectations.delete(keyOf(rs)); this.enqueue(keyOf(rs)); },
    });
    this.pods.addEventHandler({ add: (p) => this.podAdded(p), update: (o, p) => this.podUpdated(o, p), delete: (p) => this.podDeleted(p) });
  }

  /** The ReplicaSet a controllerRef points at, if it is one of ours and the uid matches. */
  private resolve(ns: string, ref: any): any | undefined {
    if (!ref || ref.kind !== KIND) return undefined;
    const rs = this.sets.get(`${ns}/${ref.name}`);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  private matchingSets(p: any): any[] {
    return this.sets.byIndex('namespace', p.metadata.namespace).filter((rs) => fromLabelSelector(rs.spec?.selector).matches(p.metadata.labels ?? {}));
  }

  private podAdded(p: any): void {
    if (p.metadata.deletionTimestamp) return this.podDeleted(p);
    const ref = controllerRef(p);
    if (ref) {
      const rs = this.resolve(p.metadata.namespace, ref);
      if (rs) { this.expectations.creationObserved(keyOf(rs)); this.enqueue(keyOf(rs)); }
      return;
    }
    for (const rs of this.matchingSets(p)) this.enqueue(keyOf(rs));
  }

  private podUpdated(old: any, p: any): void {
    if (old.metadata.resourceVersion === p.metadata.resourceVersion) return;
    if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // Graceful deletion has begun: for the ReplicaSet, the pod is already gone.
      const rs = this.resolve(p.metadata.namespace, controllerRef(p));
      if (rs) this.expectations.deletionObservedOf(keyOf(rs), p.metadata.uid);
    }
    const oldRef = controllerRef(old), ref = controllerRef(p);
    if (oldRef && oldRef.uid !== ref?.uid) { const o = this.resolve(old.metadata.namespace, oldRef); if (o) this.enqueue(keyOf(o)); }
    if (ref) {
      const rs = this.resolve(p.metadata.namespace, ref);
      if (rs) this.enqueue(keyOf(rs));
      return;
    }
    if (JSON.stringify(old.metadata.labels) !== JSON.stringify(p.metadata.labels) || !oldRef) for (const rs of this.matchingSets(p)) this.enqueue(keyOf(rs));
  }

  private podDeleted(p: any): void {
    const rs = this.resolve(p.metadata.namespace, controllerRef(p));
    if (!rs) return;
    this.expectations.deletionObservedOf(keyOf(rs), p.metadata.uid);
    this.enqueue(keyOf(rs));
  }

  protected async sync(key: string): Promise<void> {
    const rs = this.sets.get(key);
    if (!rs) { this.expectations.delete(key); return; }
    const ns = rs.metadata.namespace;
    const needsSync = this.expectations.satisfied(key) && !rs.metadata.deletionTimestamp;
    const selector = fromLabelSelector(rs.spec?.selector);
    const owned: any[] = [];
    for (const p of this.pods.byIndex('controllerUID', rs.metadata.uid)) {
      if (!isPodActive(p)) continue;
      if (selector.matches(p.metadata.labels ?? {})) owned.push(p);
      else await this.release(p);
    }
    if (!rs.metadata.deletionTimestamp) {
      for (const p of this.pods.byIndex('orphansByNamespace', ns)) {
        if (isPodActive(p) && selector.matches(p.metadata.labels ?? {}) && await this.adopt(rs, p)) owned.push(p);
      }
    }
    let manageError: unknown;
    if (needsSync) {
      try { await this.manageReplicas(key, rs, owned); } catch (e) { manageError = e; }
    }
    await this.updateStatus(rs, owned, manageError);
    if (manageError) throw manageError;
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && owned.some((p) => isPodReady(p) && !isPodAvailable(p, minReady))) this.queue.addAfter(key, minReady * 1000);
  }

  /** Take an orphan whose labels match: add our controllerRef, guarded by the pod's uid. */
  private async adopt(rs: any, p: any): Promise<boolean> {
    const ref = newControllerRef(rs, API_VERSION, KIND);
    try {
      await this.ctx.client.pods.patch(p.metadata.namespace, p.metadata.name,
        { metadata: { ownerReferences: [ref], uid: p.metadata.uid } }, 'strategic');
      return true;
    } catch (e) {
      if (e instanceof StatusError && (e.code === 404 || e.code === 409 || e.code === 422)) return false;
      throw e;
    }
  }

  /** Let go of an owned pod the selector no longer matches (it becomes an orphan). */
  private async release(p: any): Promise<void> {
    try {
      await this.ctx.client.pods.patch(p.metadata.namespace, p.metadata.name,
        { metadata: { ownerReferences: (p.metadata.ownerReferences ?? []).filter((r: any) => !r.controller), uid: p.metadata.uid, resourceVersion: p.metadata.resourceVersion } }, 'merge');
    } catch (e) {
      if (!(e instanceof StatusError && (e.code === 404 || e.code === 409 || e.code === 422))) throw e;
    }
  }

  private async manageReplicas(key: string, rs: any, owned: any[]): Promise<void> {
    const want = rs.spec?.replicas ?? 1;
    const diff = owned.length - want;
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, n);
      const r = await slowStartBatch(n, SLOW_START_INITIAL_BATCH, () => this.createPod(rs));
      if (r.done < n) {
        // The ones never attempted or failed will not be observed.
        this.expectations.lowerExpectations(key, n - r.done, 0);
      }
      if (r.err) throw r.err;
    } else if (diff > 0) {
      const victims = podsToDelete(owned, Math.min(diff, BURST_REPLICAS));
      this.expectations.expectDeletionsOf(key, victims.map((p) => p.metadata.uid));
      const errs: unknown[] = [];
      await Promise.all(victims.map(async (p) => {
        try {
          await this.ctx.client.pods.delete(p.metadata.namespace, p.metadata.name, { preconditions: { uid: p.metadata.uid } });
          this.ctx.recorder.event(this.withKind(rs), 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (e) {
          this.expectations.deletionObservedOf(key, p.metadata.uid);
          if (!(e instanceof StatusError && e.code === 404)) {
            this.ctx.recorder.event(this.withKind(rs), 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
            errs.push(e);
          }
        }
      }));
      if (errs.length) throw errs[0];
    }
  }

  private withKind(rs: any): any { return rs.kind ? rs : { ...rs, apiVersion: API_VERSION, kind: KIND }; }

  private createErrors = new Map<string, string>();

  private async createPod(rs: any): Promise<void> {
    const t = rs.spec?.template ?? {};
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`, namespace: rs.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}) }, annotations: { ...(t.metadata?.annotations ?? {}) },
        ...(t.metadata?.finalizers ? { finalizers: t.metadata.finalizers } : {}),
        ownerReferences: [newControllerRef(rs, API_VERSION, KIND)],
      },
      spec: deepCopy(t.spec ?? {}),
    };
    try {
      const made = await this.ctx.client.pods.create(rs.metadata.namespace, pod);
      this.createErrors.delete(keyOf(rs));
      this.ctx.recorder.event(this.withKind(rs), 'Normal', 'SuccessfulCreate', `Created pod: ${made.metadata.name}`);
    } catch (e) {
      const msg = (e as Error).message;
      this.createErrors.set(keyOf(rs), msg);
      this.ctx.recorder.event(this.withKind(rs), 'Warning', 'FailedCreate', `Error creating: ${msg}`);
      // A namespace being deleted refuses new pods: nothing to retry.
      if (e instanceof StatusError && e.code === 403 && /being terminated/.test(msg)) return;
      throw e;
    }
  }

  private async updateStatus(rs: any, owned: any[], manageError: unknown): Promise<void> {
    const selector = fromLabelSelector({ matchLabels: rs.spec?.template?.metadata?.labels ?? {} });
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const now = Date.now();
    const status: any = {
      replicas: owned.length,
      fullyLabeledReplicas: owned.filter((p) => selector.matches(p.metadata.labels ?? {})).length,
      readyReplicas: owned.filter(isPodReady).length,
      availableReplicas: owned.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation,
    };
    const conds = (rs.status?.conditions ?? []).filter((c: any) => c.type !== 'ReplicaFailure');
    const failure = rs.status?.conditions?.find((c: any) => c.type === 'ReplicaFailure');
    const createErr = this.createErrors.get(keyOf(rs));
    if (manageError && createErr) {
      const reason = (rs.spec?.replicas ?? 1) > owned.length ? 'FailedCreate' : 'FailedDelete';
      conds.push(failure?.reason === reason && failure.message === createErr ? failure
        : { type: 'ReplicaFailure', status: 'True', lastTransitionTime: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'), reason, message: createErr });
    }
    if (conds.length) status.conditions = conds;
    const cur = rs.status ?? {};
    const same = ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']
      .every((k) => (cur[k] ?? 0) === (status[k] ?? 0)) && JSON.stringify(cur.conditions ?? []) === JSON.stringify(status.conditions ?? []);
    if (same) return;
    const next = { ...this.withKind(rs), status };
    try {
      await this.ctx.client.replicasets.updateStatus(rs.metadata.namespace, next);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return;
      throw e; // 409: the informer will bring the newer object and the key is retried
    }
  }
}

/**
 * Run `fn` `count` times in batches that double (1, 2, 4, ...) while every call succeeds; stop at
 * the first batch with a failure. Returns how many succeeded and the first error.
 */
export async function slowStartBatch(count: number, initial: number, fn: () => Promise<void>): Promise<{ done: number; err?: unknown }> {
  let done = 0;
  let batch = Math.min(count, initial);
  let firstErr: unknown;
  while (batch > 0) {
    const rs = await Promise.allSettled(Array.from({ length: batch }, fn));
    const ok = rs.filter((r) => r.status === 'fulfilled').length;
    done += ok;
    const failed = rs.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) { firstErr = failed.reason; break; }
    batch = Math.min(2 * batch, count - done);
  }
  return { done, err: firstErr };
}

