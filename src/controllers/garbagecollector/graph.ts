/**
 * @module controllers/garbagecollector/graph
 * The garbage collector's dependency graph (Kubernetes' GraphBuilder): one node per object seen
 * (by uid), linked to the owners its ownerReferences name and to the dependents that name it. An
 * owner referenced before (or without) being seen is a "virtual" node, to be verified with a live
 * read. Applying an informer event to the graph says which nodes the collector must look at:
 * `attemptToDelete` (dependents whose owner may be gone, owners waiting on their dependents) and
 * `attemptToOrphan` (owners deleted with propagationPolicy=Orphan). The graph itself never calls
 * the API, so it is pure and tested alone.
 */

export interface ObjectIdentity { apiVersion: string; kind: string; namespace: string; name: string; uid: string }
export interface OwnerReference { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

export class GraphNode {
  readonly dependents = new Set<GraphNode>();
  owners: OwnerReference[] = [];
  /** Not (yet) seen through an informer: only known because a dependent names it. */
  virtual = false;
  beingDeleted = false;
  /** Being deleted in the foreground: it goes once its blocking dependents have. */
  deletingDependents = false;
  constructor(public identity: ObjectIdentity) {}

  /** Dependents whose reference to this node has blockOwnerDeletion: these hold a foreground deletion. */
  blockingDependents(): GraphNode[] {
    return [...this.dependents].filter((d) => d.owners.some((r) => r.uid === this.identity.uid && r.blockOwnerDeletion));
  }
}

export interface GraphActions { attemptToDelete: GraphNode[]; attemptToOrphan: GraphNode[] }

const sameIdentity = (a: ObjectIdentity, b: ObjectIdentity) =>
  a.uid === b.uid && a.name === b.name && a.namespace === b.namespace && a.kind === b.kind && a.apiVersion.split('/')[0] === b.apiVersion.split('/')[0];

const deleting = (obj: any) => !!obj?.metadata?.deletionTimestamp;
const hasFinalizer = (obj: any, f: string) => (obj?.metadata?.finalizers ?? []).includes(f);
const waitingForOrphan = (obj: any) => deleting(obj) && hasFinalizer(obj, FINALIZER_ORPHAN);
const waitingForDependents = (obj: any) => deleting(obj) && hasFinalizer(obj, FINALIZER_DELETE_DEPENDENTS);

/** The identity an owner reference gives its owner, seen from a dependent (owners share the dependent's namespace). */
export function ownerIdentity(ref: OwnerReference, dependentNamespace: string): ObjectIdentity {
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace: dependentNamespace };
}

export class DependencyGraph {
  readonly nodes = new Map<string, GraphNode>();

  get(uid: string): GraphNode | undefined { return this.nodes.get(uid); }

  /** An informer event (add/update/delete) for an object of the given apiVersion/kind. */
  observe(type: 'add' | 'update' | 'delete', obj: any, apiVersion: string, kind: string, old?: any): GraphActions {
    const m = obj.metadata;
    return this.apply(type, { apiVersion, kind, namespace: m.namespace ?? '', name: m.name, uid: m.uid }, obj, old, false);
  }

  /** The collector verified (by a live read) that this identity does not exist. */
  virtualDelete(identity: ObjectIdentity): GraphActions {
    return this.apply('delete', identity, undefined, undefined, true);
  }

