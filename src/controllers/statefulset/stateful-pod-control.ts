/**
 * @module controllers/statefulset/stateful-pod-control
 * The writes the StatefulSet control loop makes for one pod (Kubernetes' StatefulPodControl):
 * create its PVCs and then the pod, bring an existing pod's identity and storage back in line,
 * delete it; and keep the PVCs' ownerReferences as persistentVolumeClaimRetentionPolicy asks, so
 * the garbage collector deletes them with the set (whenDeleted: Delete) or with a scaled-down pod
 * (whenScaled: Delete). Each write is reported as an Event on the StatefulSet, in upstream's words.
 */
import { StatusError } from '../../machinery/status.js';
import type { Clientset } from '../../client/clientset.js';
import type { Informer } from '../../client/informer.js';
import type { EventRecorder } from '../../client/record/recorder.js';
import { newControllerRef } from '../framework.js';
import {
  API_VERSION, KIND, getOrdinal, getPersistentVolumeClaims, identityMatches, podInOrdinalRange, retentionPolicy,
  storageMatches, updateIdentity, updateStorage,
} from './stateful-set-utils.js';

const title = (s: string) => s[0].toUpperCase() + s.slice(1);
const withKind = (set: any) => ({ ...set, apiVersion: API_VERSION, kind: KIND });
const isNotFound = (e: unknown) => e instanceof StatusError && e.code === 404;
const isAlreadyExists = (e: unknown) => e instanceof StatusError && e.code === 409 && e.reason === 'AlreadyExists';

/** The writes, behind an interface so the control loop can be tested without a server. */
export interface PodControl {
  createStatefulPod(set: any, pod: any): Promise<void>;
  updateStatefulPod(set: any, pod: any): Promise<void>;
  deleteStatefulPod(set: any, pod: any): Promise<void>;
  /** Create the pod's PVCs that are missing (a pod stuck Pending may have lost one). */
  createMissingPersistentVolumeClaims(set: any, pod: any): Promise<void>;
  /** True when a PVC of the pod is still owned by an earlier pod of the same name (wait for the GC). */
  podClaimIsStale(set: any, pod: any): boolean;
  /** True when every PVC of the pod has the ownerReferences the retention policy asks for. */
  claimsMatchRetentionPolicy(set: any, pod: any): boolean;
  updatePodClaimForRetentionPolicy(set: any, pod: any): Promise<void>;
}

export class StatefulPodControl implements PodControl {
  constructor(private readonly client: Clientset, private readonly claims: Informer, private readonly recorder: EventRecorder) {}

  async createStatefulPod(set: any, pod: any): Promise<void> {
    try {
      await this.createPersistentVolumeClaims(set, pod);
    } catch (e) {
      this.recordPodEvent('create', set, pod, e);
      throw e;
    }
    let created: any;
    try {
      created = await this.client.pods.create(pod.metadata.namespace, pod);
    } catch (e) {
      // Already there: the informer is behind; the next sync sees it. Not worth an event.
      if (isAlreadyExists(e)) throw e;
      this.recordPodEvent('create', set, pod, e);
      throw e;
    }
    this.recordPodEvent('create', set, pod);
    try {
      // The created pod carries its uid, which a scale-down ownerReference needs.
      await this.updatePodClaimForRetentionPolicy(set, created ?? pod);
    } catch (e) {
      this.recordPodEvent('update', set, pod, e);
      throw e;
    }
  }

