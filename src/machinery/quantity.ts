/**
 * @module machinery/quantity
 * resource.Quantity (k8s.io/apimachinery/pkg/api/resource): parsing, Kubernetes' canonical
 * serialization, comparison and arithmetic, exact in BigInt nano-units.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE}'`;
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_SUFFIX = "unable to parse quantity's suffix";

const NANO = 1_000_000_000n;
const MAX_INT64 = 9223372036854775807n;
/** Decimal exponents beyond this would need absurdly large numbers; Kubernetes keeps them symbolic. */
const MAX_EXPONENT = 1000;

const DEC_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DEC_BY_EXP = new Map(Object.entries(DEC_SUFFIX).map(([s, e]) => [e, s]));
const BIN_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const BIN_BY_POW = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

const abs = (v: bigint): bigint => (v < 0n ? -v : v);
/** Division rounding away from zero (inf.RoundUp), as every Quantity rounding does. */
function divUp(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b === 0n ? q : a < 0n ? q - 1n : q + 1n;
}

export class Quantity {
  /** `nano` is the value times 10^9; `s` is the original text when Kubernetes would keep it. */
  constructor(readonly nano: bigint, readonly format: QuantityFormat | '' = 'DecimalSI', private readonly s?: string) {}

  isZero(): boolean { return this.nano === 0n; }
  sign(): number { return this.nano === 0n ? 0 : this.nano < 0n ? -1 : 1; }
  cmp(o: Quantity): -1 | 0 | 1 { return this.nano < o.nano ? -1 : this.nano > o.nano ? 1 : 0; }
  equal(o: Quantity): boolean { return this.nano === o.nano; }
  /** Add keeps the receiver's format unless the receiver is zero. */
  add(o: Quantity): Quantity { return new Quantity(this.nano + o.nano, this.nano === 0n ? o.format : this.format); }
  sub(o: Quantity): Quantity { return new Quantity(this.nano - o.nano, this.nano === 0n ? o.format : this.format); }
  neg(): Quantity { return new Quantity(-this.nano, this.format); }
  /** ScaledValue: the value in units of 10^scale, rounded away from zero. */
  scaledValue(scale: number): bigint {
    const e = scale + 9;
    return e >= 0 ? divUp(this.nano, 10n ** BigInt(e)) : this.nano * 10n ** BigInt(-e);
  }
  /** Value(): whole units, rounded away from zero. */
  value(): number { return Number(this.scaledValue(0)); }
  /** MilliValue(): thousandths, rounded away from zero. */
  milliValue(): number { return Number(this.scaledValue(-3)); }
  toJSON(): string { return this.toString(); }

  toString(): string {
    if (this.s !== undefined) return this.s;
    if (this.nano === 0n) return '0';
    let format = this.format || 'DecimalExponent';
    if (format === 'BinarySI') {
      const whole = this.nano / NANO;
      if (abs(this.nano) < 1024n * NANO || this.nano % NANO !== 0n) format = 'DecimalSI';
      else {
        let m = whole, p = 0;
        while (abs(m) >= 1024n && m % 1024n === 0n) { m /= 1024n; p++; }
        // Like Kubernetes, a power with no suffix (>= 2^70) prints bare.
        return `${m}${BIN_BY_POW[p] ?? ''}`;
      }
    }
    let m = this.nano, e = -9;
    while (abs(m) >= 10n && m % 10n === 0n) { m /= 10n; e++; }
    const r = e % 3;
    if (r === 1 || r === -2) { m *= 10n; e -= 1; } else if (r === 2 || r === -1) { m *= 100n; e -= 2; }
    if (format === 'DecimalExponent') return e === 0 ? `${m}` : `${m}e${e}`;
    return `${m}${DEC_BY_EXP.get(e) ?? ''}`;
  }
}

