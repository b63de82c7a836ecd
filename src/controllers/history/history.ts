/**
 * @module controllers/history/history
 * Reading and writing an owner's ControllerRevisions through the API (Kubernetes' realHistory):
 * creation that survives hash collisions (a name already taken by different data bumps the
 * collision count and tries the next name), renumbering on rollback, deletion.
 */
import { StatusError } from '../../machinery/status.js';
import type { ResourceClient } from '../../client/rest.js';
import { canonicalJSON } from './hash.js';
import { CONTROLLER_REVISION_HASH_LABEL, controllerRevisionName, hashControllerRevision } from './revision.js';

const MAX_COLLISIONS = 100;

export class ControllerHistory {
  constructor(private readonly revisions: ResourceClient) {}

  /**
   * Store `rev` under its hash name. If that name holds the same data already, that revision is
   * the answer; if it holds different data, count a collision and try the next hash.
   * Returns the stored revision and the collision count it took.
   */
  async create(rev: any, collisionCount: number): Promise<{ revision: any; collisionCount: number }> {
    const ns = rev.metadata.namespace;
    const owner = rev.metadata.ownerReferences?.[0]?.name ?? rev.metadata.name;
    for (let i = 0; i < MAX_COLLISIONS; i++) {
      const hash = hashControllerRevision(rev, collisionCount);
      const clone = structuredClone(rev);
      clone.metadata.name = controllerRevisionName(owner, hash);
      clone.metadata.labels = { ...(clone.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash };
      try {
        return { revision: await this.revisions.create(ns, clone), collisionCount };
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409)) throw e;
      }
      const existing = await this.revisions.get(ns, clone.metadata.name);
      if (canonicalJSON(existing.data ?? null) === canonicalJSON(clone.data ?? null)) return { revision: existing, collisionCount };
      collisionCount++;
    }
    throw new Error(`could not find a free ControllerRevision name for ${ns}/${owner} after ${MAX_COLLISIONS} collisions`);
  }

  /** Give `rev` a new revision number (a rollback makes an old revision the newest again). */
  async updateRevisionNumber(rev: any, revision: number): Promise<any> {
    let cur = structuredClone(rev);
    for (let attempt = 0; ; attempt++) {
      if (cur.revision === revision) return cur;
      cur.revision = revision;
      try {
        return await this.revisions.update(cur.metadata.namespace, cur);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409) || attempt >= 5) throw e;
        cur = await this.revisions.get(rev.metadata.namespace, rev.metadata.name);
      }
    }
  }

  async delete(rev: any): Promise<void> {
    try {
      await this.revisions.delete(rev.metadata.namespace, rev.metadata.name, { preconditions: { uid: rev.metadata.uid } });
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }
}