  /** Bring identity, storage and claim ownership back in line, re-reading the pod on conflict. */
  async updateStatefulPod(set: any, pod: any): Promise<void> {
    let cur = structuredClone(pod);
    for (let attempt = 0; ; attempt++) {
      let changed = false;
      if (!identityMatches(set, cur)) { updateIdentity(set, cur); changed = true; }
      if (!storageMatches(set, cur)) {
        updateStorage(set, cur);
        changed = true;
        try { await this.createPersistentVolumeClaims(set, cur); } catch (e) { this.recordPodEvent('update', set, cur, e); throw e; }
      }
      try {
        if (!this.claimsMatchRetentionPolicy(set, cur)) await this.updatePodClaimForRetentionPolicy(set, cur);
        if (!changed) return;
        await this.client.pods.update(cur.metadata.namespace, cur);
        this.recordPodEvent('update', set, cur);
        return;
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409) || attempt >= 5) { this.recordPodEvent('update', set, cur, e); throw e; }
        cur = await this.client.pods.get(pod.metadata.namespace, pod.metadata.name);
      }
    }
  }

  async deleteStatefulPod(set: any, pod: any): Promise<void> {
    try {
      await this.client.pods.delete(pod.metadata.namespace, pod.metadata.name, { preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (isNotFound(e)) return;
      this.recordPodEvent('delete', set, pod, e);
      throw e;
    }
    this.recordPodEvent('delete', set, pod);
  }

  createMissingPersistentVolumeClaims(set: any, pod: any): Promise<void> {
    return this.createPersistentVolumeClaims(set, pod);
  }

  private async createPersistentVolumeClaims(set: any, pod: any): Promise<void> {
    const errs: string[] = [];
    for (const claim of getPersistentVolumeClaims(set, getOrdinal(pod)).values()) {
      const existing = this.claims.get(`${claim.metadata.namespace}/${claim.metadata.name}`);
      if (existing) {
        if (existing.metadata.deletionTimestamp) errs.push(`pvc ${claim.metadata.name} is being deleted`);
        continue;
      }
      try {
        await this.client.persistentvolumeclaims.create(claim.metadata.namespace, claim);
        this.recordClaimEvent(set, pod, claim);
      } catch (e) {
        if (isAlreadyExists(e)) continue; // the cache is behind: it exists
        errs.push(`failed to create PVC ${claim.metadata.name}: ${(e as Error).message}`);
        this.recordClaimEvent(set, pod, claim, e);
      }
    }
    if (errs.length) throw new Error(errs.join('; '));
  }

  podClaimIsStale(set: any, pod: any): boolean {
    const p = retentionPolicy(set);
    if (p.whenDeleted === 'Retain' && p.whenScaled === 'Retain') return false;
    for (const claim of getPersistentVolumeClaims(set, getOrdinal(pod)).values()) {
      const pvc = this.claims.get(`${claim.metadata.namespace}/${claim.metadata.name}`);
      // An ownerRef to a pod of this name whose uid is not the pod's: the old pod's claim, soon collected.
      if (pvc?.metadata.ownerReferences?.some((r: any) => r.kind === 'Pod' && r.name === pod.metadata.name && r.uid !== pod.metadata.uid)) return true;
    }
    return false;
  }

  claimsMatchRetentionPolicy(set: any, pod: any): boolean {
    for (const claim of getPersistentVolumeClaims(set, getOrdinal(pod)).values()) {
      const pvc = this.claims.get(`${claim.metadata.namespace}/${claim.metadata.name}`);
      if (pvc && !isClaimOwnerUpToDate(pvc, set, pod)) return false;
    }
    return true;
  }

  async updatePodClaimForRetentionPolicy(set: any, pod: any): Promise<void> {
    for (const claim of getPersistentVolumeClaims(set, getOrdinal(pod)).values()) {
      const pvc = this.claims.get(`${claim.metadata.namespace}/${claim.metadata.name}`);
      if (!pvc || isClaimOwnerUpToDate(pvc, set, pod)) continue;
      const next = { ...structuredClone(pvc), apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
      next.metadata.ownerReferences = claimOwnerRefs(pvc, set, pod);
      // An update with the cached resourceVersion: a concurrent change answers 409 and the sync is retried.
      await this.client.persistentvolumeclaims.update(pvc.metadata.namespace, next);
    }
  }

  private recordPodEvent(verb: string, set: any, pod: any, err?: unknown): void {
    if (err === undefined) {
      this.recorder.event(withKind(set), 'Normal', `Successful${title(verb)}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } else {
      this.recorder.event(withKind(set), 'Warning', `Failed${title(verb)}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error)?.message ?? err}`);
    }
  }

  private recordClaimEvent(set: any, pod: any, claim: any, err?: unknown): void {
    if (err === undefined) {
      this.recorder.event(withKind(set), 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
    } else {
      this.recorder.event(withKind(set), 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(err as Error)?.message ?? err}`);
    }
  }
}

