/**
 * @module api/schema/validate
 * Runtime validation of an object against its schema, in the apiserver's words: kube-openapi's
 * messages (`spec.replicas in body must be of type integer: "string"`) turned into field errors the way
 * apiextensions does, plus the unknown-field paths that fieldValidation=Strict|Warn reports.
 * Schemas are compiled once into closures (cached per schema object; `$ref`s resolve lazily, so CRD
 * definitions that change are picked up without invalidation).
 */
import type { Schema } from './types.js';
import { definition } from './registry.js';
import type { FieldError } from '../../machinery/field-errors.js';

/** A wrong JSON type. `goType`/`goField` let built-in kinds phrase it as the Go decoder would (400). */
export interface SchemaTypeError extends FieldError { goType: string; goField: string; jsonType: string }

export interface SchemaCheckResult {
  /** Constraint errors (required, enum, pattern, bounds, duplicates...): a 422 Invalid. */
  errors: FieldError[];
  /** Wrong JSON types. Built-in kinds: a 400 decode error; custom resources: part of the 422. */
  typeErrors: SchemaTypeError[];
  /** Paths of fields the schema does not know, as Kubernetes prints them: `spec.foo`, `spec.containers[0].bar`. */
  unknown: string[];
}

export interface ValidateOptions {
  /** Prefix of every reported path ('' for a whole object). */
  path?: string;
  unknownFields: 'Ignore' | 'Warn' | 'Strict';
  /** Custom resources: apiextensions rules (null on a non-nullable field is a type error, list-type uniqueness, embedded resources). */
  custom?: boolean;
}

interface Ctx {
  errors: FieldError[]; typeErrors: SchemaTypeError[]; unknown: string[] | null; custom: boolean;
}
type V = (v: unknown, path: string, cx: Ctx, goStruct: string) => void;

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const INT32_MIN = -2147483648, INT32_MAX = 2147483647;

/** The JSON type name kube-openapi reports for a value. */
export function jsonTypeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string': return 'string';
    case 'boolean': return 'boolean';
    case 'number': return Number.isInteger(v) ? 'integer' : 'number';
    default: return 'object';
  }
}

const name = (path: string): string => path || '.';
const child = (path: string, key: string): string => (path ? `${path}.${key}` : key);

function typeError(cx: Ctx, path: string, want: string, v: unknown, goType: string, goStruct: string): void {
  const jt = jsonTypeOf(v);
  cx.typeErrors.push({
    type: 'FieldValueTypeInvalid', field: path, value: jt, jsonType: jt, goType,
    goField: goStruct ? `${goStruct}.${path.replace(/\[[^\]]*\]/g, '')}` : path.replace(/\[[^\]]*\]/g, ''),
    detail: `${name(path)} in body must be of type ${want}: ${JSON.stringify(jt)}`,
  });
}
const invalidAt = (cx: Ctx, path: string, value: unknown, detail: string): void => {
  cx.errors.push({ type: 'FieldValueInvalid', field: path, value, detail });
};

/** The Go type a schema decodes into, for built-in decode errors (`int32`, `v1.PodSpec`, `map[string]string`). */
function goTypeOf(s: Schema | undefined, depth = 0): string {
  if (!s || depth > 4) return 'interface {}';
  if (s.$ref) {
    if (s.$ref === QUANTITY) return 'resource.Quantity';
    if (s.$ref === INT_OR_STRING) return 'intstr.IntOrString';
    const parts = s.$ref.split('.');
    return parts.length >= 2 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : s.$ref;
  }
  switch (s.type) {
    case 'string': return 'string';
    case 'boolean': return 'bool';
    case 'integer': return s.format === 'int32' ? 'int32' : 'int64';
    case 'number': return 'float64';
    case 'array': return `[]${goTypeOf(s.items, depth + 1)}`;
    case 'object':
      if (s.additionalProperties && typeof s.additionalProperties === 'object') return `map[string]${goTypeOf(s.additionalProperties, depth + 1)}`;
      return 'map[string]interface {}';
    default: return 'interface {}';
  }
}

const cache = new WeakMap<Schema, V>();

/** The compiled validator of a schema (cached). */
export function compile(s: Schema): V {
  let v = cache.get(s);
  if (!v) { v = build(s); cache.set(s, v); }
  return v;
}

