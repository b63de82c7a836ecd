/**
 * @module controllers/daemonset/revisions
 * A DaemonSet's ControllerRevisions (Kubernetes' constructHistory, snapshot, dedupCurHistories,
 * cleanupHistory): the revision matching the current template is "cur" (created if missing, and
 * renumbered to be the newest), the rest are "old"; its `controller-revision-hash` label is the
 * hash its pods carry. A name taken by a different template bumps status.collisionCount.
 */
import { StatusError } from '../../machinery/status.js';
import type { Clientset } from '../../client/clientset.js';
import { newControllerRef } from '../framework.js';
import { canonicalJSON, computeHash } from '../history/hash.js';
import { controllerRevisionName, sortControllerRevisions, templatePatch } from '../history/revision.js';
import { DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY } from './util.js';

export const API_VERSION = 'apps/v1';
export const KIND = 'DaemonSet';

export const matchesTemplate = (ds: any, rev: any): boolean => canonicalJSON(templatePatch(ds)) === canonicalJSON(rev.data ?? null);

export class DaemonSetHistory {
  constructor(private readonly client: Clientset) {}

  /** The current revision (made or renumbered as needed) and the old ones. */
  async construct(ds: any, histories: any[]): Promise<{ cur: any; old: any[] }> {
    const current: any[] = [], old: any[] = [];
    for (let h of histories) {
      if (!h.metadata.labels?.[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY]) {
        // Older revisions lack the hash label: the name stands in for it.
        const next = structuredClone(h);
        next.metadata.labels = { ...(next.metadata.labels ?? {}), [DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY]: next.metadata.name };
        h = await this.client.controllerrevisions.update(ds.metadata.namespace, next);
      }
      (matchesTemplate(ds, h) ? current : old).push(h);
    }
    const currRevision = Math.max(0, ...old.map((h) => h.revision ?? 0)) + 1;
    let cur: any;
    if (!current.length) cur = await this.snapshot(ds, currRevision);
    else {
      cur = await this.dedup(ds, current);
      if ((cur.revision ?? 0) < currRevision) {
        cur = await this.client.controllerrevisions.update(ds.metadata.namespace, { ...structuredClone(cur), revision: currRevision });
      }
    }
    return { cur, old };
  }

  private async snapshot(ds: any, revision: number): Promise<any> {
    const ns = ds.metadata.namespace;
    const collisionCount = ds.status?.collisionCount;
    const hash = computeHash(ds.spec?.template ?? {}, collisionCount);
    const rev = {
      apiVersion: 'apps/v1', kind: 'ControllerRevision',
      metadata: {
        name: controllerRevisionName(ds.metadata.name, hash), namespace: ns,
        labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY]: hash },
        ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(ds, API_VERSION, KIND)],
      },
      data: templatePatch(ds), revision,
    };
    try {
      return await this.client.controllerrevisions.create(ns, rev);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 409 && e.reason === 'AlreadyExists')) throw e;
      const existing = await this.client.controllerrevisions.get(ns, rev.metadata.name);
      if (matchesTemplate(ds, existing)) return existing;
      // Another template holds this name: bump the collision count (on the fresh object) and retry later.
      const fresh = await this.client.daemonsets.get(ns, ds.metadata.name);
      if ((fresh.status?.collisionCount ?? undefined) !== collisionCount) {
        throw new Error(`found a stale collision count (${collisionCount}, expected ${fresh.status?.collisionCount}) of DaemonSet "${ds.metadata.name}" while processing; will retry until it is updated`);
      }
      fresh.status = { ...(fresh.status ?? {}), collisionCount: (collisionCount ?? 0) + 1 };
      await this.client.daemonsets.updateStatus(ns, { ...fresh, apiVersion: API_VERSION, kind: KIND });
      throw e;
    }
  }

  /** Several revisions with the current template: keep the newest, move its pods' labels over, delete the rest. */
  private async dedup(ds: any, current: any[]): Promise<any> {
    if (current.length === 1) return current[0];
    const sorted = sortControllerRevisions([...current]);
    const keep = sorted[sorted.length - 1];
    const keepHash = keep.metadata.labels[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY];
    const pods = (await this.client.pods.list(ds.metadata.namespace)).items ?? [];
    for (const dup of sorted.slice(0, -1)) {
      const dupHash = dup.metadata.labels[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY];
      for (const p of pods) {
        if (p.metadata.labels?.[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY] !== dupHash || !p.metadata.ownerReferences?.some((r: any) => r.uid === ds.metadata.uid)) continue;
        await this.client.pods.patch(p.metadata.namespace, p.metadata.name, { metadata: { labels: { [DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY]: keepHash } } });
      }
      await this.delete(dup);
    }
    return keep;
  }

  /** Delete the oldest old revisions no pod runs, beyond revisionHistoryLimit. */
  async cleanup(ds: any, old: any[], pods: any[]): Promise<void> {
    let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
    if (toKill <= 0) return;
    const live = new Set(pods.map((p) => p.metadata.labels?.[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY]).filter(Boolean));
    for (const h of sortControllerRevisions([...old])) {
      if (toKill <= 0) break;
      if (live.has(h.metadata.labels?.[DEFAULT_DAEMONSET_UNIQUE_LABEL_KEY])) continue;
      await this.delete(h);
      toKill--;
    }
  }

  private async delete(rev: any): Promise<void> {
    try { await this.client.controllerrevisions.delete(rev.metadata.namespace, rev.metadata.name); } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }
}
