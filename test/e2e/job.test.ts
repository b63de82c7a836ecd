/**
 * End-to-end: the Job and TTL-after-finished controllers against a real `skiff server`, each as
 * its own ServiceAccount. There is no kubelet: the test plays it, setting pods' status to
 * Succeeded or Failed with their containers' exit codes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { runControllers, until, type RunningControllers, NO_COMPONENTS } from '../support/controllers.js';
import { StatusError } from '../../src/machinery/status.js';
import { jobDescriptor } from '../../src/controllers/job/index.js';
import { descriptor as ttlDescriptor } from '../../src/controllers/ttlafterfinished/index.js';
import { descriptor as gcDescriptor } from '../../src/controllers/garbagecollector/index.js';

const NS = 'jobs';

function job(name: string, spec: any = {}): any {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: NS },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] }, ...(spec.template ?? {}) } },
  };
}

describe('job controller', () => {
  let srv: SkiffServer;
  let run: RunningControllers;
  const cs = () => run.cs;

  const podsOf = async (name: string) =>
    (await cs().pods.list(NS, { labelSelector: `batch.kubernetes.io/job-name=${name}` })).items as any[];
  const activePods = async (name: string) => (await podsOf(name)).filter((p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase));
  const condition = (j: any, type: string) => j.status?.conditions?.find((c: any) => c.type === type && c.status === 'True');

  /** Play the kubelet: the pod's only container exits with `exitCode`. */
  async function finish(pod: any, exitCode: number): Promise<void> {
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    for (;;) {
      const cur = await cs().pods.get(NS, pod.metadata.name);
      cur.status = {
        ...cur.status, phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        containerStatuses: [{ name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 0,
          state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: at, finishedAt: at } } }],
      };
      try { await cs().pods.updateStatus(NS, cur); return; } catch (e) { if (!(e instanceof StatusError && e.code === 409)) throw e; }
    }
  }

  before(async () => {
    srv = await startSkiffServer({ args: NO_COMPONENTS });
    // The garbage collector releases an orphan-propagated Job (its `orphan` finalizer).
    run = await runControllers(srv, [jobDescriptor({ podFailureBackoffMs: 300 }), ttlDescriptor, gcDescriptor]);
    await cs().namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => { await run?.stop(); await srv?.stop(); });

  it('runs completions 3 with parallelism 2 to Complete, counting each pod once', async () => {
    const made = await cs().jobs.create(NS, job('three', { completions: 3, parallelism: 2 }));
    let pods = await until(async () => { const a = await activePods('three'); return a.length === 2 ? a : undefined; }, 'two active pods');
    const p = pods[0];
    assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], made.metadata.uid);
    assert.equal(p.metadata.labels['controller-uid'], made.metadata.uid);
    assert.equal(p.metadata.labels['job-name'], 'three');
    assert.deepEqual(p.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
    assert.deepEqual(p.metadata.ownerReferences.map((r: any) => [r.kind, r.name, r.controller]), [['Job', 'three', true]]);
    await until(async () => (await cs().jobs.get(NS, 'three')).status?.active === 2, 'status.active 2');

    await finish(pods[0], 0);
    // One success leaves one to go beside the one running: still two active, never three.
    await until(async () => (await activePods('three')).length === 2 && (await cs().jobs.get(NS, 'three')).status?.succeeded === 1, 'a replacement and succeeded 1');
    pods = await activePods('three');
    await finish(pods[0], 0);
    await until(async () => (await cs().jobs.get(NS, 'three')).status?.succeeded === 2, 'succeeded 2');
    assert.equal((await activePods('three')).length, 1, 'only one completion remains, so only one pod runs');
    await finish((await activePods('three'))[0], 0);
    const done = await until(async () => { const j = await cs().jobs.get(NS, 'three'); return condition(j, 'Complete') && j; }, 'the Complete condition');
    assert.equal(done.status.succeeded, 3);
    assert.equal(done.status.active, 0);
    assert.ok(done.status.completionTime && done.status.startTime);
    assert.equal(condition(done, 'SuccessCriteriaMet')?.reason, 'CompletionsReached');
    assert.equal(condition(done, 'Complete')?.message, 'Reached expected number of succeeded pods');
    assert.deepEqual(done.status.uncountedTerminatedPods ?? {}, {});
    const all = await podsOf('three');
    assert.equal(all.length, 3);
    assert.ok(all.every((x) => !x.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking')), 'finalizers removed once counted');
    await until(async () => {
      const evs = (await cs().events.list(NS)).items.filter((e: any) => e.involvedObject.name === 'three');
      return evs.filter((e: any) => e.reason === 'SuccessfulCreate').length === 3 && evs.some((e: any) => e.reason === 'Completed' && e.message === 'Job completed');
    }, 'the SuccessfulCreate and Completed events');
  });

  it('fails the Job with BackoffLimitExceeded once failures pass backoffLimit', async () => {
    await cs().jobs.create(NS, job('flaky', { backoffLimit: 1 }));
    const first = await until(async () => (await activePods('flaky'))[0], 'the first pod');
    await finish(first, 1);
    const second = await until(async () => (await activePods('flaky')).find((p) => p.metadata.name !== first.metadata.name), 'a replacement after the backoff');
    await finish(second, 2);
    const failed = await until(async () => { const j = await cs().jobs.get(NS, 'flaky'); return condition(j, 'Failed') && j; }, 'the Failed condition');
    assert.equal(condition(failed, 'Failed').reason, 'BackoffLimitExceeded');
    assert.equal(condition(failed, 'Failed').message, 'Job has reached the specified backoff limit');
    assert.equal(condition(failed, 'FailureTarget').reason, 'BackoffLimitExceeded');
    assert.equal(failed.status.failed, 2);
    assert.equal(failed.status.completionTime, undefined);
    assert.equal((await podsOf('flaky')).length, 2, 'no pod after the limit');
    await until(async () => (await cs().events.list(NS)).items.some((e: any) => e.involvedObject.name === 'flaky' && e.reason === 'BackoffLimitExceeded' && e.type === 'Warning'), 'the BackoffLimitExceeded event');
  });

  it('runs an Indexed Job: one pod per index, completedIndexes as ranges', async () => {
    await cs().jobs.create(NS, job('idx', { completions: 4, parallelism: 2, completionMode: 'Indexed' }));
    let pods = await until(async () => { const a = await activePods('idx'); return a.length === 2 ? a : undefined; }, 'two indexed pods');
    const ix = (p: any) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'];
    assert.deepEqual(pods.map(ix).sort(), ['0', '1']);
    const p0 = pods.find((p) => ix(p) === '0');
    assert.equal(p0.spec.hostname, 'idx-0');
    assert.match(p0.metadata.name, /^idx-0-/);
    assert.equal(p0.metadata.labels['batch.kubernetes.io/job-completion-index'], '0');
    assert.deepEqual(p0.spec.containers[0].env.find((e: any) => e.name === 'JOB_COMPLETION_INDEX').valueFrom.fieldRef.fieldPath,
      "metadata.annotations['batch.kubernetes.io/job-completion-index']");
    await finish(p0, 0);
    pods = await until(async () => { const a = await activePods('idx'); return a.length === 2 && a.some((p) => ix(p) === '2') ? a : undefined; }, 'index 2 started');
    await finish(pods.find((p) => ix(p) === '2'), 0);
    await until(async () => (await cs().jobs.get(NS, 'idx')).status?.completedIndexes === '0,2', 'completedIndexes 0,2');
    for (const want of ['1', '3']) {
      const p = await until(async () => (await activePods('idx')).find((x) => ix(x) === want), `index ${want}`);
      await finish(p, 0);
    }
    const done = await until(async () => { const j = await cs().jobs.get(NS, 'idx'); return condition(j, 'Complete') && j; }, 'the Indexed Job completes');
    assert.equal(done.status.completedIndexes, '0-3');
    assert.equal(done.status.succeeded, 4);
  });

  it('fails a Job past activeDeadlineSeconds and deletes its pods', async () => {
    await cs().jobs.create(NS, job('slow', { parallelism: 2, completions: 2, activeDeadlineSeconds: 2 }));
    await until(async () => (await activePods('slow')).length === 2, 'two pods');
    const failed = await until(async () => { const j = await cs().jobs.get(NS, 'slow'); return condition(j, 'Failed') && j; }, 'the DeadlineExceeded failure', 20_000);
    assert.equal(condition(failed, 'Failed').reason, 'DeadlineExceeded');
    assert.equal(condition(failed, 'Failed').message, 'Job was active longer than specified deadline');
    assert.equal(failed.status.active, 0);
    // The deleted pods were counted as failed, their finalizers removed, so they are gone.
    assert.equal(failed.status.failed, 2);
    await until(async () => (await podsOf('slow')).length === 0, 'the pods deleted');
  });

  it('fails at once on a podFailurePolicy FailJob rule, and ignores what an Ignore rule says', async () => {
    await cs().jobs.create(NS, job('policy', { backoffLimit: 0, podFailurePolicy: { rules: [
      { action: 'Ignore', onExitCodes: { operator: 'In', values: [3] } },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
    ] } }));
    const first = await until(async () => (await activePods('policy'))[0], 'the first pod');
    await finish(first, 3);
    const second = await until(async () => (await activePods('policy')).find((p) => p.metadata.name !== first.metadata.name), 'a replacement (an ignored failure does not count)');
    assert.equal((await cs().jobs.get(NS, 'policy')).status.failed ?? 0, 0);
    await finish(second, 42);
    const failed = await until(async () => { const j = await cs().jobs.get(NS, 'policy'); return condition(j, 'Failed') && j; }, 'the PodFailurePolicy failure');
    assert.equal(condition(failed, 'Failed').reason, 'PodFailurePolicy');
    assert.equal(condition(failed, 'Failed').message, `Container main for pod ${NS}/${second.metadata.name} failed with exit code 42 matching FailJob rule at index 1`);
    assert.equal(failed.status.failed, 1);
  });

  it('suspends and resumes a Job', async () => {
    await cs().jobs.create(NS, job('paused', { suspend: true, parallelism: 1, completions: 1 }));
    const j = await until(async () => { const x = await cs().jobs.get(NS, 'paused'); return condition(x, 'Suspended') && x; }, 'the Suspended condition');
    assert.equal(condition(j, 'Suspended').reason, 'JobSuspended');
    assert.equal(j.status.startTime, undefined);
    assert.equal((await podsOf('paused')).length, 0);
    await cs().jobs.patch(NS, 'paused', { spec: { suspend: false } });
    const pod = await until(async () => (await activePods('paused'))[0], 'a pod once resumed');
    // Pods are made before the status is written: wait for the condition rather than read it at once.
    const resumed = await until(async () => { const x = await cs().jobs.get(NS, 'paused'); return x.status.conditions.find((c: any) => c.type === 'Suspended' && c.status === 'False') && x; }, 'Suspended False');
    assert.equal(resumed.status.conditions.find((c: any) => c.type === 'Suspended').reason, 'JobResumed');
    assert.ok(resumed.status.startTime);
    await finish(pod, 0);
    await until(async () => condition(await cs().jobs.get(NS, 'paused'), 'Complete'), 'completion');
  });

  it('lets go of the pods of a deleted Job (their tracking finalizer is removed)', async () => {
    await cs().jobs.create(NS, job('orphaner', { parallelism: 2, completions: 2 }));
    await until(async () => (await activePods('orphaner')).length === 2, 'two pods');
    await cs().jobs.delete(NS, 'orphaner', { propagationPolicy: 'Orphan' });
    await until(async () => { try { await cs().jobs.get(NS, 'orphaner'); return false; } catch { return true; } }, 'the Job gone');
    await until(async () => (await podsOf('orphaner')).every((p) => !p.metadata.finalizers?.includes('batch.kubernetes.io/job-tracking')), 'finalizers removed from the orphans');
  });

  it('deletes a finished Job after ttlSecondsAfterFinished', async () => {
    await cs().jobs.create(NS, job('short-lived', { ttlSecondsAfterFinished: 1 }));
    const pod = await until(async () => (await activePods('short-lived'))[0], 'the pod');
    await finish(pod, 0);
    await until(async () => condition(await cs().jobs.get(NS, 'short-lived'), 'Complete'), 'completion');
    await until(async () => {
      try { await cs().jobs.get(NS, 'short-lived'); return false; } catch (e) { return e instanceof StatusError && e.code === 404; }
    }, 'the Job deleted by its TTL', 10_000);
  });
});
