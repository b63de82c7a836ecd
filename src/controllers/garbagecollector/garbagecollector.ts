/**
 * @module controllers/garbagecollector/garbagecollector
 * The garbage collector: it watches every resource the server serves that can be listed, watched
 * and deleted (found by discovery, re-checked every 30 s so new CRDs are covered; Events are left
 * out, as in Kubernetes), keeps the ownerReference graph of all those objects, and runs two queues:
 *
 * - attemptToDelete: an object whose owners may all be gone is deleted (with the propagation its
 *   own finalizers ask for); one with a live owner and some dangling ones loses the dangling
 *   references; an owner being deleted in the foreground loses its `foregroundDeletion` finalizer
 *   once no dependent with blockOwnerDeletion is left.
 * - attemptToOrphan: an owner deleted with propagationPolicy=Orphan has itself removed from its
 *   dependents' ownerReferences, then loses its `orphan` finalizer.
 *
 * The graph comes from caches that may be stale, so before acting on "the owner is gone" the
 * collector reads the owner live (and compares uids), as Kubernetes does.
 */
import { StatusError } from '../../machinery/status.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { ResourceClient } from '../../client/rest.js';
import { MAX_RETRIES, type Controller, type ControllerContext } from '../framework.js';
import { apiVersionOf, gvrString, serverPreferredResources, supports, type APIResource } from '../../client/discovery.js';
import { DependencyGraph, FINALIZER_DELETE_DEPENDENTS, FINALIZER_ORPHAN, type GraphActions, type GraphNode, type ObjectIdentity, type OwnerReference } from './graph.js';

/** Resources the collector never watches (Kubernetes' DefaultIgnoredResources). */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);
export const RESYNC_MS = 30_000;
const WORKERS = 5;

const notFound = (e: unknown) => e instanceof StatusError && e.code === 404;
const conflict = (e: unknown) => e instanceof StatusError && e.code === 409;

