/**
 * @module client/expectations
 * client-go's ControllerExpectations: after a controller asks for N pods to be created (or
 * deleted) it must not act on the same owner again until its informer has seen those N changes,
 * or a stale cache would make it create them twice. Expectations expire after five minutes so a
 * lost watch event cannot wedge a controller forever.
 */
const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expectation { add: number; del: number; at: number }

export class ControllerExpectations {
  private m = new Map<string, Expectation>();

  /** True when the controller may sync `key`: nothing outstanding, or the expectations expired. */
  satisfied(key: string): boolean {
    const e = this.m.get(key);
    if (!e) return true;
    return (e.add <= 0 && e.del <= 0) || Date.now() - e.at > EXPECTATIONS_TIMEOUT_MS;
  }

  /** Expect `add` creations and `del` deletions for `key` (replacing what was expected). */
  setExpectations(key: string, add: number, del: number): void { this.m.set(key, { add, del, at: Date.now() }); }
  expectCreations(key: string, n: number): void { this.setExpectations(key, n, 0); }
  expectDeletions(key: string, n: number): void { this.setExpectations(key, 0, n); }
  creationObserved(key: string): void { const e = this.m.get(key); if (e) e.add--; }
  deletionObserved(key: string): void { const e = this.m.get(key); if (e) e.del--; }
  /** A create the controller asked for failed: it will never be observed. */
  lowerExpectations(key: string, add: number, del: number): void { const e = this.m.get(key); if (e) { e.add -= add; e.del -= del; } }
  delete(key: string): void { this.m.delete(key); }
}

/** Expectations on named items (which pods to delete), as the ReplicaSet controller's UIDTrackingControllerExpectations. */
export class UIDTrackingExpectations extends ControllerExpectations {
  private uids = new Map<string, Set<string>>();
  expectDeletionsOf(key: string, uids: string[]): void { this.uids.set(key, new Set(uids)); this.expectDeletions(key, uids.length); }
  deletionObservedOf(key: string, uid: string): void {
    const s = this.uids.get(key);
    if (s?.delete(uid)) this.deletionObserved(key);
  }
  override delete(key: string): void { super.delete(key); this.uids.delete(key); }
}
