/**
 * @module controllers/deployment/controller
 * Kubernetes' Deployment controller: a Deployment declares a pod template and a replica count;
 * the controller keeps one ReplicaSet per template (named `<deployment>-<pod-template-hash>`),
 * moves replicas from the old ones to the new one by the Deployment's strategy, and reports the
 * rollout in status and conditions (what `kubectl rollout status` waits on). Level-triggered: a
 * sync reads the Deployment, its ReplicaSets (claiming orphans its selector matches, releasing
 * those it no longer matches) and, for Recreate, their pods, from the informers' caches, then takes
 * the next step through the API.
 */
import { StatusError } from '../../machinery/status.js';
import { fromLabelSelector } from '../../machinery/labels.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, controllerRef, keyOf, newControllerRef, type ControllerContext } from '../framework.js';
import { DeploymentSync } from './sync.js';
import { rolloutRolling } from './rolling.js';
import { rolloutRecreate, type PodMap } from './recreate.js';
import { semanticEqual } from './hash.js';
import { desiredReplicasAnnotation } from './annotations.js';
import { filterActive } from './replicasets.js';
import { specReplicas } from './fenceposts.js';
import { DEPLOYMENT_PROGRESSING, PAUSED_DEPLOY_REASON, RESUMED_DEPLOY_REASON, TIMED_OUT_REASON, getCondition, hasProgressDeadline, newCondition, setCondition } from './conditions.js';

const byNamespace = (o: any): string[] => [o.metadata.namespace];

export class DeploymentController extends QueueController {
  private readonly deployments: Informer;
  private readonly replicasets: Informer;
  private readonly pods: Informer;
  private readonly s: DeploymentSync;

  constructor(ctx: ControllerContext) {
    super('deployment', ctx);
    this.deployments = ctx.informers.for('deployments');
    this.primary = this.deployments;
    this.replicasets = ctx.informers.for('replicasets');
    this.pods = ctx.informers.for('pods');
    // The same 'namespace' index other controllers define on these shared informers (client-go's NamespaceIndex).
    this.deployments.addIndexer('namespace', byNamespace);
    this.replicasets.addIndexer('namespace', byNamespace);
    this.pods.addIndexer('namespace', byNamespace);
    this.s = new DeploymentSync({
      client: ctx.client, recorder: ctx.recorder, replicasets: this.replicasets,
      requeueAfter: (d, ms) => this.queue.addAfter(keyOf(d), ms),
    });
    this.deployments.addEventHandler({
      add: (d) => this.enqueue(keyOf(d)), update: (_, d) => this.enqueue(keyOf(d)), delete: (d) => this.enqueue(keyOf(d)),
    });
    this.replicasets.addEventHandler({ add: (rs) => this.replicaSetAdded(rs), update: (o, rs) => this.replicaSetUpdated(o, rs), delete: (rs) => this.replicaSetDeleted(rs) });
    this.pods.addEventHandler({ delete: (p) => this.podDeleted(p) });
  }

  // --- event handlers: they only find which Deployments to sync ---

