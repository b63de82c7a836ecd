/**
 * @module controllers/cronjob/schedule
 * Cron schedules as Kubernetes reads them (robfig/cron's standard parser): five fields (minute,
 * hour, day of month, month, day of week) with `*`, `?`, lists, ranges, steps and month/day names,
 * or a descriptor (@yearly, @monthly, @weekly, @daily, @hourly, @every <duration>), evaluated in a
 * time zone (the CronJob's spec.timeZone, through Intl). As in cron, when both day fields are
 * restricted a day matching either one matches; when one is `*` both must.
 */
import { ZonedClock } from './zone.js';

interface Bounds { min: number; max: number; names?: Record<string, number> }
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const B = {
  minute: { min: 0, max: 59 }, hour: { min: 0, max: 23 }, dom: { min: 1, max: 31 },
  month: { min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])) },
  dow: { min: 0, max: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])) },
} satisfies Record<string, Bounds>;

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

export interface Schedule {
  /** The first activation strictly after `t` (ms since epoch), or undefined if there is none within 5 years. */
  next(t: number): number | undefined;
}

/** A field: the set of allowed values, and whether it was written as `*` / `?` (which changes the day rule). */
interface Field { values: Set<number>; star: boolean }

function parseNumber(s: string, b: Bounds, field: string): number {
  const named = b.names?.[s.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(s)) throw new Error(`failed to parse int from ${s}: strconv.Atoi: parsing "${s}": invalid syntax`);
  const n = Number(s);
  if (n < b.min) throw new Error(`beginning of range (${n}) below minimum (${b.min}): ${field}`);
  if (n > b.max) throw new Error(`end of range (${n}) above maximum (${b.max}): ${field}`);
  return n;
}

function parseField(expr: string, b: Bounds): Field {
  const values = new Set<number>();
  let star = false;
  for (const part of expr.split(',')) {
    const [range, stepStr, ...extra] = part.split('/');
    if (extra.length) throw new Error(`too many slashes: ${part}`);
    let start: number, end: number;
    let partStar = false;
    if (range === '*' || range === '?') { start = b.min; end = b.max; partStar = true; } else {
      const [lo, hi, ...more] = range.split('-');
      if (more.length) throw new Error(`too many hyphens: ${part}`);
      start = parseNumber(lo, b, part);
      end = hi === undefined ? start : parseNumber(hi, b, part);
    }
    let step = 1;
    if (stepStr !== undefined) {
      if (!/^\d+$/.test(stepStr)) throw new Error(`failed to parse int from ${stepStr}: strconv.Atoi: parsing "${stepStr}": invalid syntax`);
      step = Number(stepStr);
      if (step === 0) throw new Error(`step of range should be a positive number: ${part}`);
      if (!partStar && !range.includes('-')) end = b.max; // "N/step" means "N-max/step"
      if (step > 1) partStar = false;
    }
    if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${part}`);
    for (let v = start; v <= end; v += step) values.add(v);
    star ||= partStar;
  }
  return { values, star };
}

/** Parse a schedule; throws an Error with robfig/cron's message when it is not one. */
export function parseSchedule(spec: string, timeZone?: string): Schedule {
  const clock = new ZonedClock(timeZone);
  const s = spec.trim();
  if (s.startsWith('@every ')) {
    const ms = parseGoDuration(s.slice(7).trim());
    // robfig rounds @every to whole seconds, at least one.
    const every = Math.max(1000, Math.floor(ms / 1000) * 1000);
    return { next: (t) => Math.floor(t / 1000) * 1000 + every };
  }
  const expanded = s.startsWith('@') ? DESCRIPTORS[s.toLowerCase()] : s;
  if (!expanded) throw new Error(`unrecognized descriptor: ${s}`);
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute, hour, dom, month, dow] = [parseField(fields[0], B.minute), parseField(fields[1], B.hour), parseField(fields[2], B.dom), parseField(fields[3], B.month), parseField(fields[4], B.dow)];

  const dayMatches = (w: { day: number; weekday: number }): boolean => {
    const d = dom.values.has(w.day), wd = dow.values.has(w.weekday);
    return dom.star || dow.star ? d && wd : d || wd;
  };

  return {
    next(t: number): number | undefined {
      // Start at the next whole minute; walk the wall clock, skipping whole months, days and hours that cannot match.
      let cur = Math.floor(t / 60_000) * 60_000 + 60_000;
      const limit = t + 5 * 366 * 86_400_000;
      while (cur <= limit) {
        const w = clock.wall(cur);
        let nxt: number;
        if (!month.values.has(w.month)) nxt = clock.instant(w.year, w.month + 1, 1, 0, 0);
        else if (!dayMatches(w)) nxt = clock.instant(w.year, w.month, w.day + 1, 0, 0);
        else if (!hour.values.has(w.hour)) nxt = clock.instant(w.year, w.month, w.day, w.hour + 1, 0);
        else if (!minute.values.has(w.minute)) nxt = cur + 60_000;
        else return cur;
        // Around a DST change the wall-clock jump can land on or before where we are: go on by a minute.
        cur = nxt > cur ? nxt : cur + 60_000;
      }
      return undefined;
    },
  };
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("1h30m", "90s") in ms. */
export function parseGoDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0, m: RegExpExecArray | null, pos = 0;
  while ((m = re.exec(s))) { total += Number(m[1]) * UNITS[m[2]]; pos = re.lastIndex; }
  if (!s || pos !== s.length) throw new Error(`failed to parse duration @every ${s}: time: invalid duration "${s}"`);
  return total;
}
