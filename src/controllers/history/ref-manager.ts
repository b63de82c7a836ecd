/**
 * @module controllers/history/ref-manager
 * Kubernetes' ControllerRefManager for the StatefulSet and DaemonSet controllers: which of the
 * objects (pods, ControllerRevisions) an owner's selector matches does it control. Orphans that
 * match are adopted (our controllerRef added by a patch guarded by the object's uid); objects it
 * controls that no longer match are released. Before the first adoption the owner is read fresh
 * from the API server: a stale cache must not make a deleted (or re-created) owner adopt anything.
 */
import { StatusError } from '../../machinery/status.js';
import type { LabelSelector } from '../../machinery/labels.js';
import type { ResourceClient } from '../../client/rest.js';
import { controllerRef, newControllerRef } from '../framework.js';

export interface ClaimOptions {
  owner: any;
  apiVersion: string;
  kind: string;
  selector: LabelSelector;
  /** The client of the objects being claimed (pods or controllerrevisions). */
  client: ResourceClient;
  /** Reads the owner fresh from the API server (for the adoption check). */
  getFresh: () => Promise<any>;
  /** Extra condition an object must meet to be adopted (the StatefulSet checks the pod's name). */
  filter?: (obj: any) => boolean;
}

const ignorable = (e: unknown) => e instanceof StatusError && (e.code === 404 || e.code === 409 || e.code === 422);

/** The objects the owner controls after adopting and releasing as its selector says. */
export async function claimObjects(objects: any[], o: ClaimOptions): Promise<any[]> {
  const uid = o.owner.metadata.uid;
  const ownerDeleting = !!o.owner.metadata.deletionTimestamp;
  let canAdopt: Promise<boolean> | undefined;
  const claimed: any[] = [];
  for (const obj of objects) {
    const ref = controllerRef(obj);
    const matches = o.selector.matches(obj.metadata.labels ?? {}) && (o.filter?.(obj) ?? true);
    if (ref) {
      if (ref.uid !== uid) continue; // someone else's
      // An owner being deleted keeps what it has: releasing now would only orphan it.
      if (matches || ownerDeleting) { claimed.push(obj); continue; }
      await release(obj, o);
      continue;
    }
    if (!matches || ownerDeleting || obj.metadata.deletionTimestamp) continue;
    canAdopt ??= o.getFresh().then((fresh) => fresh?.metadata?.uid === uid && !fresh.metadata.deletionTimestamp, () => false);
    if (!(await canAdopt)) continue;
    if (await adopt(obj, o)) claimed.push(obj);
  }
  return claimed;
}

async function adopt(obj: any, o: ClaimOptions): Promise<boolean> {
  try {
    await o.client.patch(obj.metadata.namespace, obj.metadata.name,
      { metadata: { ownerReferences: [newControllerRef(o.owner, o.apiVersion, o.kind)], uid: obj.metadata.uid } }, 'strategic');
    return true;
  } catch (e) {
    if (ignorable(e)) return false;
    throw e;
  }
}

async function release(obj: any, o: ClaimOptions): Promise<void> {
  try {
    await o.client.patch(obj.metadata.namespace, obj.metadata.name,
      { metadata: { ownerReferences: [{ $patch: 'delete', uid: o.owner.metadata.uid }], uid: obj.metadata.uid } }, 'strategic');
  } catch (e) {
    if (!ignorable(e)) throw e;
  }
}
