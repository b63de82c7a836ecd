/**
 * @module controllers/deployment/annotations
 * Revision bookkeeping, kept in annotations as upstream does (and as `kubectl rollout history` and
 * `kubectl rollout undo` read it): each ReplicaSet carries the revision it last served as
 * (`deployment.kubernetes.io/revision`) and the earlier ones (`.../revision-history`, when an old
 * template came back), the replica counts it was sized for (`desired-replicas`, `max-replicas`,
 * which proportional scaling reads), and a copy of the Deployment's own annotations (so that
 * `kubernetes.io/change-cause` is remembered per revision). The Deployment carries its current
 * revision.
 */
import { TRACEPARENT_ANNOTATION } from '../../tracing/annotation.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const LAST_APPLIED_CONFIG_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';

/** Upstream's cap on the revision-history annotation. */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

/** Never copied from the Deployment: the controller's own bookkeeping and kubectl apply's record. */
const ANNOTATIONS_TO_SKIP = new Set([
  LAST_APPLIED_CONFIG_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, DEPRECATED_ROLLBACK_TO,
  // The API server's trace context is each object's own (a copy would fight the server's stamp).
  TRACEPARENT_ANNOTATION,
]);
export const skipCopyAnnotation = (key: string): boolean => ANNOTATIONS_TO_SKIP.has(key);

/** strconv.ParseInt's strictness: NaN for anything that is not a plain integer. */
const parseIntStrict = (s: string): number => (/^[+-]?\d+$/.test(s) ? Number(s) : Number.NaN);

/** The revision an object records (0 when it has none or it is not a number). */
export function revisionOf(obj: any): number {
  const v = obj?.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  const n = parseIntStrict(v);
  return Number.isNaN(n) ? 0 : n;
}

export const maxRevision = (rss: any[]): number => rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);

/** Copy the Deployment's annotations (but the skipped ones) onto the ReplicaSet; true when something changed. */
export function copyDeploymentAnnotationsToReplicaSet(d: any, rs: any): boolean {
  rs.metadata.annotations ??= {};
  let changed = false;
  for (const [k, v] of Object.entries<string>(d.metadata.annotations ?? {})) {
    if (skipCopyAnnotation(k) || rs.metadata.annotations[k] === v) continue;
    rs.metadata.annotations[k] = v;
    changed = true;
  }
  return changed;
}

/** Record what the ReplicaSet was sized for; true when something changed. */
export function setReplicasAnnotations(rs: any, desired: number, max: number): boolean {
  rs.metadata.annotations ??= {};
  const a = rs.metadata.annotations;
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) { a[DESIRED_REPLICAS_ANNOTATION] = String(desired); changed = true; }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) { a[MAX_REPLICAS_ANNOTATION] = String(max); changed = true; }
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: any, desired: number, max: number): boolean {
  const a = rs.metadata.annotations;
  return !a || a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** getMaxReplicasAnnotation: what the ReplicaSet's Deployment could run when it was last sized. */
export function maxReplicasAnnotation(rs: any): number | undefined {
  const v = rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION];
  const n = v === undefined ? Number.NaN : parseIntStrict(v);
  return Number.isNaN(n) ? undefined : n;
}

export function desiredReplicasAnnotation(rs: any): number | undefined {
  const v = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  const n = v === undefined ? Number.NaN : parseIntStrict(v);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * SetNewReplicaSetAnnotations: bring the new ReplicaSet's annotations up to date — the
 * Deployment's annotations, a revision that is the highest of all (an old template coming back
 * gets a new number and remembers its earlier ones in revision-history), and, for one about to be
 * created (`exists` false), the replica counts. True when something changed.
 */
export function setNewReplicaSetAnnotations(d: any, rs: any, newRevision: string, exists: boolean, maxSurge: number,
  revHistoryLimitInChars = MAX_REV_HISTORY_LENGTH_IN_CHARS): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  const a = rs.metadata.annotations;
  const hadRevision = REVISION_ANNOTATION in a;
  const oldRevision: string = a[REVISION_ANNOTATION] ?? '';
  let oldRev = parseIntStrict(oldRevision);
  if (Number.isNaN(oldRev)) {
    if (oldRevision !== '') return false; // not ours to fix: upstream leaves it (and logs)
    oldRev = 0;
  }
  const newRev = parseIntStrict(newRevision);
  if (Number.isNaN(newRev)) return false;
  if (oldRev < newRev) {
    a[REVISION_ANNOTATION] = newRevision;
    changed = true;
    // Rolled back to this ReplicaSet: keep the revisions it served before.
    if (hadRevision) {
      const history: string = a[REVISION_HISTORY_ANNOTATION] ?? '';
      if (history === '') a[REVISION_HISTORY_ANNOTATION] = oldRevision;
      else {
        const olds = history.split(',');
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > revHistoryLimitInChars && start < olds.length) { total -= olds[start].length + 1; start++; }
        if (total <= revHistoryLimitInChars) a[REVISION_HISTORY_ANNOTATION] = [...olds.slice(start), oldRevision].join(',');
      }
    }
  }
  const desired = d.spec?.replicas ?? 1;
  if (!exists && setReplicasAnnotations(rs, desired, desired + maxSurge)) changed = true;
  return changed;
}

/** Set the Deployment's revision annotation; true when it changed. */
export function setDeploymentRevision(d: any, revision: string): boolean {
  d.metadata.annotations ??= {};
  if (d.metadata.annotations[REVISION_ANNOTATION] === revision) return false;
  d.metadata.annotations[REVISION_ANNOTATION] = revision;
  return true;
}
