/**
 * @module controllers/cronjob/zone
 * Wall-clock time in an IANA time zone (a CronJob's spec.timeZone; none means the controller's
 * local zone, which for skiff is UTC unless TZ says otherwise), from Intl: the fields of an
 * instant, the instant of a wall-clock time (through DST changes), and RFC 3339 with the zone's offset.
 */

export interface Wall { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

const FORMATS = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Throws a RangeError when the zone is not one Intl knows (Kubernetes: "unknown time zone"). */
function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = FORMATS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    FORMATS.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try { formatFor(tz); return true; } catch { return false; }
}

export class ZonedClock {
  private readonly f: Intl.DateTimeFormat;
  constructor(timeZone?: string) {
    this.f = formatFor(timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC');
  }

  wall(t: number): Wall {
    const p: Record<string, string> = {};
    for (const { type, value } of this.f.formatToParts(new Date(t))) p[type] = value;
    return { year: +p.year, month: +p.month, day: +p.day, hour: +p.hour % 24, minute: +p.minute, second: +p.second, weekday: WEEKDAYS[p.weekday] };
  }

  /** The zone's offset from UTC at `t`, in ms. */
  offset(t: number): number {
    const w = this.wall(t);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(t / 1000) * 1000;
  }

  /**
   * The instant of a wall-clock time (fields may overflow: day 32 is next month's first). A time
   * that does not exist (a DST gap) maps to the instant just after the gap.
   */
  instant(year: number, month: number, day: number, hour: number, minute: number): number {
    const asUTC = Date.UTC(year, month - 1, day, hour, minute);
    let t = asUTC - this.offset(asUTC);
    const o2 = this.offset(t);
    if (asUTC - o2 !== t) t = Math.max(t, asUTC - o2);
    return t;
  }

  /** RFC 3339 in this zone, as Go's time.RFC3339 writes it ("Z" for UTC, "+09:00" otherwise). */
  rfc3339(t: number): string {
    const w = this.wall(t);
    const off = Math.round(this.offset(t) / 60_000);
    const p2 = (n: number) => String(n).padStart(2, '0');
    const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${p2(Math.floor(Math.abs(off) / 60))}:${p2(Math.abs(off) % 60)}`;
    return `${String(w.year).padStart(4, '0')}-${p2(w.month)}-${p2(w.day)}T${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}${zone}`;
  }
}
