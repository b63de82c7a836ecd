import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedule } from './schedule.js';
import { jobFromTemplate, jobNameFor, jobsPastHistoryLimits, mostRecentScheduleTime, rfc1123z } from './utils.js';

const at = Date.parse;
const cj = (extra: any = {}, status: any = {}) => ({
  metadata: { name: 'c', namespace: 'ns', uid: 'u1', creationTimestamp: '2024-03-01T10:00:30Z' },
  spec: { schedule: '*/5 * * * *', jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: {} } }, ...extra }, status,
});

describe('cronjob scheduling arithmetic', () => {
  const every5 = parseSchedule('*/5 * * * *', 'UTC');
  it('nothing is due before the first scheduled time', () => {
    assert.deepEqual(mostRecentScheduleTime(cj(), at('2024-03-01T10:04:59Z'), every5), { missed: 0 });
  });
  it('the most recent missed time is due; lastScheduleTime moves the window', () => {
    assert.deepEqual(mostRecentScheduleTime(cj(), at('2024-03-01T10:17:00Z'), every5), { mostRecent: at('2024-03-01T10:15:00Z'), missed: 3 });
    assert.deepEqual(mostRecentScheduleTime(cj({}, { lastScheduleTime: '2024-03-01T10:15:00Z' }), at('2024-03-01T10:17:00Z'), every5), { missed: 0 });
  });
  it('startingDeadlineSeconds narrows the window', () => {
    assert.deepEqual(mostRecentScheduleTime(cj({ startingDeadlineSeconds: 60 }), at('2024-03-01T10:17:00Z'), every5), { missed: 0 });
    assert.deepEqual(mostRecentScheduleTime(cj({ startingDeadlineSeconds: 200 }), at('2024-03-01T10:17:00Z'), every5), { mostRecent: at('2024-03-01T10:15:00Z'), missed: 1 });
  });
  it('many missed times are estimated, and the latest still found', () => {
    const d = mostRecentScheduleTime(cj(), at('2024-03-08T10:17:00Z'), every5);
    assert.equal(d.mostRecent, at('2024-03-08T10:15:00Z'));
    assert.ok(d.missed > 2000 && d.missed < 2030, String(d.missed));
  });
  it('names the Job by minutes since the epoch and annotates the scheduled time', () => {
    const t = at('2024-03-01T10:15:00Z');
    assert.equal(jobNameFor(cj(), t), `c-${t / 60_000}`);
    const j = jobFromTemplate(cj(), t, '2024-03-01T10:15:00Z');
    assert.equal(j.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2024-03-01T10:15:00Z');
    assert.deepEqual(j.metadata.labels, { a: 'b' });
    assert.deepEqual(j.metadata.ownerReferences[0], { apiVersion: 'batch/v1', kind: 'CronJob', name: 'c', uid: 'u1', controller: true, blockOwnerDeletion: true });
  });
  it('keeps the newest finished Jobs within the history limits', () => {
    const job = (name: string, type: string, start: string) => ({ metadata: { name }, status: { startTime: start, conditions: [{ type, status: 'True' }] } });
    const jobs = [job('s1', 'Complete', '2024-01-01T00:00:00Z'), job('s2', 'Complete', '2024-01-02T00:00:00Z'), job('f1', 'Failed', '2024-01-01T00:00:00Z'), job('f2', 'Failed', '2024-01-03T00:00:00Z')];
    assert.deepEqual(jobsPastHistoryLimits(cj({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 1 }), jobs).map((j) => j.metadata.name), ['s1', 'f1']);
    assert.deepEqual(jobsPastHistoryLimits(cj({ successfulJobsHistoryLimit: 3 }), jobs), []);
  });
  it('writes RFC 1123Z', () => {
    assert.equal(rfc1123z(at('2024-03-01T10:15:00Z')), 'Fri, 01 Mar 2024 10:15:00 +0000');
  });
});
