/**
 * @module client/leaderelection
 * client-go's leader election over a coordination.k8s.io Lease, so several copies of the scheduler
 * or the controller manager can run and exactly one acts. The leader renews the Lease every
 * retry period; a candidate takes it over only when the holder has not renewed it for the lease
 * duration, judged by the candidate's own clock from when it last saw the record change (clocks
 * on different machines are never compared). Every write is a compare-and-swap on the Lease's
 * resourceVersion, so two candidates can never both win. A leader that cannot renew within the
 * renew deadline stops leading (calls onStoppedLeading) before anyone else may take over.
 */
import { StatusError } from '../machinery/status.js';
import type { ResourceClient } from './rest.js';

export interface LeaderElectionConfig {
  leases: ResourceClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

export class LeaderElector {
  private stopped = false;
  private leading = false;
  private observedRecord = '';
  private observedAt = 0;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;

  constructor(private readonly c: LeaderElectionConfig) {
    this.leaseDurationMs = c.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = c.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = c.retryPeriodMs ?? 2_000;
  }

  isLeader(): boolean { return this.leading; }

  run(): void { void this.tick(); }

  /** Stop campaigning; a leader releases the Lease (holder cleared) so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const cur = await this.c.leases.get(this.c.namespace, this.c.name);
      if (cur.spec?.holderIdentity === this.c.identity) {
        cur.spec = { ...cur.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(Date.now()) };
        await this.c.leases.update(this.c.namespace, cur);
      }
    } catch { /* the lease expires on its own */ }
    this.c.onStoppedLeading();
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.retryPeriodMs);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let ok = false;
    try { ok = await this.tryAcquireOrRenew(); } catch { ok = false; }
    if (this.stopped) return;
    const now = Date.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) { this.leading = true; this.c.onStartedLeading(); }
    } else if (this.leading && now - this.lastRenew > this.renewDeadlineMs) {
      this.leading = false;
      this.c.onStoppedLeading();
    }
    this.schedule();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const { leases, namespace, name, identity } = this.c;
    const spec = (prev: any) => ({
      holderIdentity: identity, leaseDurationSeconds: Math.max(1, Math.round(this.leaseDurationMs / 1000)),
      acquireTime: prev?.holderIdentity === identity && prev.acquireTime ? prev.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (prev?.leaseTransitions ?? 0) + (prev && prev.holderIdentity !== identity ? 1 : 0),
    });
    let cur: any;
    try {
      cur = await leases.get(namespace, name);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
      await leases.create(namespace, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: spec(undefined) });
      return true;
    }
    const record = JSON.stringify(cur.spec ?? {});
    if (record !== this.observedRecord) { this.observedRecord = record; this.observedAt = now; }
    const holder = cur.spec?.holderIdentity ?? '';
    const durationMs = (cur.spec?.leaseDurationSeconds ?? 15) * 1000;
    if (holder && holder !== identity && this.observedAt + durationMs > now) return false;
    cur.spec = spec(cur.spec);
    await leases.update(namespace, cur); // 409 when someone else wrote first: we lost this round
    return true;
  }
}
