/**
 * @module machinery/labels
 * Label selectors with the grammar, sorting, printing and error messages of
 * k8s.io/apimachinery/pkg/labels (string form) and metav1.LabelSelector (object form).
 */
import type { FieldError } from './field-errors.js';
import { isQualifiedName, isValidLabelValue } from '../api/validation/labels.js';

export { isQualifiedName, isValidLabelValue };

/** Lexer tokens of labels.Parse. */
const enum Tok { Error, End, ClosedPar, Comma, Not, DoubleEq, Eq, Gt, Ident, In, Lt, NotEq, NotIn, OpenPar }
interface Token { t: Tok; s: string }
const SYMBOLS: Record<string, Tok> = { ')': Tok.ClosedPar, ',': Tok.Comma, '!': Tok.Not, '==': Tok.DoubleEq, '=': Tok.Eq, '>': Tok.Gt, '<': Tok.Lt, '!=': Tok.NotEq, '(': Tok.OpenPar };
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';

/** Tokenize the whole selector; the last token is always End. */
function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i])) i++;
    if (i >= s.length) { out.push({ t: Tok.End, s: '' }); return out; }
    if (isSpecial(s[i])) {
      // Longest run of special symbols that still forms a known operator.
      let buf = '';
      let last: Token | undefined;
      while (i < s.length && isSpecial(s[i])) {
        buf += s[i];
        const t = SYMBOLS[buf];
        if (t !== undefined) { last = { t, s: buf }; i++; } else if (last) break; else i++;
      }
      out.push(last ?? { t: Tok.Error, s: `error expected: keyword found '${buf}'` });
    } else {
      const start = i;
      while (i < s.length && !isSpecial(s[i]) && !isSpace(s[i])) i++;
      const w = s.slice(start, i);
      out.push({ t: w === 'in' ? Tok.In : w === 'notin' ? Tok.NotIn : Tok.Ident, s: w });
    }
  }
}

export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';
const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

/** One requirement (key, operator, values); values are sorted and unique, as sets.String gives them. */
export class Requirement {
  /** For multi-value in/notin: a Set so matching does not scan. */
  private readonly set: ReadonlySet<string> | undefined;
  private readonly one: string;
  private readonly num: number;
  constructor(readonly key: string, readonly operator: Operator, readonly values: readonly string[]) {
    this.one = values[0] ?? '';
    this.set = values.length > 1 ? new Set(values) : undefined;
    this.num = operator === 'gt' || operator === 'lt' ? parseInt64(this.one) : NaN;
  }
  private has(v: string): boolean { return this.set ? this.set.has(v) : this.values.length === 1 && v === this.one; }
  matches(labels: Readonly<Record<string, string>>): boolean {
    const present = Object.prototype.hasOwnProperty.call(labels, this.key);
    switch (this.operator) {
      case 'in': case '=': case '==': return present && this.has(labels[this.key]);
      case 'notin': case '!=': return !present || !this.has(labels[this.key]);
      case 'exists': return present;
      case '!': return !present;
      case 'gt': case 'lt': {
        if (!present || Number.isNaN(this.num)) return false;
        const v = parseInt64(labels[this.key]);
        if (Number.isNaN(v)) return false;
        return this.operator === 'gt' ? v > this.num : v < this.num;
      }
    }
  }
  toString(): string {
    const op = this.operator;
    if (op === 'exists') return this.key;
    if (op === '!') return `!${this.key}`;
    // Printed sorted without reordering the requirement itself (safeSort).
    const vals = (this.values.length > 1 ? [...this.values].sort() : this.values).join(',');
    switch (op) {
      case 'in': return `${this.key} in (${vals})`;
      case 'notin': return `${this.key} notin (${vals})`;
      case 'gt': return `${this.key}>${vals}`;
      case 'lt': return `${this.key}<${vals}`;
      default: return `${this.key}${op}${vals}`;
    }
  }
}

/** strconv.ParseInt(s, 10, 64) as a number (NaN when Go would fail). */
function parseInt64(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) return NaN;
  const b = BigInt(s);
  if (b > 9223372036854775807n || b < -9223372036854775808n) return NaN;
  return Number(b);
}

/** A selector: the AND of its requirements (sorted by key). `nothing` matches no labels. */
export class LabelSelector {
  constructor(readonly requirements: readonly Requirement[], readonly nothing = false) {}
  matches(labels: Readonly<Record<string, string>> | undefined | null): boolean {
    if (this.nothing) return false;
    const l = labels ?? EMPTY;
    const rs = this.requirements;
    for (let i = 0; i < rs.length; i++) if (!rs[i].matches(l)) return false;
    return true;
  }
  empty(): boolean { return !this.nothing && this.requirements.length === 0; }
  toString(): string { return this.requirements.map(String).join(','); }
  /** The single value a key must have (`=`, `==`, or `in` with one value), as RequiresExactMatch. */
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
      return undefined;
    }
    return undefined;
  }
}
const EMPTY: Record<string, string> = Object.freeze({}) as Record<string, string>;
const EVERYTHING = new LabelSelector([]);
const NOTHING = new LabelSelector([], true);
export const everything = (): LabelSelector => EVERYTHING;
export const nothing = (): LabelSelector => NOTHING;

