/**
 * @module apiserver/endpoints/protobuf/wellknown
 * JSON forms of apimachinery types whose Go JSON marshalling differs from their proto message:
 * metav1.Time / MicroTime (RFC 3339 strings), metav1.Duration (Go duration string).
 */

// Go's time range that JSON can express as RFC 3339 with a four-digit year.
const MIN_SECONDS = -62135596800; // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z

function checkSeconds(seconds: number, what: string): Date {
  if (!Number.isFinite(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new Error(`${what}: seconds ${seconds} is outside the RFC 3339 range`);
  }
  return new Date(seconds * 1000);
}

/** metav1.Time marshals as RFC 3339 in UTC at second precision (`2024-01-02T03:04:05Z`). */
export function formatTime(seconds: number, what: string): string {
  return checkSeconds(seconds, what).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime marshals as RFC 3339 with exactly six fractional digits (`...05.123456Z`). */
export function formatMicroTime(seconds: number, nanos: number, what: string): string {
  if (nanos < 0 || nanos > 999_999_999) throw new Error(`${what}: nanos ${nanos} out of range`);
  const micros = String(Math.floor(nanos / 1000)).padStart(6, '0');
  return checkSeconds(seconds, what).toISOString().replace(/\.\d{3}Z$/, `.${micros}Z`);
}

/** Digits of `v` with `prec` of them after a decimal point, trailing zeros (and a bare point) dropped. */
function fraction(v: bigint, prec: number): string {
  const s = v.toString().padStart(prec + 1, '0');
  const whole = s.slice(0, s.length - prec);
  const frac = s.slice(s.length - prec).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

/**
 * Go's time.Duration.String(): "0s", "1.5µs", "2ms", "1h2m3.5s". Sub-second durations use the
 * largest unit that keeps a non-zero integer part; longer ones are split into h, m and s.
 */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  const u = neg ? -ns : ns;
  let s: string;
  if (u < 1000n) s = `${u}ns`;
  else if (u < 1_000_000n) s = `${fraction(u, 3)}µs`;
  else if (u < 1_000_000_000n) s = `${fraction(u, 6)}ms`;
  else {
    const h = u / 3_600_000_000_000n;
    const m = (u / 60_000_000_000n) % 60n;
    const sec = fraction(u % 60_000_000_000n, 9);
    s = h > 0n ? `${h}h${m}m${sec}s` : m > 0n ? `${m}m${sec}s` : `${sec}s`;
  }
  return neg ? `-${s}` : s;
}
