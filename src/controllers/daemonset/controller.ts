/**
 * @module controllers/daemonset/controller
 * Kubernetes' DaemonSet controller: one pod per eligible node. Informers on DaemonSets, pods,
 * nodes and ControllerRevisions put DaemonSet keys in the queue; a sync claims the set's pods and
 * revisions, then (manage) creates a pod on every node that should run one and has none, deletes
 * pods on nodes that should not (or no longer exist), deletes failed pods (with a per-node backoff,
 * so a kubelet that keeps rejecting the pod is not hammered), runs the update strategy and writes
 * the status. Pods are not bound here: each gets required node affinity for its node and the
 * default scheduler binds it, as upstream. Expectations keep a stale cache from doubling creates.
 */
import { StatusError } from '../../machinery/status.js';
import { fromLabelSelector } from '../../machinery/labels.js';
import { ControllerExpectations } from '../../client/expectations.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, controllerRef, keyOf, newControllerRef, type ControllerContext } from '../framework.js';
import { isPodAvailable, isPodReady } from '../podutil.js';
import { claimObjects } from '../history/ref-manager.js';
import { nodeShouldRunDaemonPod } from './predicates.js';
import { API_VERSION, DaemonSetHistory, KIND } from './revisions.js';
import { rollingUpdate } from './update.js';
import {
  DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY, allowsSurge, createPodTemplate, getTargetNodeName, getTemplateGeneration, isPodUpdated,
  replaceDaemonSetPodNodeNameNodeAffinity,
} from './util.js';
import { FailedPodsBackoff } from './backoff.js';

/** At most this many creations or deletions per sync (as upstream's BurstReplicas). */
export const BURST_REPLICAS = 250;
const SLOW_START_INITIAL_BATCH = 1;
const BY_NAMESPACE = 'namespace';

const withKind = (ds: any) => ({ ...ds, apiVersion: API_VERSION, kind: KIND });
const byCreation = (a: any, b: any) => {
  // Oldest first; among equals, a Running pod before a Pending one, as podByCreationTimestampAndPhase.
  const d = Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? '');
  if (d) return d;
  const rank = (p: any) => (p.status?.phase === 'Running' ? 0 : 1);
  return rank(a) - rank(b) || (a.metadata.name < b.metadata.name ? -1 : 1);
};

export class DaemonSetController extends QueueController {
  readonly expectations = new ControllerExpectations();
  private readonly sets: Informer;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly revisions: Informer;
  private readonly history: DaemonSetHistory;
  private readonly backoff = new FailedPodsBackoff();

  constructor(ctx: ControllerContext) {
    super('daemonset', ctx);
    this.sets = ctx.informers.for('daemonsets');
    this.primary = this.sets;
    this.pods = ctx.informers.for('pods');
    this.nodes = ctx.informers.for('nodes');
    this.revisions = ctx.informers.for('controllerrevisions');
    for (const inf of [this.sets, this.pods, this.revisions]) inf.addIndexer(BY_NAMESPACE, (o) => [o.metadata.namespace]);
    this.history = new DaemonSetHistory(ctx.client);
    this.sets.addEventHandler({
      add: (ds) => this.enqueue(keyOf(ds)),
      update: (_, ds) => this.enqueue(keyOf(ds)),
      delete: (ds) => { this.expectations.delete(keyOf(ds)); this.enqueue(keyOf(ds)); },
    });
    this.pods.addEventHandler({
      add: (p) => { const ds = this.owner(p); if (ds) { this.expectations.creationObserved(keyOf(ds)); this.enqueue(keyOf(ds)); } else this.enqueueMatching(p); },
      update: (old, p) => {
        const o = this.owner(old), n = this.owner(p);
        if (o && o !== n) this.enqueue(keyOf(o));
        if (n) this.enqueue(keyOf(n)); else this.enqueueMatching(p);
      },
      delete: (p) => { const ds = this.owner(p); if (ds) { this.expectations.deletionObserved(keyOf(ds)); this.enqueue(keyOf(ds)); } },
    });
    this.nodes.addEventHandler({
      add: (n) => this.enqueueForNode(n),
      update: (old, n) => this.enqueueForNode(n, old),
      delete: () => { for (const ds of this.sets.list()) this.enqueue(keyOf(ds)); },
    });
    const onRevision = (r: any) => { const ref = controllerRef(r); if (ref?.kind === KIND) this.enqueue(`${r.metadata.namespace}/${ref.name}`); };
    this.revisions.addEventHandler({ add: onRevision, update: (_, r) => onRevision(r), delete: onRevision });
  }

  private owner(p: any): any | undefined {
    const ref = controllerRef(p);
    if (!ref || ref.kind !== KIND) return undefined;
    const ds = this.sets.get(`${p.metadata.namespace}/${ref.name}`);
    return ds?.metadata.uid === ref.uid ? ds : undefined;
  }

  /** An orphan pod: every DaemonSet whose selector matches may adopt it. */
  private enqueueMatching(p: any): void {
    if (controllerRef(p)) return;
    for (const ds of this.sets.byIndex(BY_NAMESPACE, p.metadata.namespace)) {
      if (fromLabelSelector(ds.spec?.selector).matches(p.metadata.labels ?? {})) this.enqueue(keyOf(ds));
    }
  }