function refValidator(refName: string): V {
  if (refName === QUANTITY) return quantityV;
  if (refName === INT_OR_STRING) return intOrStringV(refName);
  const goStruct = refName.slice(refName.lastIndexOf('.') + 1);
  return (v, path, cx) => {
    const d = definition(refName);
    if (d) compile(d)(v, path, cx, goStruct);
  };
}

const quantityV: V = (v, path, cx, goStruct) => {
  if (typeof v === 'number') return;
  if (typeof v !== 'string') return typeError(cx, path, 'string', v, 'resource.Quantity', goStruct);
  if (!QUANTITY_RE.test(v.trim()) || v.trim() === '') {
    cx.typeErrors.push({
      type: 'FieldValueTypeInvalid', field: path, value: v, jsonType: 'string', goType: 'resource.Quantity', goField: path,
      detail: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    });
  }
};
const intOrStringV = (_n: string): V => (v, path, cx, goStruct) => {
  if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return;
  typeError(cx, path, 'integer-or-string', v, 'intstr.IntOrString', goStruct);
};

function build(s: Schema): V {
  if (s.$ref) {
    // A $ref with siblings (description) behaves as the referenced schema.
    return refValidator(s.$ref);
  }
  const checks: V[] = [];
  const type = s.type ?? (s.properties || s.additionalProperties !== undefined ? 'object' : s.items ? 'array' : undefined);
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const nullable = s.nullable === true;
  const goType = goTypeOf(s);

  if (intOrString) checks.push(intOrStringV(''));
  else if (type === 'string') checks.push(stringChecks(s, goType));
  else if (type === 'integer' || type === 'number') checks.push(numberChecks(s, type, goType));
  else if (type === 'boolean') checks.push((v, p, cx, gs) => { if (typeof v !== 'boolean') typeError(cx, p, 'boolean', v, goType, gs); });
  else if (type === 'object') checks.push(objectChecks(s, goType));
  else if (type === 'array') checks.push(arrayChecks(s, goType));

  if (s.enum && s.enum.length) {
    const allowed = s.enum;
    const keys = new Set(allowed.map((x) => JSON.stringify(x)));
    checks.push((v, p, cx) => {
      if (!keys.has(JSON.stringify(v))) {
        cx.errors.push({ type: 'FieldValueNotSupported', field: p, value: v, supported: allowed.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) });
      }
    });
  }
  if (s.allOf) for (const sub of s.allOf) { const sv = compile(sub); checks.push((v, p, cx, gs) => sv(v, p, cx, gs)); }
  if (s.anyOf) checks.push(combinator(s.anyOf, 'any'));
  if (s.oneOf) checks.push(combinator(s.oneOf, 'one'));
  if (s.not) {
    const nv = compile(s.not);
    checks.push((v, p, cx, gs) => {
      const scratch: Ctx = { errors: [], typeErrors: [], unknown: null, custom: cx.custom };
      nv(v, p, scratch, gs);
      if (!scratch.errors.length && !scratch.typeErrors.length) invalidAt(cx, p, v, `${name(p)} in body must not validate the schema (not)`);
    });
  }
  const n = checks.length;
  return (v, path, cx, goStruct) => {
    if (v === null || v === undefined) {
      // Built-in kinds decode null as the zero value; custom resources reject it unless nullable.
      if (v === null && cx.custom && !nullable && type) typeError(cx, path, type, v, goType, goStruct);
      return;
    }
    for (let i = 0; i < n; i++) checks[i](v, path, cx, goStruct);
  };
}

function combinator(subs: Schema[], kind: 'any' | 'one'): V {
  const vs = subs.map(compile);
  return (v, p, cx, gs) => {
    let passed = 0;
    for (const sv of vs) {
      const scratch: Ctx = { errors: [], typeErrors: [], unknown: null, custom: cx.custom };
      sv(v, p, scratch, gs);
      if (!scratch.errors.length && !scratch.typeErrors.length) passed++;
    }
    if (kind === 'any' && passed === 0) invalidAt(cx, p, v, `${name(p)} must validate at least one schema (anyOf)`);
    if (kind === 'one' && passed !== 1) invalidAt(cx, p, v, `${name(p)} must validate one and only one schema (oneOf)`);
  };
}

function runeLength(str: string): number {
  let n = 0;
  for (let i = 0; i < str.length; i++) { const c = str.charCodeAt(i); if (c < 0xd800 || c > 0xdbff) n++; }
  return n;
}

/** Go RE2 patterns are mostly ECMAScript; fall back to non-unicode mode for escapes `u` rejects. */
function patternRegExp(pattern: string): RegExp | null {
  try { return new RegExp(pattern, 'u'); } catch { /* try without u */ }
  try { return new RegExp(pattern); } catch { return null; }
}

