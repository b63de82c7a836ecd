/**
 * @module controllers/history/revision
 * ControllerRevisions, the immutable snapshots a StatefulSet or DaemonSet keeps of its pod
 * template so it can tell old pods from new ones and roll back (Kubernetes' controller/history):
 * how a revision is named and hashed, compared, ordered and numbered. A revision's `data` is the
 * strategic merge patch that restores the template (`{"spec":{"template":{..., "$patch":"replace"}}}`).
 */
import { newControllerRef } from '../framework.js';
import { canonicalJSON, computeHash } from './hash.js';

/** The label every ControllerRevision carries with the hash of its data. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** A revision name is `<owner>-<hash>`; the owner part is cut so the name stays within 253 characters. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

export function hashControllerRevision(rev: any, collisionCount?: number): string {
  return computeHash(rev.data ?? null, collisionCount);
}

/**
 * A new (not yet stored) revision of `parent` holding `data`, named and labelled by its hash. Its
 * labels are the template's, so the owner's selector finds it, and it is controlled by the owner.
 */
export function newControllerRevision(parent: any, apiVersion: string, kind: string, templateLabels: Record<string, string> | undefined,
  data: unknown, revision: number, collisionCount?: number): any {
  const rev: any = {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: { namespace: parent.metadata.namespace, labels: { ...(templateLabels ?? {}) }, ownerReferences: [newControllerRef(parent, apiVersion, kind)] },
    data, revision,
  };
  const hash = hashControllerRevision(rev, collisionCount);
  rev.metadata.name = controllerRevisionName(parent.metadata.name, hash);
  rev.metadata.labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  return rev;
}

/** Same data (the hash label is checked first, as a cheap filter, when both carry one). */
export function equalRevision(a: any, b: any): boolean {
  if (!a || !b) return a === b;
  const ha = a.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL], hb = b.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  if (ha && hb && ha !== hb) return false;
  return canonicalJSON(a.data ?? null) === canonicalJSON(b.data ?? null);
}

export function findEqualRevisions(revisions: any[], needle: any): any[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

const created = (r: any) => Date.parse(r.metadata?.creationTimestamp ?? '') || 0;

/** Oldest first: by revision number, then creation time, then name. */
export function sortControllerRevisions(revisions: any[]): any[] {
  return revisions.sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0) || created(a) - created(b) || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

/** One more than the highest revision number (1 for an empty history); expects sorted revisions. */
export function nextRevision(sorted: any[]): number {
  return sorted.length ? (sorted[sorted.length - 1].revision ?? 0) + 1 : 1;
}

/** The snapshot a StatefulSet or DaemonSet keeps: its pod template, as a patch that replaces it back. */
export function templatePatch(owner: any): any {
  return { spec: { template: { ...structuredClone(owner.spec?.template ?? {}), $patch: 'replace' } } };
}

/** The owner with the template a revision recorded (ApplyRevision for a `$patch: replace` template). */
export function applyRevision(owner: any, rev: any): any {
  const clone = structuredClone(owner);
  const tpl = rev?.data?.spec?.template;
  if (tpl) {
    const t = structuredClone(tpl);
    delete t.$patch;
    clone.spec = { ...(clone.spec ?? {}), template: t };
  }
  return clone;
}
