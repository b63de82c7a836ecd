import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedule, parseGoDuration } from './schedule.js';
import { ZonedClock, isValidTimeZone } from './zone.js';

const at = (s: string) => Date.parse(s);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
const nexts = (spec: string, from: string, n: number, tz = 'UTC') => {
  const s = parseSchedule(spec, tz);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) { t = s.next(t)!; out.push(iso(t)!); }
  return out;
};

describe('cron schedule', () => {
  it('every minute starts at the next whole minute', () => {
    assert.deepEqual(nexts('* * * * *', '2024-03-01T10:00:30Z', 2), ['2024-03-01T10:01:00.000Z', '2024-03-01T10:02:00.000Z']);
    assert.deepEqual(nexts('* * * * *', '2024-03-01T10:00:00Z', 1), ['2024-03-01T10:01:00.000Z']);
  });
  it('steps, ranges and lists', () => {
    assert.deepEqual(nexts('*/15 * * * *', '2024-03-01T10:07:00Z', 3), ['2024-03-01T10:15:00.000Z', '2024-03-01T10:30:00.000Z', '2024-03-01T10:45:00.000Z']);
    assert.deepEqual(nexts('5,10-12 9 * * *', '2024-03-01T09:10:00Z', 3), ['2024-03-01T09:11:00.000Z', '2024-03-01T09:12:00.000Z', '2024-03-02T09:05:00.000Z']);
    assert.deepEqual(nexts('10/20 * * * *', '2024-03-01T10:00:00Z', 3), ['2024-03-01T10:10:00.000Z', '2024-03-01T10:30:00.000Z', '2024-03-01T10:50:00.000Z']);
    assert.deepEqual(nexts('0 8-18/5 * * *', '2024-03-01T00:00:00Z', 3), ['2024-03-01T08:00:00.000Z', '2024-03-01T13:00:00.000Z', '2024-03-01T18:00:00.000Z']);
  });
  it('month and day names; weekdays', () => {
    // 2024-03-01 is a Friday.
    assert.deepEqual(nexts('30 6 * * MON-WED', '2024-03-01T00:00:00Z', 2), ['2024-03-04T06:30:00.000Z', '2024-03-05T06:30:00.000Z']);
    assert.deepEqual(nexts('0 0 1 jul,DEC *', '2024-03-01T00:00:00Z', 2), ['2024-07-01T00:00:00.000Z', '2024-12-01T00:00:00.000Z']);
  });
  it('day of month OR day of week when both are restricted; AND when one is *', () => {
    assert.deepEqual(nexts('0 0 13 * 5', '2024-09-01T00:00:00Z', 3), ['2024-09-06T00:00:00.000Z', '2024-09-13T00:00:00.000Z', '2024-09-20T00:00:00.000Z']);
    assert.deepEqual(nexts('0 0 13 * *', '2024-09-01T00:00:00Z', 1), ['2024-09-13T00:00:00.000Z']);
    // A stepped star is a restriction (robfig clears the star bit when the step is over 1).
    assert.deepEqual(nexts('0 0 */2 * 1', '2024-09-01T00:00:00Z', 3), ['2024-09-02T00:00:00.000Z', '2024-09-03T00:00:00.000Z', '2024-09-05T00:00:00.000Z']);
  });
  it('descriptors and @every', () => {
    assert.deepEqual(nexts('@hourly', '2024-03-01T10:20:00Z', 1), ['2024-03-01T11:00:00.000Z']);
    assert.deepEqual(nexts('@daily', '2024-03-01T10:20:00Z', 1), ['2024-03-02T00:00:00.000Z']);
    assert.deepEqual(nexts('@weekly', '2024-03-01T10:20:00Z', 1), ['2024-03-03T00:00:00.000Z']);
    assert.deepEqual(nexts('@monthly', '2024-03-01T10:20:00Z', 1), ['2024-04-01T00:00:00.000Z']);
    assert.deepEqual(nexts('@yearly', '2024-03-01T10:20:00Z', 1), ['2025-01-01T00:00:00.000Z']);
    assert.deepEqual(nexts('@every 90s', '2024-03-01T10:20:00Z', 2), ['2024-03-01T10:21:30.000Z', '2024-03-01T10:23:00.000Z']);
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
  });
  it('Feb 29 waits for a leap year; Feb 30 never comes', () => {
    assert.deepEqual(nexts('0 0 29 2 *', '2024-03-01T00:00:00Z', 1), ['2028-02-29T00:00:00.000Z']);
    assert.equal(parseSchedule('0 0 30 2 *', 'UTC').next(at('2024-01-01T00:00:00Z')), undefined);
  });
  it('rejects what is not a schedule, with robfig/cron\'s messages', () => {
    assert.throws(() => parseSchedule('* * * *'), /expected exactly 5 fields, found 4/);
    assert.throws(() => parseSchedule('60 * * * *'), /above maximum \(59\)/);
    assert.throws(() => parseSchedule('* * * * 7'), /above maximum \(6\)/);
    assert.throws(() => parseSchedule('5-1 * * * *'), /beyond end of range/);
    assert.throws(() => parseSchedule('*/0 * * * *'), /step of range should be a positive number/);
    assert.throws(() => parseSchedule('@fortnightly'), /unrecognized descriptor/);
    assert.throws(() => parseSchedule('x * * * *'), /failed to parse int from x/);
  });
  it('evaluates in the time zone, through DST changes', () => {
    // 09:00 in Tokyo is 00:00 UTC.
    assert.deepEqual(nexts('0 9 * * *', '2024-03-01T00:00:00Z', 1, 'Asia/Tokyo'), ['2024-03-02T00:00:00.000Z']);
    // New York springs forward on 2024-03-10: 08:00 local is 13:00 UTC before, 12:00 UTC after.
    assert.deepEqual(nexts('0 8 * * *', '2024-03-09T00:00:00Z', 2, 'America/New_York'), ['2024-03-09T13:00:00.000Z', '2024-03-10T12:00:00.000Z']);
    // 02:30 does not exist that day: as robfig/cron, that day's run is skipped.
    assert.deepEqual(nexts('30 2 * * *', '2024-03-09T12:00:00Z', 1, 'America/New_York'), ['2024-03-11T06:30:00.000Z']);
    // New York falls back on 2024-11-03: 01:30 happens twice and, as with robfig/cron, matches twice.
    assert.deepEqual(nexts('30 1 * * *', '2024-11-03T00:00:00Z', 3, 'America/New_York'), ['2024-11-03T05:30:00.000Z', '2024-11-03T06:30:00.000Z', '2024-11-04T06:30:00.000Z']);
    // India is +05:30.
    assert.deepEqual(nexts('0 * * * *', '2024-03-01T00:00:00Z', 1, 'Asia/Kolkata'), ['2024-03-01T00:30:00.000Z']);
  });
  it('formats RFC 3339 with the zone offset', () => {
    assert.equal(new ZonedClock('Asia/Tokyo').rfc3339(at('2024-03-01T00:00:00Z')), '2024-03-01T09:00:00+09:00');
    assert.equal(new ZonedClock('UTC').rfc3339(at('2024-03-01T00:00:00Z')), '2024-03-01T00:00:00Z');
    assert.equal(new ZonedClock('America/New_York').rfc3339(at('2024-03-01T00:00:00Z')), '2024-02-29T19:00:00-05:00');
    assert.ok(isValidTimeZone('Europe/Berlin') && !isValidTimeZone('Mars/Olympus'));
  });
});