function stringChecks(s: Schema, goType: string): V {
  const re = s.pattern !== undefined ? patternRegExp(s.pattern) : null;
  const { minLength, maxLength, format } = s;
  const dateTime = format === 'date-time';
  return (v, p, cx, gs) => {
    if (typeof v !== 'string') return typeError(cx, p, 'string', v, goType, gs);
    if (maxLength !== undefined && v.length > maxLength && runeLength(v) > maxLength) {
      cx.errors.push({ type: 'FieldValueTooLong', field: p, value: v, detail: `may not be longer than ${maxLength}` });
    }
    if (minLength !== undefined && runeLength(v) < minLength) invalidAt(cx, p, v, `${name(p)} in body should be at least ${minLength} chars long`);
    if (re && !re.test(v)) invalidAt(cx, p, v, `${name(p)} in body should match '${s.pattern}'`);
    if (dateTime && !RFC3339_RE.test(v)) {
      cx.typeErrors.push({ type: 'FieldValueTypeInvalid', field: p, value: v, jsonType: 'string', goType: 'v1.Time', goField: p,
        detail: `${name(p)} in body must be of type date-time: ${JSON.stringify(v)}` });
    }
  };
}

function numberChecks(s: Schema, type: 'integer' | 'number', goType: string): V {
  const int32 = type === 'integer' && s.format === 'int32';
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = s;
  return (v, p, cx, gs) => {
    if (typeof v !== 'number' || (type === 'integer' && !Number.isInteger(v))) return typeError(cx, p, type, v, goType, gs);
    if (int32 && (v < INT32_MIN || v > INT32_MAX)) {
      cx.typeErrors.push({ type: 'FieldValueTypeInvalid', field: p, value: String(v), jsonType: 'integer', goType, goField: p,
        detail: `${name(p)} in body must be of type int32: ${JSON.stringify(String(v))}` });
      return;
    }
    if (minimum !== undefined && (exclusiveMinimum ? v <= minimum : v < minimum)) {
      invalidAt(cx, p, v, `${name(p)} in body should be greater than ${exclusiveMinimum ? '' : 'or equal to '}${minimum}`);
    }
    if (maximum !== undefined && (exclusiveMaximum ? v >= maximum : v > maximum)) {
      invalidAt(cx, p, v, `${name(p)} in body should be less than ${exclusiveMaximum ? '' : 'or equal to '}${maximum}`);
    }
    if (multipleOf !== undefined && multipleOf > 0) {
      const q = v / multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9) invalidAt(cx, p, v, `${name(p)} in body should be a multiple of ${multipleOf}`);
    }
  };
}

function objectChecks(s: Schema, goType: string): V {
  const props = s.properties ?? {};
  const propV = new Map<string, V>(Object.entries(props).map(([k, ps]) => [k, compile(ps)]));
  const ap = s.additionalProperties;
  const apV = ap && typeof ap === 'object' ? compile(ap) : null;
  const allowAny = ap === true || s['x-kubernetes-preserve-unknown-fields'] === true;
  const forbidExtra = ap === false;
  // Built-in kinds: an object with neither properties nor additionalProperties is opaque (RawExtension,
  // map[string]interface{}). Custom resources: structural schemas prune such fields.
  const opaque = !s.properties && ap === undefined;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  const required = s.required ?? [];
  const { minProperties, maxProperties } = s;
  const metaV = embedded ? refValidator(OBJECT_META) : null;
  return (v, p, cx, gs) => {
    if (typeof v !== 'object' || Array.isArray(v)) return typeError(cx, p, 'object', v, goType, gs);
    const o = v as Record<string, unknown>;
    let count = 0;
    for (const k in o) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
      count++;
      const pv = propV.get(k);
      if (pv) { pv(o[k], child(p, k), cx, gs); continue; }
      if (apV) { apV(o[k], child(p, k), cx, gs); continue; }
      if (embedded && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) {
        if (k === 'metadata') metaV!(o[k], child(p, k), cx, 'ObjectMeta');
        else if (typeof o[k] !== 'string') typeError(cx, child(p, k), 'string', o[k], 'string', gs);
        continue;
      }
      if (allowAny || (opaque && !cx.custom)) continue;
      if (forbidExtra) { invalidAt(cx, child(p, k), k, `${name(p)}.${k} in body is a forbidden property`); continue; }
      if (cx.unknown) cx.unknown.push(child(p, k));
    }
    for (let i = 0; i < required.length; i++) {
      const r = required[i];
      if (o[r] === undefined || (o[r] === null && !cx.custom)) cx.errors.push({ type: 'FieldValueRequired', field: child(p, r), detail: '' });
    }
    if (embedded && cx.custom) {
      if (o.apiVersion === undefined || o.apiVersion === '') cx.errors.push({ type: 'FieldValueRequired', field: child(p, 'apiVersion'), detail: 'must not be empty' });
      if (o.kind === undefined || o.kind === '') cx.errors.push({ type: 'FieldValueRequired', field: child(p, 'kind'), detail: 'must not be empty' });
    }
    if (minProperties !== undefined && count < minProperties) invalidAt(cx, p, count, `${name(p)} in body should have at least ${minProperties} properties`);
    if (maxProperties !== undefined && count > maxProperties) {
      cx.errors.push({ type: 'FieldValueTooMany', field: p, value: count, detail: `${count}: must have at most ${maxProperties} items` });
    }
  };
}