// Retention policy as ownerReferences (Kubernetes' isClaimOwnerUpToDate / updateClaimOwnerRefForSetAndPod):
//   Retain/Retain: neither the set nor the pod owns the claim;
//   whenDeleted Delete: the set controls it (while the pod is in range);
//   whenScaled Delete: the pod controls it once the pod is out of range (about to be scaled away).

const matchesRef = (r: any, obj: any, apiVersion: string, kind: string) => r.apiVersion === apiVersion && r.kind === kind && r.name === obj.metadata.name;
const hasOwnerRef = (claim: any, owner: any) => !!owner.metadata.uid && (claim.metadata.ownerReferences ?? []).some((r: any) => r.uid === owner.metadata.uid);

function hasStaleOwnerRef(claim: any, obj: any, apiVersion: string, kind: string): boolean {
  const r = (claim.metadata.ownerReferences ?? []).find((x: any) => matchesRef(x, obj, apiVersion, kind));
  return !!r && r.uid !== obj.metadata.uid;
}

function hasUnexpectedController(claim: any, set: any, pod: any): boolean {
  const p = retentionPolicy(set);
  if (p.whenDeleted === 'Retain' && p.whenScaled === 'Retain') return false;
  for (const r of claim.metadata.ownerReferences ?? []) {
    if (matchesRef(r, set, API_VERSION, KIND)) { if (r.uid !== set.metadata.uid) return true; continue; }
    if (matchesRef(r, pod, 'v1', 'Pod')) { if (r.uid !== pod.metadata.uid) return true; continue; }
    if (r.controller) return true;
  }
  return false;
}

function hasNonControllerOwner(claim: any, set: any, pod: any): boolean {
  return (claim.metadata.ownerReferences ?? []).some((r: any) => (r.uid === set.metadata.uid || (pod.metadata.uid && r.uid === pod.metadata.uid)) && !r.controller);
}

export function isClaimOwnerUpToDate(claim: any, set: any, pod: any): boolean {
  if (hasStaleOwnerRef(claim, set, API_VERSION, KIND) || (pod.metadata.uid && hasStaleOwnerRef(claim, pod, 'v1', 'Pod'))) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const p = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  const wantSet = p.whenDeleted === 'Delete' && !(p.whenScaled === 'Delete' && scaledDown);
  const wantPod = p.whenScaled === 'Delete' && scaledDown;
  return hasOwnerRef(claim, set) === wantSet && hasOwnerRef(claim, pod) === wantPod;
}

/** The claim's ownerReferences with ours scrubbed and re-added as the policy says. */
export function claimOwnerRefs(claim: any, set: any, pod: any): any[] {
  const unexpected = hasUnexpectedController(claim, set, pod);
  const refs = (claim.metadata.ownerReferences ?? []).filter((r: any) => !matchesRef(r, set, API_VERSION, KIND) && !matchesRef(r, pod, 'v1', 'Pod'));
  if (unexpected) return refs;
  const p = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (p.whenScaled === 'Delete' && scaledDown && pod.metadata.uid) refs.push(newControllerRef(pod, 'v1', 'Pod'));
  if (p.whenDeleted === 'Delete' && !(p.whenScaled === 'Delete' && scaledDown)) refs.push(newControllerRef(set, API_VERSION, KIND));
  return refs;
}