  private apply(type: 'add' | 'update' | 'delete', id: ObjectIdentity, obj: any, old: any, virtualEvent: boolean): GraphActions {
    const out: GraphActions = { attemptToDelete: [], attemptToOrphan: [] };
    let node = this.nodes.get(id.uid);
    if (node && !virtualEvent && node.virtual) {
      // Seen for real at last. Dependents that named it by other coordinates may be wrong: re-check them.
      if (!sameIdentity(node.identity, id)) {
        for (const d of node.dependents) {
          const ref = d.owners.find((r) => r.uid === id.uid);
          if (ref && !sameIdentity(ownerIdentity(ref, d.identity.namespace), id)) out.attemptToDelete.push(d);
        }
        node.identity = id;
      }
      node.virtual = false;
    }

    if (type !== 'delete') {
      const owners: OwnerReference[] = obj.metadata.ownerReferences ?? [];
      if (!node) {
        node = new GraphNode(id);
        node.owners = owners;
        node.beingDeleted = deleting(obj);
        node.deletingDependents = waitingForDependents(obj);
        this.nodes.set(id.uid, node);
        this.addToOwners(node, owners, out);
      } else {
        const { added, removed, changed } = referenceDiffs(node.owners, owners);
        if (added.length || removed.length || changed.length) {
          // An owner deleting in the foreground may have been waiting on exactly this reference.
          for (const r of [...removed.filter((x) => x.blockOwnerDeletion), ...changed.filter((c) => c.old.blockOwnerDeletion && !c.cur.blockOwnerDeletion).map((c) => c.old)]) {
            const o = this.nodes.get(r.uid);
            if (o?.deletingDependents) out.attemptToDelete.push(o);
          }
          node.owners = owners;
          this.addToOwners(node, added, out);
          for (const r of removed) this.nodes.get(r.uid)?.dependents.delete(node);
        }
        if (deleting(obj)) node.beingDeleted = true;
      }
      // Transitions into "waiting for orphaning" / "waiting for dependents".
      if (waitingForOrphan(obj) && !waitingForOrphan(old)) out.attemptToOrphan.push(node);
      if (waitingForDependents(obj) && !waitingForDependents(old)) {
        node.deletingDependents = true;
        out.attemptToDelete.push(...node.dependents, node);
      } else if (waitingForDependents(obj) && !node.deletingDependents) {
        node.deletingDependents = true;
        out.attemptToDelete.push(node);
      }
      return out;
    }

    if (!node) return out;
    if (virtualEvent && !sameIdentity(node.identity, id)) {
      // Verified absent under other coordinates than the node has: only dependents naming those are affected.
      for (const d of node.dependents) {
        const ref = d.owners.find((r) => r.uid === id.uid);
        if (ref && sameIdentity(ownerIdentity(ref, d.identity.namespace), id)) out.attemptToDelete.push(d);
      }
      return out;
    }
    this.nodes.delete(id.uid);
    for (const r of node.owners) {
      const o = this.nodes.get(r.uid);
      if (!o) continue;
      o.dependents.delete(node);
      // A foreground-deleting owner may have been waiting only for this one.
      if (o.deletingDependents) out.attemptToDelete.push(o);
      // A virtual owner left without dependents is forgotten.
      if (o.virtual && !o.dependents.size) this.nodes.delete(o.identity.uid);
    }
    out.attemptToDelete.push(...node.dependents);
    return out;
  }

  private addToOwners(node: GraphNode, refs: OwnerReference[], out: GraphActions): void {
    for (const r of refs) {
      let o = this.nodes.get(r.uid);
      if (!o) {
        // The owner is not known (yet): a virtual node, to be verified with a live read.
        o = new GraphNode(ownerIdentity(r, node.identity.namespace));
        o.virtual = true;
        this.nodes.set(r.uid, o);
        out.attemptToDelete.push(o);
      }
      o.dependents.add(node);
    }
  }
}

/** How a node's owner references changed: added, removed, and the same uid with other fields. */
export function referenceDiffs(old: OwnerReference[], cur: OwnerReference[]): { added: OwnerReference[]; removed: OwnerReference[]; changed: { old: OwnerReference; cur: OwnerReference }[] } {
  const oldByUid = new Map(old.map((r) => [r.uid, r]));
  const curByUid = new Map(cur.map((r) => [r.uid, r]));
  const added = cur.filter((r) => !oldByUid.has(r.uid));
  const removed = old.filter((r) => !curByUid.has(r.uid));
  const changed: { old: OwnerReference; cur: OwnerReference }[] = [];
  for (const r of cur) {
    const o = oldByUid.get(r.uid);
    if (o && (!!o.blockOwnerDeletion !== !!r.blockOwnerDeletion || !!o.controller !== !!r.controller || o.name !== r.name || o.kind !== r.kind || o.apiVersion !== r.apiVersion)) changed.push({ old: o, cur: r });
  }
  return { added, removed, changed };
}