export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  readonly graph = new DependencyGraph();
  readonly attemptToDelete = new WorkQueue(undefined, 'garbage_collector_attempt_to_delete');
  readonly attemptToOrphan = new WorkQueue(undefined, 'garbage_collector_attempt_to_orphan');
  /** group/kind -> resource, for reading and writing objects named by identity or owner reference. */
  private readonly mapping = new Map<string, APIResource>();
  private readonly monitors = new Set<string>();
  private resync: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Resolves once every monitor started so far has synced and the workers run (for tests). */
  ready: Promise<void>;
  private markReady!: () => void;

  constructor(private readonly ctx: ControllerContext) {
    this.ready = new Promise((r) => { this.markReady = r; });
  }

  run(): void {
    void (async () => {
      // Wait for the first full picture before deleting anything, as Kubernetes waits for its monitors.
      for (;;) {
        if (this.stopped) return;
        try { await this.syncMonitors(); break; } catch (e) { console.error(`skiff garbagecollector: discovery: ${(e as Error).message}`); await new Promise((r) => setTimeout(r, 1000)); }
      }
      if (this.stopped) return;
      for (let i = 0; i < WORKERS; i++) { void this.worker(this.attemptToDelete, (uid) => this.attemptToDeleteItem(uid)); void this.worker(this.attemptToOrphan, (uid) => this.attemptToOrphanItem(uid)); }
      this.resync = setInterval(() => { void this.syncMonitors().catch(() => { /* next round */ }); }, RESYNC_MS);
      this.resync.unref();
      this.markReady();
    })();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.resync);
    this.attemptToDelete.shutDown();
    this.attemptToOrphan.shutDown();
  }

  /** Discover the served resources and watch any not yet watched; resolves when all have synced. */
  async syncMonitors(): Promise<void> {
    const { resources } = await serverPreferredResources(this.ctx.client);
    const waits: Promise<void>[] = [];
    for (const r of resources) {
      this.mapping.set(`${r.group}/${r.kind}`, r);
      if (IGNORED.has(`${r.group}/${r.resource}`) || !supports(r, 'list', 'watch', 'delete')) continue;
      const id = gvrString(r);
      if (this.monitors.has(id)) continue;
      this.monitors.add(id);
      const inf = this.ctx.informers.for(r);
      const apiVersion = apiVersionOf(r);
      inf.addEventHandler({
        add: (o) => this.act(this.graph.observe('add', o, apiVersion, r.kind)),
        update: (old, o) => this.act(this.graph.observe('update', o, apiVersion, r.kind, old)),
        delete: (o) => this.act(this.graph.observe('delete', o, apiVersion, r.kind)),
      });
      waits.push(inf.start());
    }
    await Promise.all(waits);
  }

  /** Which resources are watched (group/version/resource), for tests and logs. */
  watched(): string[] { return [...this.monitors].sort(); }

  private act(a: GraphActions): void {
    for (const n of a.attemptToDelete) this.attemptToDelete.add(n.identity.uid);
    for (const n of a.attemptToOrphan) this.attemptToOrphan.add(n.identity.uid);
  }

  private async worker(q: WorkQueue, fn: (uid: string) => Promise<'done' | 'requeue'>): Promise<void> {
    for (;;) {
      const uid = await q.get();
      if (uid === undefined) return;
      try {
        if ((await fn(uid)) === 'requeue') q.addRateLimited(uid); else q.forget(uid);
      } catch (e) {
        if (q.numRequeues(uid) < MAX_RETRIES) q.addRateLimited(uid);
        else { q.forget(uid); console.error(`skiff garbagecollector: giving up on ${uid}: ${(e as Error).message}`); }
      } finally {
        q.done(uid);
      }
    }
  }

  // ---- reading and writing objects by identity ----

  private resourceFor(apiVersion: string, kind: string): APIResource {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    const r = this.mapping.get(`${group}/${kind}`);
    if (!r) throw new Error(`unable to get REST mapping for ${apiVersion}/${kind}`);
    return r;
  }

  private clientFor(id: { apiVersion: string; kind: string; namespace: string }): { c: ResourceClient; ns: string } {
    const r = this.resourceFor(id.apiVersion, id.kind);
    return { c: this.ctx.client.resource(r), ns: r.namespaced ? id.namespace : '' };
  }

  /** The live object, or undefined when it does not exist (or a different object has its name now). */
  private async getLive(id: ObjectIdentity): Promise<any | undefined> {
    const { c, ns } = this.clientFor(id);
    try {
      const o = await c.get(ns, id.name);
      return o.metadata.uid === id.uid ? o : undefined;
    } catch (e) { if (notFound(e)) return undefined; throw e; }
  }

  /** Read-modify-write with the object's resourceVersion as precondition, retried on conflict. */
  private async modify(id: ObjectIdentity, change: (o: any) => boolean): Promise<void> {
    const { c, ns } = this.clientFor(id);
    for (let attempt = 0; ; attempt++) {
      const o = await this.getLive(id);
      if (!o || !change(o)) return;
      try { await c.update(ns, o); return; } catch (e) {
        if (notFound(e)) return;
        if (!conflict(e) || attempt >= 5) throw e;
      }
    }
  }

  private removeFinalizer(id: ObjectIdentity, f: string): Promise<void> {
    return this.modify(id, (o) => {
      const fs: string[] = o.metadata.finalizers ?? [];
      if (!fs.includes(f)) return false;
      o.metadata.finalizers = fs.filter((x) => x !== f);
      return true;
    });
  }

  private removeOwnerReferences(id: ObjectIdentity, uids: Set<string>): Promise<void> {
    return this.modify(id, (o) => {
      const refs: OwnerReference[] = o.metadata.ownerReferences ?? [];
      const kept = refs.filter((r) => !uids.has(r.uid));
      if (kept.length === refs.length) return false;
      if (kept.length) o.metadata.ownerReferences = kept; else delete o.metadata.ownerReferences;
      return true;
    });
  }

  private async deleteObject(id: ObjectIdentity, policy: 'Orphan' | 'Foreground' | 'Background'): Promise<void> {
    const { c, ns } = this.clientFor(id);
    try { await c.delete(ns, id.name, { preconditions: { uid: id.uid }, propagationPolicy: policy }); } catch (e) {
      if (notFound(e) || conflict(e)) return; // gone already, or another object by that name now
      throw e;
    }
  }

  // ---- the two queues ----

  private async attemptToDeleteItem(uid: string): Promise<'done' | 'requeue'> {
    const item = this.graph.get(uid);
    if (!item) return 'done';
    if (item.beingDeleted && !item.deletingDependents) return 'done';
    const latest = await this.getLive(item.identity);
    if (!latest) {
      // Verified absent: the graph forgets it and its dependents are looked at.
      this.act(this.graph.virtualDelete(item.identity));
      return 'done';
    }
    if (item.deletingDependents) { await this.processDeletingDependents(item); return 'done'; }
    const refs: OwnerReference[] = latest.metadata.ownerReferences ?? [];
    if (refs.length) await this.collect(item, latest, refs);
    // A virtual node that exists but no informer has shown yet is checked again later.
    return item.virtual ? 'requeue' : 'done';
  }

  /** Decide about an object from the live state of each of its owners. */
  private async collect(item: GraphNode, latest: any, refs: OwnerReference[]): Promise<void> {
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const r of refs) {
      const owner = await this.getLive({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, uid: r.uid, namespace: item.identity.namespace });
      if (!owner) dangling.push(r);
      else if (owner.metadata.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FINALIZER_DELETE_DEPENDENTS)) waiting.push(r);
      else solid.push(r);
    }
    if (solid.length) {
      // Still owned: only references to owners that are gone (or going in the foreground) are dropped.
      if (dangling.length || waiting.length) await this.removeOwnerReferences(item.identity, new Set([...dangling, ...waiting].map((r) => r.uid)));
      return;
    }
    if (waiting.length && item.dependents.size) {
      // A dependent of ours is itself deleting in the foreground and may be waiting on us: unblock the
      // owners rather than risk a cycle where each waits for the other.
      if ([...item.dependents].some((d) => d.deletingDependents)) {
        const w = new Set(waiting.map((r) => r.uid));
        await this.modify(item.identity, (o) => {
          let changed = false;
          for (const r of o.metadata.ownerReferences ?? []) if (w.has(r.uid) && r.blockOwnerDeletion) { r.blockOwnerDeletion = false; changed = true; }
          return changed;
        });
      }
      await this.deleteObject(item.identity, 'Foreground');
      return;
    }
    // No live owner: collect it, propagating as its own finalizers ask.
    const fs: string[] = latest.metadata.finalizers ?? [];
    const policy = fs.includes(FINALIZER_ORPHAN) ? 'Orphan' : fs.includes(FINALIZER_DELETE_DEPENDENTS) ? 'Foreground' : 'Background';
    await this.deleteObject(item.identity, policy);
  }

  private async processDeletingDependents(item: GraphNode): Promise<void> {
    const blocking = item.blockingDependents();
    if (!blocking.length) return this.removeFinalizer(item.identity, FINALIZER_DELETE_DEPENDENTS);
    for (const d of blocking) if (!d.deletingDependents) this.attemptToDelete.add(d.identity.uid);
  }

  private async attemptToOrphanItem(uid: string): Promise<'done' | 'requeue'> {
    const owner = this.graph.get(uid);
    if (!owner) return 'done';
    const only = new Set([uid]);
    const errs: string[] = [];
    await Promise.all([...owner.dependents].map((d) => this.removeOwnerReferences(d.identity, only).catch((e) => { errs.push((e as Error).message); })));
    if (errs.length) throw new Error(`failed to orphan dependents of ${owner.identity.kind} ${owner.identity.name}: ${errs.join('; ')}`);
    await this.removeFinalizer(owner.identity, FINALIZER_ORPHAN);
    return 'done';
  }
}
