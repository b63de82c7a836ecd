/**
 * @module controllers/statefulset/controller
 * Kubernetes' StatefulSet controller: informers on StatefulSets, pods, ControllerRevisions and
 * PVCs put StatefulSet keys in the queue; a sync claims the set's pods (by selector and by name
 * `<set>-<ordinal>`) and revisions, runs one pass of the control loop and writes the status.
 * Pods are created under fixed names, so a stale cache cannot create one twice (the second create
 * is AlreadyExists); no expectations are needed, as upstream.
 */
import { StatusError } from '../../machinery/status.js';
import { fromLabelSelector } from '../../machinery/labels.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, controllerRef, keyOf, splitKey, type ControllerContext } from '../framework.js';
import { ControllerHistory } from '../history/history.js';
import { claimObjects } from '../history/ref-manager.js';
import { sortControllerRevisions } from '../history/revision.js';
import { StatefulPodControl } from './stateful-pod-control.js';
import {
  completeRollingUpdate, getStatefulSetRevisions, inconsistentStatus, updateStatefulSet, type StatefulSetStatus,
} from './stateful-set-control.js';
import { API_VERSION, KIND, getPodRevision, isMemberOf } from './stateful-set-utils.js';

const BY_NAMESPACE = 'namespace';

export class StatefulSetController extends QueueController {
  private readonly sets: Informer;
  private readonly pods: Informer;
  private readonly revisions: Informer;
  private readonly claims: Informer;
  private readonly podControl: StatefulPodControl;
  private readonly history: ControllerHistory;

  constructor(ctx: ControllerContext) {
    super('statefulset', ctx);
    this.sets = ctx.informers.for('statefulsets');
    this.primary = this.sets;
    this.pods = ctx.informers.for('pods');
    this.revisions = ctx.informers.for('controllerrevisions');
    this.claims = ctx.informers.for('persistentvolumeclaims');
    for (const inf of [this.sets, this.pods, this.revisions]) inf.addIndexer(BY_NAMESPACE, (o) => [o.metadata.namespace]);
    this.podControl = new StatefulPodControl(ctx.client, this.claims, ctx.recorder);
    this.history = new ControllerHistory(ctx.client.controllerrevisions);
    this.sets.addEventHandler({
      add: (s) => this.enqueue(keyOf(s)),
      update: (_, s) => this.enqueue(keyOf(s)),
      delete: (s) => this.enqueue(keyOf(s)),
    });
    const onOwned = (o: any) => this.enqueueOwner(o);
    this.pods.addEventHandler({ add: onOwned, update: (old, p) => { this.enqueueOwner(old); this.enqueueOwner(p); }, delete: onOwned });
    this.revisions.addEventHandler({ add: onOwned, update: (_, r) => onOwned(r), delete: onOwned });
    // A claim's deletion (or ownership change) may unblock a pod waiting on it.
    this.claims.addEventHandler({ update: (_, c) => this.enqueueClaimOwner(c), delete: (c) => this.enqueueClaimOwner(c) });
  }

  /** The set that controls `o`, or for an orphan every set whose selector matches it (it may adopt). */
  private enqueueOwner(o: any): void {
    const ns = o.metadata.namespace;
    const ref = controllerRef(o);
    if (ref) {
      if (ref.kind !== KIND) return;
      const set = this.sets.get(`${ns}/${ref.name}`);
      if (set && set.metadata.uid === ref.uid) this.enqueue(keyOf(set));
      return;
    }
    for (const s of this.sets.byIndex(BY_NAMESPACE, ns)) {
      if (fromLabelSelector(s.spec?.selector).matches(o.metadata.labels ?? {})) this.enqueue(keyOf(s));
    }
  }

  private enqueueClaimOwner(c: any): void {
    const ns = c.metadata.namespace;
    for (const s of this.sets.byIndex(BY_NAMESPACE, ns)) {
      if ((s.spec?.volumeClaimTemplates ?? []).some((t: any) => c.metadata.name.startsWith(`${t.metadata?.name}-${s.metadata.name}-`))) this.enqueue(keyOf(s));
    }
  }

  protected async sync(key: string): Promise<void> {
    const cached = this.sets.get(key);
    if (!cached) return;
    const set = structuredClone(cached);
    const [ns] = splitKey(key);
    const selector = fromLabelSelector(set.spec?.selector);
    const getFresh = () => this.ctx.client.statefulsets.get(ns, set.metadata.name);
    const revisions = await claimObjects(this.revisions.byIndex(BY_NAMESPACE, ns), {
      owner: set, apiVersion: API_VERSION, kind: KIND, selector, client: this.ctx.client.controllerrevisions, getFresh,
    });
    const pods = await claimObjects(this.pods.byIndex(BY_NAMESPACE, ns), {
      owner: set, apiVersion: API_VERSION, kind: KIND, selector, client: this.ctx.client.pods, getFresh,
      // Only pods named like ours are ours: a pod of another name is never adopted.
      filter: (p) => isMemberOf(set, p),
    });

    const { current, update, collisionCount } = await getStatefulSetRevisions(set, revisions.map((r) => structuredClone(r)), this.history);
    let status: StatefulSetStatus | undefined;
    let err: unknown;
    try {
      status = await updateStatefulSet(set, current, update, collisionCount, pods, this.podControl);
    } catch (e) {
      err = e;
    }
    if (status) {
      completeRollingUpdate(set, status);
      if (inconsistentStatus(set, status)) await this.updateStatus(set, status);
    }
    await this.truncateHistory(set, pods, revisions, current, update);
    if (err) {
      if (err instanceof StatusError && err.code === 409 && err.reason === 'AlreadyExists') return this.queue.addAfter(key, 100);
      throw err;
    }
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (status && minReady > 0 && status.readyReplicas !== status.availableReplicas) this.queue.addAfter(key, minReady * 1000);
  }

  /** Write status, re-reading the set on conflict (the status is what this pass saw, whatever the spec now says). */
  private async updateStatus(set: any, status: StatefulSetStatus): Promise<void> {
    let cur = set;
    for (let attempt = 0; ; attempt++) {
      const next = { ...cur, apiVersion: API_VERSION, kind: KIND, status: { ...(cur.status ?? {}), ...status } };
      try {
        await this.ctx.client.statefulsets.updateStatus(cur.metadata.namespace, next);
        return;
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return;
        if (!(e instanceof StatusError && e.code === 409) || attempt >= 5) throw e;
        cur = await this.ctx.client.statefulsets.get(set.metadata.namespace, set.metadata.name);
      }
    }
  }

  /** Delete the oldest revisions no pod uses, beyond revisionHistoryLimit; current and update are always kept. */
  private async truncateHistory(set: any, pods: any[], revisions: any[], current: any, update: any): Promise<void> {
    const live = new Set<string>([current.metadata.name, update.metadata.name, ...pods.map(getPodRevision)]);
    const old = sortControllerRevisions(revisions.filter((r) => !live.has(r.metadata.name)));
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    for (const r of old.slice(0, Math.max(0, old.length - limit))) await this.history.delete(r);
  }
}
