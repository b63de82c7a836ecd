/**
 * End-to-end: the CronJob controller against a real `skiff server`, as its own ServiceAccount,
 * with an injected clock so scheduled times come when the test says (the test moves the clock,
 * then touches the CronJob so the controller looks again). No Job controller runs: the test
 * finishes Jobs itself by writing their status.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSkiffServer, type SkiffServer } from '../support/skiff-server.js';
import { runControllers, until, type RunningControllers, NO_COMPONENTS } from '../support/controllers.js';
import { StatusError } from '../../src/machinery/status.js';
import { cronJobDescriptor } from '../../src/controllers/cronjob/index.js';

const NS = 'cron';
const MIN = 60_000;
let clock = Date.now();

function cronJob(name: string, schedule: string, spec: any = {}): any {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: NS },
    spec: { schedule, ...spec, jobTemplate: { metadata: { labels: { app: name } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } } } },
  };
}

describe('cronjob controller', () => {
  let srv: SkiffServer;
  let run: RunningControllers;
  let ticks = 0;
  const cs = () => run.cs;
  const jobsOf = async (cj: string) => ((await cs().jobs.list(NS)).items as any[])
    .filter((j) => j.metadata.ownerReferences?.[0]?.name === cj).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const eventsOf = async (cj: string, reason: string) => ((await cs().events.list(NS)).items as any[]).filter((e) => e.involvedObject.name === cj && e.reason === reason);
  /** Move the clock to `t` and make the controller look at the CronJob again. */
  async function at(name: string, t: number): Promise<void> {
    clock = t;
    await cs().cronjobs.patch(NS, name, { metadata: { annotations: { 'test/tick': String(++ticks) } } });
  }
  /** The first time after the CronJob's creation that is a multiple of `every` ms. */
  const firstAfterCreation = (cj: any, every: number) => Math.ceil((Date.parse(cj.metadata.creationTimestamp) + 1000) / every) * every;
  async function complete(job: any, type: 'Complete' | 'Failed' = 'Complete'): Promise<void> {
    const now = new Date(clock).toISOString().replace(/\.\d+Z$/, 'Z');
    const cur = await cs().jobs.get(NS, job.metadata.name);
    cur.status = {
      startTime: now, ...(type === 'Complete' ? { completionTime: now, succeeded: 1 } : { failed: 1 }),
      conditions: [{ type: type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget', status: 'True', lastTransitionTime: now, lastProbeTime: now, reason: 'Test', message: 'test' },
        { type, status: 'True', lastTransitionTime: now, lastProbeTime: now, reason: 'Test', message: 'test' }],
    };
    await cs().jobs.updateStatus(NS, cur);
  }

  before(async () => {
    srv = await startSkiffServer({ args: NO_COMPONENTS });
    run = await runControllers(srv, [cronJobDescriptor({ now: () => clock })]);
    await cs().namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => { await run?.stop(); await srv?.stop(); });
  // Each test starts with the clock at the real time, so a CronJob is never created in the past of a clock an earlier test moved on.
  beforeEach(() => { clock = Date.now(); });

  it('creates a Job per scheduled time, tracks it in status, and keeps successfulJobsHistoryLimit finished Jobs', async () => {
    const cj = await cs().cronjobs.create(NS, cronJob('every5', '*/5 * * * *', { successfulJobsHistoryLimit: 2 }));
    const first = firstAfterCreation(cj, 5 * MIN);
    await at('every5', first - 1000);
    assert.equal((await jobsOf('every5')).length, 0, 'nothing before the first scheduled time');
    for (let i = 0; i < 3; i++) {
      const t = first + i * 5 * MIN;
      await at('every5', t + 2000);
      const job = await until(async () => (await jobsOf('every5')).find((j) => j.metadata.name === `every5-${t / MIN}`), `the Job for ${new Date(t).toISOString()}`);
      assert.equal(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(t).toISOString().replace(/\.\d+Z$/, 'Z'));
      assert.equal(job.metadata.labels.app, 'every5');
      assert.deepEqual([job.metadata.ownerReferences[0].kind, job.metadata.ownerReferences[0].controller], ['CronJob', true]);
      const st = await until(async () => { const c = await cs().cronjobs.get(NS, 'every5'); return c.status?.active?.[0]?.name === job.metadata.name && c.status; }, 'status.active');
      assert.equal(Date.parse(st.lastScheduleTime), t);
      await complete(job);
      const done = await until(async () => { const c = await cs().cronjobs.get(NS, 'every5'); return !c.status?.active && c.status?.lastSuccessfulTime && c.status; }, 'the finished Job leaves status.active');
      assert.ok(done.lastSuccessfulTime);
    }
    // Three finished, a limit of two: the oldest goes.
    await until(async () => (await jobsOf('every5')).length === 2, 'the oldest finished Job deleted');
    assert.deepEqual((await jobsOf('every5')).map((j) => j.metadata.name), [`every5-${first / MIN + 5}`, `every5-${first / MIN + 10}`]);
    await until(async () => (await eventsOf('every5', 'SuccessfulCreate')).length === 3 && (await eventsOf('every5', 'SawCompletedJob')).length === 3 &&
      (await eventsOf('every5', 'SuccessfulDelete')).some((e) => e.message === `Deleted job every5-${first / MIN}`), 'the events');
    assert.match((await eventsOf('every5', 'SawCompletedJob'))[0].message, /^Saw completed job: every5-\d+, condition: Complete$/);
  });

  it('Forbid skips a run while one is active, then runs the missed time when it finishes', async () => {
    const cj = await cs().cronjobs.create(NS, cronJob('forbid', '* * * * *', { concurrencyPolicy: 'Forbid' }));
    const first = firstAfterCreation(cj, MIN);
    await at('forbid', first + 1000);
    const j1 = await until(async () => (await jobsOf('forbid'))[0], 'the first Job');
    await at('forbid', first + MIN + 1000);
    await until(async () => (await eventsOf('forbid', 'JobAlreadyActive')).length > 0, 'the JobAlreadyActive event');
    assert.equal((await jobsOf('forbid')).length, 1);
    await complete(j1);
    await until(async () => (await jobsOf('forbid')).some((j) => j.metadata.name === `forbid-${first / MIN + 1}`), 'the skipped time runs once the active Job finished');
  });

  it('Replace deletes the running Job and starts the new one', async () => {
    const cj = await cs().cronjobs.create(NS, cronJob('replace', '* * * * *', { concurrencyPolicy: 'Replace' }));
    const first = firstAfterCreation(cj, MIN);
    await at('replace', first + 1000);
    const j1 = await until(async () => (await jobsOf('replace'))[0], 'the first Job');
    await at('replace', first + MIN + 1000);
    await until(async () => { const js = await jobsOf('replace'); return js.length === 1 && js[0].metadata.name !== j1.metadata.name; }, 'the first Job replaced');
    const st = await until(async () => { const c = await cs().cronjobs.get(NS, 'replace'); return c.status?.active?.length === 1 && c.status?.active[0].name === `replace-${first / MIN + 1}`; }, 'status.active');
    assert.ok(st);
    await until(async () => (await eventsOf('replace', 'SuccessfulDelete')).some((e) => e.message === `Deleted job ${j1.metadata.name}`), 'the SuccessfulDelete event')
      .catch(async (e) => { console.error(JSON.stringify((await cs().events.list(NS)).items.map((x: any) => [x.involvedObject.name, x.reason, x.message]))); throw e; });
  });

  it('startingDeadlineSeconds lets a late time go; a suspended CronJob runs nothing until resumed', async () => {
    const late = await cs().cronjobs.create(NS, cronJob('late', '*/5 * * * *', { startingDeadlineSeconds: 10 }));
    await cs().cronjobs.create(NS, cronJob('paused', '*/5 * * * *', { suspend: true }));
    const control = await cs().cronjobs.create(NS, cronJob('control', '*/5 * * * *'));
    // The first scheduled time after the last creation: for `late` too it is due only 30 s later.
    const first = firstAfterCreation(control, 5 * MIN);
    assert.ok(late.metadata.uid);
    clock = first + 30_000;
    for (const n of ['late', 'paused', 'control']) await at(n, clock);
    // The control CronJob, seen after the other two, has run: so have their syncs.
    await until(async () => (await jobsOf('control')).length === 1, 'the control Job');
    assert.equal((await jobsOf('late')).length, 0, 'due 30 s ago, past a 10 s starting deadline');
    assert.equal((await jobsOf('paused')).length, 0, 'suspended');
    await cs().cronjobs.patch(NS, 'paused', { spec: { suspend: false } });
    await until(async () => (await jobsOf('paused')).some((j) => j.metadata.name === `paused-${first / MIN}`), 'the missed time runs once resumed');
  });

  it('schedules in spec.timeZone and writes the scheduled time with its offset', async () => {
    const cj = await cs().cronjobs.create(NS, cronJob('tokyo', '0 9 * * *', { timeZone: 'Asia/Tokyo' }));
    // 09:00 in Tokyo is 00:00 UTC.
    const midnightUTC = Math.ceil((Date.parse(cj.metadata.creationTimestamp) + 1000) / (24 * 60 * MIN)) * 24 * 60 * MIN;
    await at('tokyo', midnightUTC + 1000);
    const job = await until(async () => (await jobsOf('tokyo'))[0], 'the Job at 09:00 JST');
    assert.equal(job.metadata.name, `tokyo-${midnightUTC / MIN}`);
    assert.match(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], /^\d{4}-\d\d-\d\dT09:00:00\+09:00$/);
  });

  it('an unknown time zone and an unparseable schedule are reported as events', async () => {
    await cs().cronjobs.create(NS, cronJob('nowhere', '* * * * *', { timeZone: 'Mars/Olympus_Mons' })).catch((e: unknown) => {
      if (!(e instanceof StatusError && e.code === 422)) throw e; // the API server may refuse it first
    });
    try { await cs().cronjobs.get(NS, 'nowhere'); } catch { return; }
    await until(async () => (await eventsOf('nowhere', 'UnknownTimeZone')).length > 0, 'the UnknownTimeZone event');
  });
});