  /** The Deployment a controllerRef points at, if it still is that Deployment (same uid). */
  private resolve(ns: string, ref: any): any | undefined {
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.get(`${ns}/${ref.name}`);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose selector matches an orphan ReplicaSet (any of them may adopt it). */
  private deploymentsMatching(rs: any): any[] {
    return this.deployments.byIndex('namespace', rs.metadata.namespace).filter((d) => {
      try { return fromLabelSelector(d.spec?.selector).matches(rs.metadata.labels ?? {}); } catch { return false; }
    });
  }

  private replicaSetAdded(rs: any): void {
    if (rs.metadata.deletionTimestamp) return this.replicaSetDeleted(rs);
    const ref = controllerRef(rs);
    if (ref) { const d = this.resolve(rs.metadata.namespace, ref); if (d) this.enqueue(keyOf(d)); return; }
    for (const d of this.deploymentsMatching(rs)) this.enqueue(keyOf(d));
  }

  private replicaSetUpdated(old: any, rs: any): void {
    if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
    const oldRef = controllerRef(old), ref = controllerRef(rs);
    const refChanged = oldRef?.uid !== ref?.uid;
    if (refChanged && oldRef) { const d = this.resolve(old.metadata.namespace, oldRef); if (d) this.enqueue(keyOf(d)); }
    if (ref) { const d = this.resolve(rs.metadata.namespace, ref); if (d) this.enqueue(keyOf(d)); return; }
    if (refChanged || !semanticEqual(old.metadata.labels, rs.metadata.labels)) for (const d of this.deploymentsMatching(rs)) this.enqueue(keyOf(d));
  }

  private replicaSetDeleted(rs: any): void {
    const d = this.resolve(rs.metadata.namespace, controllerRef(rs));
    if (d) this.enqueue(keyOf(d));
  }

  /** Recreate waits for old pods to be gone: the last one's deletion is what lets it go on. */
  private podDeleted(p: any): void {
    const ref = controllerRef(p);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.replicasets.get(`${p.metadata.namespace}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const d = this.resolve(rs.metadata.namespace, controllerRef(rs));
    if (!d || d.spec?.strategy?.type !== 'Recreate') return;
    const owned = this.replicasets.byIndex('namespace', d.metadata.namespace).filter((r) => controllerRef(r)?.uid === d.metadata.uid);
    let n = 0;
    for (const pods of this.podMapFor(d, owned).values()) n += pods.length;
    if (n === 0) this.enqueue(keyOf(d));
  }

  // --- the sync ---

  protected async sync(key: string): Promise<void> {
    const cached = this.deployments.get(key);
    if (!cached) return;
    const d = structuredClone(cached); // the cache is shared: never write into it

    if (semanticEqual(d.spec?.selector ?? {}, {})) {
      this.s.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
        await this.s.writeDeployment(d, { status: true });
      }
      return;
    }

    let rsList = await this.claimReplicaSets(d);
    const podMap = this.podMapFor(d, rsList);
    if (d.metadata.deletionTimestamp) return this.s.syncStatusOnly(d, rsList);

    await this.checkPausedConditions(d);
    if (d.spec.paused) return this.s.sync(d, rsList);

    // Deciding whether this is a scaling event brings the new ReplicaSet's annotations up to date;
    // carry that write on so the rollout below does not repeat it from the stale copy.
    const { newRS, oldRSs } = await this.s.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    if (newRS) rsList = rsList.map((rs) => (rs.metadata.uid === newRS.metadata.uid ? newRS : rs));
    const scaling = filterActive([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasAnnotation(rs);
      return desired !== undefined && desired !== specReplicas(d);
    });
    if (scaling) return this.s.sync(d, rsList);

    switch (d.spec.strategy?.type ?? 'RollingUpdate') {
      case 'Recreate': return rolloutRecreate(this.s, d, rsList, podMap);
      case 'RollingUpdate': return rolloutRolling(this.s, d, rsList);
      default: throw new Error(`unexpected deployment strategy type: ${d.spec.strategy.type}`);
    }
  }

  /**
   * The ReplicaSets this Deployment owns, as the ControllerRefManager claims them: owned ones it
   * still selects; orphans it selects are adopted (after checking, with a live read, that the
   * Deployment is not being deleted); owned ones it no longer selects are released.
   */
  private async claimReplicaSets(d: any): Promise<any[]> {
    const ns = d.metadata.namespace;
    let selector;
    try { selector = fromLabelSelector(d.spec.selector); } catch (e) {
      throw new Error(`deployment ${ns}/${d.metadata.name} has invalid label selector: ${(e as Error).message}`);
    }
    let adoptable: Promise<void> | undefined;
    const canAdopt = () => (adoptable ??= this.ctx.client.deployments.get(ns, d.metadata.name).then((fresh) => {
      if (fresh.metadata.uid !== d.metadata.uid) throw new Error(`original Deployment ${ns}/${d.metadata.name} is gone: got uid ${fresh.metadata.uid}, wanted ${d.metadata.uid}`);
      if (fresh.metadata.deletionTimestamp) throw new Error(`${ns}/${d.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }));
    const claimed: any[] = [];
    for (const rs of this.replicasets.byIndex('namespace', ns)) {
      const ref = controllerRef(rs);
      const matches = selector.matches(rs.metadata.labels ?? {});
      if (ref) {
        if (ref.uid !== d.metadata.uid) continue;
        if (matches) { claimed.push(rs); continue; }
        if (d.metadata.deletionTimestamp) continue;
        await this.patchOwner(rs, { metadata: { ownerReferences: [{ $patch: 'delete', uid: d.metadata.uid }], uid: rs.metadata.uid } });
        continue;
      }
      if (!matches || d.metadata.deletionTimestamp || rs.metadata.deletionTimestamp) continue;
      await canAdopt();
      const adopted = await this.patchOwner(rs, { metadata: { ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')], uid: rs.metadata.uid } });
      if (adopted) claimed.push(adopted);
    }
    return claimed;
  }

  /** Adopt or release with a strategic merge patch; a ReplicaSet already gone (or changed under us) is skipped. */
  private async patchOwner(rs: any, patch: unknown): Promise<any | undefined> {
    try {
      return await this.ctx.client.replicasets.patch(rs.metadata.namespace, rs.metadata.name, patch, 'strategic');
    } catch (e) {
      if (e instanceof StatusError && (e.code === 404 || e.code === 422)) return undefined;
      throw e;
    }
  }

  /** The Deployment's pods, by the uid of the ReplicaSet that owns them (every ReplicaSet present, possibly empty). */
  private podMapFor(d: any, rsList: any[]): PodMap {
    const m: PodMap = new Map(rsList.map((rs) => [rs.metadata.uid, []]));
    let selector;
    try { selector = fromLabelSelector(d.spec.selector); } catch { return m; }
    for (const p of this.pods.byIndex('namespace', d.metadata.namespace)) {
      if (!selector.matches(p.metadata.labels ?? {})) continue;
      const ref = controllerRef(p);
      if (ref && m.has(ref.uid)) m.get(ref.uid)!.push(p);
    }
    return m;
  }

  /**
   * Pausing and resuming set Progressing to Unknown (DeploymentPaused / DeploymentResumed), so
   * the time spent paused never counts against progressDeadlineSeconds. A timed-out condition stays.
   */
  private async checkPausedConditions(d: any): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, DEPLOYMENT_PROGRESSING);
    if (cond?.reason === TIMED_OUT_REASON) return;
    const pausedCond = cond?.reason === PAUSED_DEPLOY_REASON;
    d.status ??= {};
    if (d.spec.paused && !pausedCond) setCondition(d.status, newCondition(DEPLOYMENT_PROGRESSING, 'Unknown', PAUSED_DEPLOY_REASON, 'Deployment is paused'));
    else if (!d.spec.paused && pausedCond) setCondition(d.status, newCondition(DEPLOYMENT_PROGRESSING, 'Unknown', RESUMED_DEPLOY_REASON, 'Deployment is resumed'));
    else return;
    await this.s.writeDeployment(d, { status: true });
  }
}