  /** A node appeared or changed: the DaemonSets whose verdict on it may have changed. */
  private enqueueForNode(node: any, old?: any): void {
    for (const ds of this.sets.list()) {
      const now = nodeShouldRunDaemonPod(node, ds);
      const before = old ? nodeShouldRunDaemonPod(old, ds) : undefined;
      if (!before ? now.shouldRun : (before.shouldRun !== now.shouldRun || before.shouldContinueRunning !== now.shouldContinueRunning)) this.enqueue(keyOf(ds));
    }
  }

  protected async sync(key: string): Promise<void> {
    const cached = this.sets.get(key);
    if (!cached) { this.expectations.delete(key); return; }
    const ds = structuredClone(cached);
    if (ds.metadata.deletionTimestamp) return;
    const nodes = this.nodes.list();
    const ns = ds.metadata.namespace;
    const selector = fromLabelSelector(ds.spec?.selector);
    const getFresh = () => this.ctx.client.daemonsets.get(ns, ds.metadata.name);
    const histories = await claimObjects(this.revisions.byIndex(BY_NAMESPACE, ns), {
      owner: ds, apiVersion: API_VERSION, kind: KIND, selector, client: this.ctx.client.controllerrevisions, getFresh,
    });
    const { cur, old } = await this.history.construct(ds, histories);
    const hash: string = cur.metadata.labels?.[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY] ?? '';
    const claim = async () => claimObjects(this.pods.byIndex(BY_NAMESPACE, ns), {
      owner: ds, apiVersion: API_VERSION, kind: KIND, selector, client: this.ctx.client.pods, getFresh,
    });

    if (!this.expectations.satisfied(key)) {
      // Waiting to see our own writes: report what is there, change nothing.
      return this.updateStatus(ds, nodes, hash, await claim(), false);
    }
    await this.manage(key, ds, nodes, hash, await claim());
    if (this.expectations.satisfied(key) && (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const { podsToDelete, nodesToCreate } = rollingUpdate(ds, nodes, this.nodeToDaemonPods(await claim()), hash);
      await this.syncNodes(key, ds, podsToDelete, nodesToCreate, hash);
    }
    const pods = await claim();
    await this.history.cleanup(ds, old, pods);
    await this.updateStatus(ds, nodes, hash, pods, true);
  }

  /** Claimed pods by the node they are for (bound or targeted by affinity). */
  private nodeToDaemonPods(pods: any[]): Map<string, any[]> {
    const m = new Map<string, any[]>();
    for (const p of pods) {
      const n = getTargetNodeName(p);
      if (!n) continue;
      (m.get(n) ?? m.set(n, []).get(n)!).push(p);
    }
    return m;
  }

  private async manage(key: string, ds: any, nodes: any[], hash: string, pods: any[]): Promise<void> {
    const byNode = this.nodeToDaemonPods(pods);
    const nodesNeeding: string[] = [];
    const podsToDelete: string[] = [];
    for (const node of nodes) {
      const name = node.metadata.name;
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const daemonPods = byNode.get(name);
      if (shouldRun && !daemonPods?.length) { nodesNeeding.push(name); continue; }
      if (!daemonPods?.length) continue;
      if (!shouldContinueRunning) {
        for (const p of daemonPods) if (!p.metadata.deletionTimestamp) podsToDelete.push(p.metadata.name);
        continue;
      }
      const running: any[] = [];
      for (const p of daemonPods) {
        if (p.metadata.deletionTimestamp) continue;
        if (p.status?.phase === 'Failed') {
          const bkey = `${ds.metadata.uid}/${name}`;
          const wait = this.backoff.remaining(bkey);
          if (wait > 0) { this.queue.addAfter(key, wait); continue; }
          this.backoff.next(bkey);
          this.ctx.recorder.event(withKind(ds), 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${name}, will try to kill it`);
          podsToDelete.push(p.metadata.name);
        } else if (p.status?.phase === 'Succeeded') podsToDelete.push(p.metadata.name);
        else running.push(p);
      }
      if (running.length <= 1) continue;
      running.sort(byCreation);
      if (!allowsSurge(ds)) {
        // Without surge one pod per node: keep the oldest.
        for (const p of running.slice(1)) podsToDelete.push(p.metadata.name);
        continue;
      }
      // With surge: keep the oldest new and the oldest old pod; the old one goes once the new is available.
      let oldestNew: any, oldestOld: any;
      for (const p of running) {
        if (isPodUpdated(p, hash, getTemplateGeneration(ds))) { if (!oldestNew) { oldestNew = p; continue; } } else if (!oldestOld) { oldestOld = p; continue; }
        podsToDelete.push(p.metadata.name);
      }
      if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0))) podsToDelete.push(oldestOld.metadata.name);
    }
    // Unscheduled pods aimed at nodes that no longer exist (bound ones are the pod GC's).
    const known = new Set(nodes.map((n) => n.metadata.name));
    for (const [name, ps] of byNode) {
      if (known.has(name)) continue;
      for (const p of ps) if (!p.spec?.nodeName && !p.metadata.deletionTimestamp) podsToDelete.push(p.metadata.name);
    }
    await this.syncNodes(key, ds, podsToDelete, nodesNeeding, hash);
  }

  /** Create pods on `nodesNeeding` in slow-start batches, delete `podsToDelete`; expectations first. */
  private async syncNodes(key: string, ds: any, podsToDelete: string[], nodesNeeding: string[], hash: string): Promise<void> {
    const createDiff = Math.min(nodesNeeding.length, BURST_REPLICAS);
    const deleteDiff = Math.min(podsToDelete.length, BURST_REPLICAS);
    this.expectations.expectCreations(key, createDiff);
    this.expectations.lowerExpectations(key, 0, -deleteDiff); // i.e. also expect deleteDiff deletions
    const template = createPodTemplate(ds.spec?.template, getTemplateGeneration(ds), hash);
    const errors: unknown[] = [];
    let batch = Math.min(createDiff, SLOW_START_INITIAL_BATCH);
    for (let pos = 0; pos < createDiff; pos += batch, batch = Math.min(2 * batch, createDiff - pos)) {
      const before = errors.length;
      await Promise.all(nodesNeeding.slice(pos, pos + batch).map((node) => this.createPod(ds, template, node).catch((e) => {
        this.expectations.creationObserved(key);
        // A namespace being deleted refuses creates; nothing to retry.
        if (!(e instanceof StatusError && e.code === 403 && /being terminated/.test(e.message))) errors.push(e);
      })));
      if (errors.length > before) {
        const skipped = createDiff - (pos + batch);
        if (skipped > 0) this.expectations.lowerExpectations(key, skipped, 0);
        break;
      }
    }
    await Promise.all(podsToDelete.slice(0, deleteDiff).map((name) => this.deletePod(ds, name).catch((e) => {
      this.expectations.deletionObserved(key);
      if (!(e instanceof StatusError && e.code === 404)) errors.push(e);
    })));
    if (errors.length) throw errors[0];
  }

  private async createPod(ds: any, template: any, nodeName: string): Promise<void> {
    const spec = structuredClone(template.spec ?? {});
    spec.affinity = replaceDaemonSetPodNodeNameNodeAffinity(spec.affinity, nodeName);
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata.name}-`, namespace: ds.metadata.namespace, labels: { ...(template.metadata?.labels ?? {}) },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ...(template.metadata?.finalizers ? { finalizers: [...template.metadata.finalizers] } : {}),
        ownerReferences: [newControllerRef(ds, API_VERSION, KIND)],
      },
      spec,
    };
    try {
      const made = await this.ctx.client.pods.create(ds.metadata.namespace, pod);
      this.ctx.recorder.event(withKind(ds), 'Normal', 'SuccessfulCreate', `Created pod: ${made.metadata.name}`);
    } catch (e) {
      this.ctx.recorder.event(withKind(ds), 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
      throw e;
    }
  }

  private async deletePod(ds: any, name: string): Promise<void> {
    try {
      await this.ctx.client.pods.delete(ds.metadata.namespace, name);
      this.ctx.recorder.event(withKind(ds), 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) this.ctx.recorder.event(withKind(ds), 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
      throw e;
    }
  }

  private async updateStatus(ds: any, nodes: any[], hash: string, pods: any[], updateObservedGeneration: boolean): Promise<void> {
    const byNode = this.nodeToDaemonPods(pods);
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const generation = getTemplateGeneration(ds);
    const s = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0 };
    for (const node of nodes) {
      const scheduled = byNode.get(node.metadata.name) ?? [];
      if (!nodeShouldRunDaemonPod(node, ds).shouldRun) { if (scheduled.length) s.numberMisscheduled++; continue; }
      s.desiredNumberScheduled++;
      if (!scheduled.length) continue;
      s.currentNumberScheduled++;
      const pod = [...scheduled].sort(byCreation)[0];
      if (isPodReady(pod)) {
        s.numberReady++;
        if (isPodAvailable(pod, minReady)) s.numberAvailable++;
      }
      if (isPodUpdated(pod, hash, generation)) s.updatedNumberScheduled++;
    }
    s.numberUnavailable = s.desiredNumberScheduled - s.numberAvailable;
    const observedGeneration = updateObservedGeneration ? ds.metadata.generation : ds.status?.observedGeneration;
    const st = ds.status ?? {};
    const same = Object.entries(s).every(([k, v]) => (st[k] ?? 0) === v) && (st.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0);
    if (!same) {
      try {
        await this.ctx.client.daemonsets.updateStatus(ds.metadata.namespace, { ...withKind(ds), status: { ...st, ...s, ...(observedGeneration !== undefined ? { observedGeneration } : {}) } });
      } catch (e) {
        if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) throw e;
        // 409: the set changed meanwhile; its update event brings us back with the fresh one.
        if (e.code === 409) this.enqueue(keyOf(ds));
      }
    }
    if (minReady > 0 && s.numberReady !== s.numberAvailable) this.queue.addAfter(keyOf(ds), minReady * 1000);
  }
}
