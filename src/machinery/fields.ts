/**
 * @module machinery/fields
 * Field selectors (`metadata.name=x,spec.nodeName!=`) as k8s.io/apimachinery/pkg/fields parses,
 * matches and prints them: only `=`, `==` and `!=`, values escaped with `\`.
 */

export type FieldOperator = '=' | '!=';

/** One term: `field=value` (hasTerm) or `field!=value` (notHasTerm). */
export interface FieldTerm { readonly field: string; readonly op: FieldOperator; readonly value: string }

/** EscapeValue: `\`, `,` and `=` in a value are backslash-escaped. */
export function escapeValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** UnescapeValue, with Kubernetes' errors (Go prints the offending rune as its code point). */
export function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new Error(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw new Error('invalid field selector: invalid escape sequence: \\');
  return out;
}

export class FieldSelector {
  constructor(readonly terms: readonly FieldTerm[]) {}
  /** Missing fields read as '' (fields.Set.Get). */
  matches(fields: Readonly<Record<string, string>>): boolean {
    const ts = this.terms;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i];
      const v = Object.prototype.hasOwnProperty.call(fields, t.field) ? fields[t.field] : '';
      if ((v === t.value) !== (t.op === '=')) return false;
    }
    return true;
  }
  empty(): boolean { return this.terms.length === 0; }
  /** The value `field` must equal, if the selector pins it (the apiserver's name / nodeName fast paths). */
  requiresExactMatch(field: string): string | undefined {
    for (const t of this.terms) if (t.field === field && t.op === '=') return t.value;
    return undefined;
  }
  toString(): string { return this.terms.map((t) => `${t.field}${t.op}${escapeValue(t.value)}`).join(','); }
  /**
   * ParseAndTransformSelector's transform: rename fields or rewrite values (field label conversion).
   * A term whose field and value both come back empty is dropped, as Kubernetes does.
   */
  transform(fn: (field: string, value: string) => [string, string]): FieldSelector {
    const out: FieldTerm[] = [];
    for (const t of this.terms) {
      const [f, v] = fn(t.field, t.value);
      if (f === '' && v === '') continue;
      out.push({ field: f, op: t.op, value: v });
    }
    return new FieldSelector(out);
  }
}

const EVERYTHING = new FieldSelector([]);
export const everythingFields = (): FieldSelector => EVERYTHING;

/** splitTerms: split on commas not escaped by a backslash (the backslash stays in the term). */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') { terms.push(s.slice(start, i)); start = i + 1; }
  }
  terms.push(s.slice(start));
  return terms;
}

/** splitTerm: the leftmost operator splits (`!=` before `==` before `=`); no escaping on the left. */
function splitTerm(term: string): [string, string, string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '=']) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** fields.ParseSelector. Terms are sorted as strings first, as Kubernetes sorts them. */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort();
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const sp = splitTerm(part);
    if (!sp) throw new Error(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, op, rhs] = sp;
    terms.push({ field, op: op === '!=' ? '!=' : '=', value: unescapeValue(rhs) });
  }
  return terms.length ? new FieldSelector(terms) : EVERYTHING;
}

/** SelectorFromSet / OneTermEqualSelector. */
export function fieldSelectorFromSet(set: Record<string, string>): FieldSelector {
  return new FieldSelector(Object.keys(set).map((field) => ({ field, op: '=' as const, value: set[field] })));
}