function arrayChecks(s: Schema, goType: string): V {
  const itemV = s.items ? compile(s.items) : null;
  const { minItems, maxItems, uniqueItems } = s;
  const listType = s['x-kubernetes-list-type'];
  const mapKeys = s['x-kubernetes-list-map-keys'] ?? (s['x-kubernetes-patch-merge-key'] ? [s['x-kubernetes-patch-merge-key']] : []);
  return (v, p, cx, gs) => {
    if (!Array.isArray(v)) return typeError(cx, p, 'array', v, goType, gs);
    if (itemV) for (let i = 0; i < v.length; i++) itemV(v[i], `${p}[${i}]`, cx, gs);
    if (maxItems !== undefined && v.length > maxItems) {
      cx.errors.push({ type: 'FieldValueTooMany', field: p, value: v.length, detail: `${v.length}: must have at most ${maxItems} items` });
    }
    if (minItems !== undefined && v.length < minItems) invalidAt(cx, p, v.length, `${name(p)} in body should have at least ${minItems} items`);
    if (uniqueItems && v.length > 1) {
      const seen = new Set<string>();
      for (const x of v) { const k = JSON.stringify(x); if (seen.has(k)) { invalidAt(cx, p, '', `${name(p)} in body shouldn't contain duplicates`); break; } seen.add(k); }
    }
    // List-type uniqueness is an apiextensions rule; built-in kinds validate their own lists.
    if (cx.custom && v.length > 1 && (listType === 'set' || (listType === 'map' && mapKeys.length))) {
      const seen = new Set<string>();
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        let key: string; let shown: unknown;
        if (listType === 'set') { key = JSON.stringify(x); shown = x; } else {
          if (!x || typeof x !== 'object') continue;
          const kv: Record<string, unknown> = {};
          for (const mk of mapKeys) kv[mk] = (x as any)[mk];
          key = JSON.stringify(mapKeys.map((mk) => (x as any)[mk] ?? null)); shown = kv;
        }
        if (seen.has(key)) cx.errors.push({ type: 'FieldValueDuplicate', field: `${p}[${i}]`, value: shown });
        else seen.add(key);
      }
    }
  };
}

/** Validate `obj` against `schema`. Unknown fields are collected unless unknownFields is 'Ignore'. */
export function validateAgainstSchema(obj: unknown, schema: Schema, opts: ValidateOptions): SchemaCheckResult {
  const cx: Ctx = { errors: [], typeErrors: [], unknown: opts.unknownFields === 'Ignore' ? null : [], custom: !!opts.custom };
  const goStruct = schema.$ref ? schema.$ref.slice(schema.$ref.lastIndexOf('.') + 1) : '';
  compile(schema)(obj, opts.path ?? '', cx, goStruct);
  return { errors: cx.errors, typeErrors: cx.typeErrors, unknown: cx.unknown ?? [] };
}

/** Validate against a named definition (`io.k8s.api.apps.v1.Deployment`). */
export function validateDefinition(obj: unknown, defName: string, opts: ValidateOptions): SchemaCheckResult {
  return validateAgainstSchema(obj, { $ref: defName }, opts);
}

/** All errors of a result as one list (type errors first), e.g. for a custom resource's 422. */
export function allErrors(r: SchemaCheckResult): FieldError[] {
  return r.typeErrors.length ? [...r.typeErrors, ...r.errors] : r.errors;
}
