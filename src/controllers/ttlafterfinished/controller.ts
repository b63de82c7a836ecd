/**
 * @module controllers/ttlafterfinished/controller
 * The TTL-after-finished controller: a Job that has finished (Complete or Failed) and sets
 * spec.ttlSecondsAfterFinished is deleted that many seconds after it finished, its pods with it
 * (propagationPolicy Background, so the garbage collector removes them). Until then the Job's key
 * is requeued for exactly its expiry. Before deleting, the Job is read fresh from the API server
 * so a TTL someone just changed is honoured, and deleted with that version as a precondition.
 */
import { StatusError } from '../../machinery/status.js';
import type { Informer } from '../../client/informer.js';
import { QueueController, keyOf, splitKey, type ControllerContext } from '../framework.js';
import { finishTime, isJobFinished } from '../job/conditions.js';
import { Requeuer } from '../job/requeue.js';

export interface TTLAfterFinishedOptions { now?: () => number }

/** Does this Job wait for the TTL controller (finished, has a TTL, not being deleted)? */
export function needsCleanup(job: any): boolean {
  const ttl = job?.spec?.ttlSecondsAfterFinished;
  return ttl !== undefined && ttl !== null && !job.metadata?.deletionTimestamp && isJobFinished(job);
}

/** When the Job expires (ms since epoch), if it has a TTL and a finish time. */
export function expiresAt(job: any): number | undefined {
  const done = finishTime(job);
  return done === undefined ? undefined : done + job.spec.ttlSecondsAfterFinished * 1000;
}

export class TTLAfterFinishedController extends QueueController {
  private readonly jobs: Informer;
  private readonly requeue = new Requeuer(this.queue);
  private readonly now: () => number;

  constructor(ctx: ControllerContext, opts: TTLAfterFinishedOptions = {}) {
    super('ttl-after-finished', ctx);
    this.now = opts.now ?? Date.now;
    this.jobs = ctx.informers.for('jobs');
    const maybe = (j: any) => { if (needsCleanup(j)) this.enqueue(keyOf(j)); };
    this.jobs.addEventHandler({ add: maybe, update: (_, j) => maybe(j) });
  }

  override stop(): void { this.requeue.stop(); super.stop(); }

  protected async sync(key: string): Promise<void> {
    const cached = this.jobs.get(key);
    if (!needsCleanup(cached) || !this.waitedLongEnough(key, cached)) return;
    // The cache may be behind: decide again on the Job as the API server has it now.
    const [ns, name] = splitKey(key);
    let fresh: any;
    try { fresh = await this.ctx.client.jobs.get(ns, name); } catch (e) { if (e instanceof StatusError && e.code === 404) return; throw e; }
    if (!needsCleanup(fresh) || !this.waitedLongEnough(key, fresh)) return;
    try {
      // Preconditions: the Job we judged, not one made since under the same name.
      await this.ctx.client.jobs.delete(ns, name, { propagationPolicy: 'Background', preconditions: { uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion } });
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
  }

  /** True once expired; otherwise the key comes back at the expiry. */
  private waitedLongEnough(key: string, job: any): boolean {
    const at = expiresAt(job);
    if (at === undefined) return false;
    const left = at - this.now();
    if (left <= 0) return true;
    this.requeue.after(key, left);
    return false;
  }
}
