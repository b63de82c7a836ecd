/**
 * @module controllers/endpointslice/tracker
 * Kubernetes' EndpointSliceTracker: the controller records each slice it wrote (and each it
 * deleted); while the slice cache does not yet show all of a Service's writes, that cache is stale
 * and reconciling the Service again could create duplicate slices or undo the controller's own
 * update. Kubernetes compares generations; skiff's EndpointSlices carry none, so the cache is
 * compared by resourceVersion (skiff's are storage revisions, so a later one is a larger number).
 * Expectations older than five minutes are dropped so a lost event cannot wedge a Service.
 */
const TIMEOUT_MS = 5 * 60_000;

interface Pending { rv: string; deleted: boolean; at: number }

/** Whether the cached resourceVersion shows the write that produced `wrote` (or a later one). */
function shows(cached: string, wrote: string): boolean {
  if (cached === wrote) return true;
  return /^\d+$/.test(cached) && /^\d+$/.test(wrote) && BigInt(cached) >= BigInt(wrote);
}

export class SliceTracker {
  /** service key -> slice uid -> the write not yet seen in the cache. */
  private pending = new Map<string, Map<string, Pending>>();

  wrote(svcKey: string, slice: any): void { this.expect(svcKey, slice.metadata.uid, slice.metadata.resourceVersion, false); }
  deleted(svcKey: string, slice: any): void { this.expect(svcKey, slice.metadata.uid, '', true); }

  private expect(svcKey: string, uid: string, rv: string, deleted: boolean): void {
    let m = this.pending.get(svcKey);
    if (!m) this.pending.set(svcKey, m = new Map());
    m.set(uid, { rv, deleted, at: Date.now() });
  }

  /** True while `cached` (the Service's slices in the informer) lacks one of the controller's writes. */
  stale(svcKey: string, cached: any[]): boolean {
    const m = this.pending.get(svcKey);
    if (!m) return false;
    const byUid = new Map(cached.map((s) => [s.metadata.uid, s]));
    const now = Date.now();
    for (const [uid, p] of m) {
      const s = byUid.get(uid);
      const seen = p.deleted ? !s : !!s && shows(s.metadata.resourceVersion, p.rv);
      if (seen || now - p.at > TIMEOUT_MS) m.delete(uid);
    }
    if (!m.size) { this.pending.delete(svcKey); return false; }
    return true;
  }

  forgetService(svcKey: string): void { this.pending.delete(svcKey); }

  /** The informer saw the slice deleted: nothing about it is pending any more (whoever deleted it). */
  sliceDeleted(svcKey: string, uid: string): void {
    const m = this.pending.get(svcKey);
    if (m?.delete(uid) && !m.size) this.pending.delete(svcKey);
  }
}
