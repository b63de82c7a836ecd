/**
 * @module controllers/job/pod-control
 * The Job controller's writes to pods: create (slow start, with creation expectations), delete
 * (with deletion expectations on UIDs), and removal of the job-tracking finalizer (remembering
 * which removals the cache has not shown yet, so a pod is never counted twice). Events
 * SuccessfulCreate / SuccessfulDelete / FailedCreate / FailedDelete as Kubernetes writes them.
 */
import { StatusError } from '../../machinery/status.js';
import type { Clientset } from '../../client/clientset.js';
import type { UIDTrackingExpectations } from '../../client/expectations.js';
import type { EventRecorder } from '../../client/record/recorder.js';
import { INDEX_FAILURE_COUNT_ANNOTATION, INDEX_IGNORED_FAILURE_COUNT_ANNOTATION } from './indexed.js';
import type { Plan } from './manage.js';
import { JOB_TRACKING_FINALIZER, newJobPod } from './pods.js';

/** At most this many pods are created or deleted in one sync (MaxPodCreateDeletePerSync). */
export const MAX_POD_CHANGES_PER_SYNC = 500;

export class PodControl {
  constructor(private readonly client: Clientset, private readonly recorder: EventRecorder,
    private readonly expectations: UIDTrackingExpectations, private readonly finalizerRemovals: Map<string, Set<string>>) {}

  async createPods(key: string, job: any, plan: Plan): Promise<number> {
    const want = plan.createIndexes.length ? plan.createIndexes : Array.from({ length: plan.create }, () => undefined);
    const todo = want.slice(0, MAX_POD_CHANGES_PER_SYNC);
    if (!todo.length) return 0;
    this.expectations.expectCreations(key, todo.length);
    let created = 0;
    // Slow start: 1, 2, 4, ... at a time, so a template the API rejects costs one request, not hundreds.
    for (let batch = 1, i = 0; i < todo.length; batch *= 2) {
      const chunk = todo.slice(i, i + batch);
      i += chunk.length;
      const results = await Promise.allSettled(chunk.map((ix) => this.createPod(job, ix)));
      const failures = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      created += chunk.length - failures.length;
      if (failures.length) {
        // What was never asked for will never be observed.
        this.expectations.lowerExpectations(key, todo.length - created, 0);
        const err = failures[0].reason;
        this.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error)?.message ?? err}`);
        throw err;
      }
    }
    return created;
  }

  private async createPod(job: any, ix?: { index: number; failures: number; ignored: number }): Promise<void> {
    const pod = newJobPod(job, ix?.index);
    if (ix && job.spec?.backoffLimitPerIndex !== undefined) {
      pod.metadata.annotations[INDEX_FAILURE_COUNT_ANNOTATION] = String(ix.failures);
      if (ix.ignored) pod.metadata.annotations[INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(ix.ignored);
    }
    const made = await this.client.pods.create(job.metadata.namespace, pod);
    this.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${made.metadata.name}`);
  }

  async deletePods(key: string, job: any, pods: any[]): Promise<number> {
    if (!pods.length) return 0;
    this.expectations.expectDeletionsOf(key, pods.map((p) => p.metadata.uid));
    let deleted = 0;
    let firstErr: unknown;
    await Promise.all(pods.map(async (p) => {
      try {
        await this.client.pods.delete(p.metadata.namespace, p.metadata.name);
        deleted++;
        this.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (e) {
        this.expectations.deletionObservedOf(key, p.metadata.uid);
        if (!(e instanceof StatusError && e.code === 404)) {
          firstErr ??= e;
          this.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
        }
      }
    }));
    if (firstErr) throw firstErr;
    return deleted;
  }

  /** Remove the tracking finalizer; returns the UIDs whose finalizer is gone (or whose pod is). */
  async removeFinalizers(key: string, pods: any[]): Promise<Set<string>> {
    const done = new Set<string>();
    if (!pods.length) return done;
    let set = this.finalizerRemovals.get(key);
    if (!set) { set = new Set(); this.finalizerRemovals.set(key, set); }
    let firstErr: unknown;
    await Promise.all(pods.map(async (p) => {
      set!.add(p.metadata.uid); // before the request: the informer may report the change before it returns
      try {
        await this.patchOutFinalizer(p);
        done.add(p.metadata.uid);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) { done.add(p.metadata.uid); return; }
        set!.delete(p.metadata.uid);
        firstErr ??= e;
      }
    }));
    if (firstErr) throw firstErr;
    return done;
  }

  patchOutFinalizer(pod: any): Promise<any> {
    // The uid guards against a pod of the same name made since; strategic merge removes just this entry.
    return this.client.pods.patch(pod.metadata.namespace, pod.metadata.name,
      { metadata: { uid: pod.metadata.uid, [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } }, 'strategic');
  }
}