/** Go's field.Path rendering for a nil root path. */
const quote = (s: string): string => JSON.stringify(s);
function goStrings(vals: readonly string[]): string { return `[]string{${vals.map(quote).join(', ')}}`; }
function aggregate(errs: string[]): string { return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`; }

/**
 * NewRequirement's checks. `path` is the field path prefix ('' for a parsed string, whose
 * key errors Kubernetes reports under the nil path `<nil>`).
 */
export function newRequirement(key: string, op: Operator, vals: string[], path = ''): Requirement {
  const errs: string[] = [];
  const p = (child: string) => (path ? `${path}.${child}` : child);
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(`${p('key')}: Invalid value: ${quote(key)}: ${keyErrs.join('; ')}`);
  const vp = p('values');
  switch (op) {
    case 'in': case 'notin':
      if (vals.length === 0) errs.push(`${vp}: Invalid value: ${goStrings(vals)}: for 'in', 'notin' operators, values set can't be empty`);
      break;
    case '=': case '==': case '!=':
      if (vals.length !== 1) errs.push(`${vp}: Invalid value: ${goStrings(vals)}: exact-match compatibility requires one single value`);
      break;
    case 'exists': case '!':
      if (vals.length !== 0) errs.push(`${vp}: Invalid value: ${goStrings(vals)}: values set must be empty for exists and does not exist`);
      break;
    case 'gt': case 'lt':
      if (vals.length !== 1) errs.push(`${vp}: Invalid value: ${goStrings(vals)}: for 'Gt', 'Lt' operators, exactly one value is required`);
      vals.forEach((v, i) => { if (Number.isNaN(parseInt64(v))) errs.push(`${vp}[${i}]: Invalid value: ${quote(v)}: for 'Gt', 'Lt' operators, the value must be an integer`); });
      break;
    default:
      errs.push(`${p('operator')}: Unsupported value: ${quote(String(op))}: supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"`);
  }
  vals.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length) errs.push(`${vp}[${i}][${key}]: Invalid value: ${quote(v)}: ${ve.join('; ')}`);
  });
  if (errs.length) throw new Error(aggregate(errs));
  return new Requirement(key, op, vals);
}

function sortReqs(rs: Requirement[]): Requirement[] { return rs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)); }
/** sets.String's List(): unique and sorted. */
function setList(vals: string[]): string[] { return [...new Set(vals)].sort(); }

/** labels.Parse: the string form (`a=b,c in (d,e),!f,g`), errors in Kubernetes' words. */
export function parseSelector(selector: string): LabelSelector {
  const toks = lex(selector);
  let pos = 0;
  // In value position, the keywords `in` and `notin` are plain identifiers.
  const look = (values: boolean): Token => { const t = toks[pos]; return values && (t.t === Tok.In || t.t === Tok.NotIn) ? { t: Tok.Ident, s: t.s } : t; };
  const take = (values: boolean): Token => { const t = look(values); pos++; return t; };

  const parseValues = (): string[] => {
    let t = take(true);
    if (t.t !== Tok.OpenPar) throw new Error(`found '${t.s}' expected: '('`);
    t = look(true);
    if (t.t === Tok.ClosedPar) { pos++; return ['']; }
    if (t.t !== Tok.Ident && t.t !== Tok.Comma) throw new Error(`found '${t.s}', expected: ',', ')' or identifier`);
    const lit = t.s;
    const out: string[] = [];
    for (;;) {
      const c = take(true);
      if (c.t === Tok.Ident) {
        out.push(c.s);
        const n = look(true);
        if (n.t === Tok.Comma) continue;
        if (n.t === Tok.ClosedPar) break;
        throw new Error(`found '${n.s}', expected: ',' or ')'`);
      } else if (c.t === Tok.Comma) {
        if (out.length === 0) out.push('');
        const n = look(true);
        if (n.t === Tok.ClosedPar) { out.push(''); break; }
        if (n.t === Tok.Comma) { pos++; out.push(''); }
      } else {
        throw new Error(`found '${c.s}', expected: ',', or identifier`);
      }
    }
    if (take(true).t !== Tok.ClosedPar) throw new Error(`found '${lit}', expected: ')'`);
    return out;
  };

  const parseRequirement = (): Requirement => {
    let t = take(true);
    let op: Operator | undefined;
    if (t.t === Tok.Not) { op = '!'; t = take(true); }
    if (t.t !== Tok.Ident) throw new Error(`found '${t.s}', expected: identifier`);
    const key = t.s;
    const ke = isQualifiedName(key);
    if (ke.length) throw new Error(`<nil>: Invalid value: ${quote(key)}: ${ke.join('; ')}`);
    const n = look(true).t;
    if (n === Tok.End || n === Tok.Comma) return newRequirement(key, op ?? 'exists', []);
    if (op === '!') return newRequirement(key, '!', []);
    const o = take(false);
    switch (o.t) {
      case Tok.In: op = 'in'; break;
      case Tok.NotIn: op = 'notin'; break;
      case Tok.Eq: op = '='; break;
      case Tok.DoubleEq: op = '=='; break;
      case Tok.NotEq: op = '!='; break;
      case Tok.Gt: op = 'gt'; break;
      case Tok.Lt: op = 'lt'; break;
      default: throw new Error(`found '${o.s}', expected: ${BINARY_OPERATORS}`);
    }
    let vals: string[];
    if (op === 'in' || op === 'notin') vals = parseValues();
    else {
      const v = look(true);
      if (v.t === Tok.End || v.t === Tok.Comma) vals = [''];
      else { pos++; if (v.t !== Tok.Ident) throw new Error(`found '${v.s}', expected: identifier`); vals = [v.s]; }
    }
    return newRequirement(key, op, setList(vals));
  };

  const reqs: Requirement[] = [];
  for (;;) {
    const t = look(true);
    if (t.t === Tok.End) break;
    if (t.t !== Tok.Ident && t.t !== Tok.Not) throw new Error(`found '${t.s}', expected: !, identifier, or 'end of string'`);
    try { reqs.push(parseRequirement()); } catch (e) { throw new Error(`unable to parse requirement: ${(e as Error).message}`); }
    const after = take(true);
    if (after.t === Tok.End) break;
    if (after.t !== Tok.Comma) throw new Error(`found '${after.s}', expected: ',' or 'end of string'`);
    const n = look(true);
    if (n.t !== Tok.Ident && n.t !== Tok.Not) throw new Error(`found '${n.s}', expected: identifier after ','`);
  }
  return reqs.length ? new LabelSelector(sortReqs(reqs)) : EVERYTHING;
}