/** parseQuantityString: sign, digits, fraction, suffix, or the regular-expression error. */
function scan(str: string): { positive: boolean; num: string; denom: string; suffix: string } {
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-') { positive = false; pos++; } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && str[i] >= '0' && str[i] <= '9') i++;
  const num = str.slice(pos, i) || '0';
  pos = i;
  let denom = '';
  if (pos < end && str[pos] === '.') {
    i = ++pos;
    while (i < end && str[i] >= '0' && str[i] <= '9') i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos])) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && str[pos] >= '0' && str[pos] <= '9') pos++;
  if (pos < end) throw new Error(ERR_FORMAT_WRONG);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

function interpret(suffix: string): { base: 2 | 10; exponent: number; format: QuantityFormat } {
  if (suffix in DEC_SUFFIX) return { base: 10, exponent: DEC_SUFFIX[suffix], format: 'DecimalSI' };
  if (suffix in BIN_SUFFIX) return { base: 2, exponent: BIN_SUFFIX[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const exponent = Number(suffix.slice(1));
    if (Math.abs(exponent) > MAX_EXPONENT) throw new Error(ERR_NUMERIC);
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  throw new Error(ERR_SUFFIX);
}

/** ParseQuantity. The original text is kept when Kubernetes keeps it (already canonical-looking). */
export function parseQuantity(str: string): Quantity {
  if (typeof str !== 'string' || str.length === 0) throw new Error(ERR_FORMAT_WRONG);
  if (str === '0') return new Quantity(0n, 'DecimalSI', '0');
  const { positive, num, denom, suffix } = scan(str);
  const { base, exponent } = interpret(suffix);
  let { format } = interpret(suffix);
  if (num.length + denom.length > 10_000) throw new Error(ERR_NUMERIC);
  const digits = BigInt(num + denom);
  let nano: bigint;
  if (base === 10) {
    const e = exponent - denom.length + 9;
    nano = e >= 0 ? digits * 10n ** BigInt(e) : divUp(digits, 10n ** BigInt(-e));
  } else {
    nano = divUp(digits * (1n << BigInt(exponent)) * NANO, 10n ** BigInt(denom.length));
    if (nano > MAX_INT64 * NANO) nano = MAX_INT64 * NANO;
    if (nano > 0n && nano < NANO) format = 'DecimalSI';
  }
  if (!positive) nano = -nano;
  return new Quantity(nano, format, keptText(str, num, denom, exponent, format, base, digits));
}

/** Kubernetes' int64 fast path reuses the input text when it is already in canonical shape. */
function keptText(str: string, num: string, denom: string, exponent: number, format: QuantityFormat, base: 2 | 10, digits: bigint): string | undefined {
  if (base === 2) {
    if (denom.length || format !== 'BinarySI') return undefined;
    const precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    if (precision < 0 || digits * (1n << BigInt(exponent)) > MAX_INT64) return undefined;
    return (digits & 7n) !== 0n ? str : undefined;
  }
  const shifted = num + denom;
  const scale = exponent - denom.length;
  if (18 - shifted.length < 0 || scale < -9) return undefined;
  return scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0' ? str : undefined;
}

/** Quantity.UnmarshalJSON: a JSON string or number (spaces trimmed); null is zero. */
export function quantityFromJSON(v: unknown): Quantity {
  if (v === null || v === undefined) return new Quantity(0n, '');
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(ERR_FORMAT_WRONG);
    return parseQuantity(String(v));
  }
  if (typeof v !== 'string') throw new Error(ERR_FORMAT_WRONG);
  return parseQuantity(v.trim());
}

/** The text Kubernetes would store for a quantity string. */
export function canonicalQuantity(s: string): string { return parseQuantity(s).toString(); }

/** resource.NewQuantity / NewMilliQuantity / NewScaledQuantity. */
export const newQuantity = (value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity => new Quantity(BigInt(value) * NANO, format);
export const newMilliQuantity = (milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity => new Quantity(BigInt(milli) * 1_000_000n, format);
export function newScaledQuantity(value: bigint | number, scale: number): Quantity {
  const e = scale + 9;
  const v = BigInt(value);
  return new Quantity(e >= 0 ? v * 10n ** BigInt(e) : divUp(v, 10n ** BigInt(-e)), 'DecimalSI');
}
