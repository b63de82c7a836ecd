/**
 * @module controllers/deployment/replicasets
 * Reading a Deployment's ReplicaSets: which one is new (runs the current template), which are old,
 * their replica counts, and the orders upstream sorts them in (by age, by size, by revision) so
 * that scaling decisions are deterministic and old pods go oldest-first.
 */
import { equalIgnoreHash } from './hash.js';
import { specReplicas } from './fenceposts.js';
import { DESIRED_REPLICAS_ANNOTATION, revisionOf } from './annotations.js';

type RS = any;

const sum = (rss: (RS | undefined)[], f: (rs: RS) => number): number => rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
/** Sum of spec.replicas (what the controller has asked for). */
export const replicaCount = (rss: (RS | undefined)[]): number => sum(rss, (rs) => specReplicas(rs));
/** Sum of status.replicas (pods that exist). */
export const actualReplicaCount = (rss: (RS | undefined)[]): number => sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicaCount = (rss: (RS | undefined)[]): number => sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicaCount = (rss: (RS | undefined)[]): number => sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

/** ReplicaSets that are asked to run pods. */
export const filterActive = (rss: (RS | undefined)[]): RS[] => rss.filter((rs) => rs && specReplicas(rs) > 0);

const created = (rs: RS): number => Date.parse(rs.metadata.creationTimestamp ?? '') || 0;

/** Oldest first; the name breaks ties (timestamps have one-second precision). */
export function byCreationTimestamp(a: RS, b: RS): number {
  return created(a) - created(b) || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);
}
/** Largest first, then oldest first: where proportional scaling takes replicas away. */
export const bySizeOlder = (a: RS, b: RS): number => specReplicas(b) - specReplicas(a) || byCreationTimestamp(a, b);
/** Largest first, then newest first: where proportional scaling adds replicas. */
export const bySizeNewer = (a: RS, b: RS): number => specReplicas(b) - specReplicas(a) || byCreationTimestamp(b, a);
/** Lowest revision first (the history cleanup deletes from the front). */
export const byRevision = (a: RS, b: RS): number => revisionOf(a) - revisionOf(b) || byCreationTimestamp(a, b);

/** The oldest ReplicaSet whose template is the Deployment's (ignoring the hash label). */
export function findNewReplicaSet(d: any, rsList: RS[]): RS | undefined {
  return [...rsList].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

/** The other ReplicaSets: `all` of them, and those still asked to run pods (`required`). */
export function findOldReplicaSets(d: any, rsList: RS[]): { required: RS[]; all: RS[] } {
  const newRS = findNewReplicaSet(d, rsList);
  const all = rsList.filter((rs) => !newRS || rs.metadata.uid !== newRS.metadata.uid);
  return { required: all.filter((rs) => specReplicas(rs) !== 0), all };
}

/**
 * FindActiveOrLatest: the single ReplicaSet with replicas, or (none having any) the newest one;
 * undefined when several are active (a rollout is in progress and scaling must be proportional).
 */
export function findActiveOrLatest(newRS: RS | undefined, oldRSs: RS[]): RS | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort(byCreationTimestamp).reverse();
  const active = filterActive([...olds, newRS]);
  if (active.length === 0) return newRS ?? olds[0];
  return active.length === 1 ? active[0] : undefined;
}

/** The new ReplicaSet runs, and was sized for, every replica the Deployment wants, all available. */
export function isSaturated(d: any, rs: RS | undefined): boolean {
  if (!rs) return false;
  const desired = Number.parseInt(rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION] ?? '', 10);
  if (Number.isNaN(desired)) return false;
  const want = specReplicas(d);
  return specReplicas(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}