/** SelectorFromSet: every key must equal its value (no validation, as in Kubernetes). */
export function selectorFromSet(set: Record<string, string> | undefined | null): LabelSelector {
  if (!set) return EVERYTHING;
  const keys = Object.keys(set);
  if (!keys.length) return EVERYTHING;
  return new LabelSelector(sortReqs(keys.map((k) => new Requirement(k, '=', [set[k]]))));
}

export interface LabelSelectorRequirementObj { key: string; operator: string; values?: string[] }
export interface LabelSelectorObj { matchLabels?: Record<string, string> | null; matchExpressions?: LabelSelectorRequirementObj[] | null }

const OPS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** metav1.LabelSelectorAsSelector: null selects nothing, an empty selector selects everything. */
export function fromLabelSelector(ls: LabelSelectorObj | null | undefined): LabelSelector {
  if (ls === null || ls === undefined) return NOTHING;
  const ml = ls.matchLabels ?? {};
  const me = ls.matchExpressions ?? [];
  if (Object.keys(ml).length + me.length === 0) return EVERYTHING;
  const reqs: Requirement[] = [];
  for (const k of Object.keys(ml)) reqs.push(newRequirement(k, '=', [ml[k]]));
  for (const e of me) {
    const op = OPS[e?.operator];
    if (!op) throw new Error(`${quote(String(e?.operator ?? ''))} is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, [...(e.values ?? [])]));
  }
  return new LabelSelector(sortReqs(reqs));
}

/** metav1.FormatLabelSelector: the string form, `<none>` when empty, `<error>` when invalid. */
export function selectorString(ls: LabelSelectorObj | null | undefined): string {
  let s: string;
  try { s = fromLabelSelector(ls).toString(); } catch { return '<error>'; }
  return s || '<none>';
}

/** ValidateLabelSelector (metav1 validation), errors under `path`. */
export function validateLabelSelector(ls: LabelSelectorObj | null | undefined, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (!ls) return out;
  const ml = ls.matchLabels ?? {};
  for (const k of Object.keys(ml)) {
    for (const m of isQualifiedName(k)) out.push({ type: 'FieldValueInvalid', field: `${path}.matchLabels`, value: k, detail: m });
    for (const m of isValidLabelValue(String(ml[k]))) out.push({ type: 'FieldValueInvalid', field: `${path}.matchLabels`, value: ml[k], detail: m });
  }
  (ls.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const vals = e.values ?? [];
    switch (e.operator) {
      case 'In': case 'NotIn':
        if (vals.length === 0) out.push({ type: 'FieldValueRequired', field: `${p}.values`, detail: "must be specified when `operator` is 'In' or 'NotIn'" });
        break;
      case 'Exists': case 'DoesNotExist':
        if (vals.length > 0) out.push({ type: 'FieldValueForbidden', field: `${p}.values`, detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
        break;
      default:
        out.push({ type: 'FieldValueInvalid', field: `${p}.operator`, value: e.operator, detail: 'not a valid selector operator' });
    }
    for (const m of isQualifiedName(String(e.key ?? ''))) out.push({ type: 'FieldValueInvalid', field: `${p}.key`, value: e.key, detail: m });
    vals.forEach((v, j) => { for (const m of isValidLabelValue(String(v))) out.push({ type: 'FieldValueInvalid', field: `${p}.values[${j}]`, value: v, detail: m }); });
  });
  return out;
}
