/**
 * @module machinery/strategicpatch/meta
 * Patch metadata from a kind's schema (patch strategy and merge key per field, as Kubernetes reads
 * them from struct tags), plus the error texts of k8s.io/apimachinery/pkg/util/mergepatch, which
 * print values the way Go's `%v` does.
 */
import type { Schema } from '../../api/schema/types.js';
import { resolve } from '../../api/schema/registry.js';

export type JMap = { [k: string]: any };
export const DIRECTIVE = '$patch';
export const DELETE_PREFIX = '$deleteFromPrimitiveList';
export const ORDER_PREFIX = '$setElementOrder';
export const RETAIN_KEYS = '$retainKeys';

export const isMap = (v: unknown): v is JMap => typeof v === 'object' && v !== null && !Array.isArray(v);
export const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
/** Assignment that treats `__proto__` as the plain key JSON says it is. */
export function setKey(o: JMap, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}
/** The Go dynamic type a decoded JSON value would have (reflect.TypeOf). */
export function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'object': return 'map[string]interface {}';
    case 'number': return 'float64';
    case 'boolean': return 'bool';
    default: return 'string';
  }
}

/** Go's `%v` for decoded JSON: maps print with sorted keys, slices space-separated. */
export function goFmt(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goFmt).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goFmt((v as JMap)[k])}`).join(' ')}]`;
  if (typeof v === 'number') {
    if (v !== 0 && Math.abs(v) < 1e-4) return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
    return String(v);
  }
  return String(v);
}

export const errNoMergeKey = (m: unknown, k: string): Error => new Error(`map: ${goFmt(m)} does not contain declared merge key: ${k}`);
export const errBadArgType = (expected: string, actual: unknown): Error => new Error(`expected a ${expected}, but received a ${goType(actual)}`);
export const errBadPatchType = (t: unknown, m: unknown): Error => new Error(`unknown patch type: ${goFmt(t)} in map: ${goFmt(m)}`);
export const ERR_NO_LIST_OF_LISTS = 'lists of lists are not supported';
export const ERR_BAD_PRIMITIVE_LIST = 'invalid patch format of primitive list';
export const ERR_BAD_RETAIN_KEYS = 'invalid patch format of retainKeys';
export const ERR_BAD_SET_ORDER = 'invalid patch format of setElementOrder list';
export const MAP_T = 'map[string]interface {}';
export const SLICE_T = '[]interface {}';

/** What Kubernetes' LookupPatchMetadata gives for one field. */
export interface FieldMeta {
  /** The field's resolved schema; undefined when unknown (then: no strategy, maps merge, lists replace). */
  schema?: Schema;
  /** The list's element schema, resolved. */
  items?: Schema;
  strategies: string[];
  mergeKey: string;
}

/** Follow $ref and single-element allOf wrappers to a concrete schema. */
export function concrete(s: Schema | undefined): Schema | undefined {
  let cur = resolve(s);
  for (let i = 0; cur && !cur.type && !cur.properties && cur.allOf?.length === 1 && i < 8; i++) cur = resolve(cur.allOf[0]);
  return cur;
}

const NO_META: FieldMeta = { strategies: [], mergeKey: '' };

export function lookupPatchMeta(parent: Schema | undefined, key: string): FieldMeta {
  if (!parent) return NO_META;
  const raw = parent.properties?.[key] ?? (typeof parent.additionalProperties === 'object' ? parent.additionalProperties : undefined);
  if (!raw) return NO_META;
  const schema = concrete(raw);
  const strategy = raw['x-kubernetes-patch-strategy'] ?? schema?.['x-kubernetes-patch-strategy'] ?? '';
  const mergeKey = raw['x-kubernetes-patch-merge-key'] ?? schema?.['x-kubernetes-patch-merge-key'] ?? '';
  return { schema, items: schema?.items ? concrete(schema.items) : undefined, strategies: strategy ? strategy.split(',') : [], mergeKey };
}

/** extractRetainKeysPatchStrategy: [retainKeys?, the other strategy]. */
export function splitStrategies(strategies: string[]): [boolean, string] {
  switch (strategies.length) {
    case 0: return [false, ''];
    case 1: return strategies[0] === 'retainKeys' ? [true, ''] : [false, strategies[0]];
    case 2:
      if (strategies[0] === 'retainKeys') return [true, strategies[1]];
      if (strategies[1] === 'retainKeys') return [true, strategies[0]];
  }
  throw new Error(`unexpected patch strategy: [${strategies.join(' ')}]`);
}

/** The kind a list's elements share ('map' or a scalar kind); errors as sliceElementType does. */
export function sliceElementKind(...slices: unknown[][]): string {
  let prev: string | undefined;
  for (const s of slices) {
    for (const v of s) {
      const t = goType(v);
      if (prev === undefined) {
        prev = t;
        if (t === SLICE_T) throw new Error(ERR_NO_LIST_OF_LISTS);
      } else if (prev !== t) {
        throw new Error(`list element types are not identical: ${goFmt(slices)}`);
      }
    }
  }
  if (prev === undefined) throw new Error('no elements in any of the given slices');
  return prev === MAP_T ? 'map' : prev;
}

/** Strict equality the way Go compares interface values holding scalars (maps never compare equal here). */
export const same = (a: unknown, b: unknown): boolean => a === b;

/** sortScalars: by `%v` text. */
export function sortScalars<T>(s: T[]): T[] {
  return s.map((v) => [goFmt(v), v] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((x) => x[1]);
}

/** deduplicateScalars: Kubernetes' in-place algorithm (a duplicate is replaced by the last element). */
export function dedupeScalars<T>(input: T[]): T[] {
  const s = input.slice();
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (same(s[i], s[j])) { s[j] = s[length]; s.length = length; length--; j--; }
    }
  }
  return s;
}
