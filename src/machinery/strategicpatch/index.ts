/**
 * @module machinery/strategicpatch
 * Strategic merge patch as Kubernetes does it (k8s.io/apimachinery/pkg/util/strategicpatch),
 * driven by the kind's schema: apply, two-way and three-way patch creation. Inputs are never
 * mutated. Where the schema does not describe a field, maps merge and lists replace (JSON merge
 * patch semantics), as for kinds without patch metadata.
 */
import type { Schema } from '../../api/schema/types.js';
import { type JMap, isMap, goType, concrete, ERR_BAD_PRIMITIVE_LIST, ERR_BAD_RETAIN_KEYS, ERR_BAD_SET_ORDER, ERR_NO_LIST_OF_LISTS } from './meta.js';
import { mergeMap } from './apply.js';
import { diffMaps } from './diff.js';
import { deepCopy } from '../deep-copy.js';

export { goFmt } from './meta.js';

/**
 * A strategic merge patch failure with the HTTP code the apiserver answers with
 * (interpretStrategicMergePatchError: bad directive formats 400, lists of lists 422, the rest 500).
 */
export class StrategicMergePatchError extends Error {
  constructor(message: string, readonly code: 400 | 422 | 500) { super(message); this.name = 'StrategicMergePatchError'; }
}

function classify(e: unknown): StrategicMergePatchError {
  if (e instanceof StrategicMergePatchError) return e;
  if (e instanceof RangeError) return new StrategicMergePatchError('strategic merge patch is nested too deeply', 400);
  const msg = e instanceof Error ? e.message : String(e);
  if (msg === ERR_BAD_PRIMITIVE_LIST || msg === ERR_BAD_RETAIN_KEYS || msg === ERR_BAD_SET_ORDER) return new StrategicMergePatchError(msg, 400);
  if (msg === ERR_NO_LIST_OF_LISTS) return new StrategicMergePatchError(msg, 422);
  return new StrategicMergePatchError(msg, 500);
}

function asMap(v: unknown, what: string): JMap {
  if (v === null || v === undefined) return {};
  if (!isMap(v)) throw new StrategicMergePatchError(`json: cannot unmarshal ${goType(v) === '[]interface {}' ? 'array' : typeof v} into Go value of type map[string]interface {} (${what})`, 400);
  return deepCopy(v);
}

/** StrategicMergeMapPatch: the patched copy of `original`. `schema` is the kind's root schema (or a $ref to it). */
export function applyStrategicMergePatch(original: object, patch: object, schema: Schema | undefined): JMap {
  const o = asMap(original, 'original'), p = asMap(patch, 'patch');
  try {
    return mergeMap(o, p, concrete(schema), { mergeParallelList: true, ignoreUnmatchedNulls: true });
  } catch (e) { throw classify(e); }
}

/** CreateTwoWayMergeMapPatch: the patch that turns `original` into `modified`. */
export function createTwoWayMergePatch(original: object, modified: object, schema: Schema | undefined): JMap {
  const o = asMap(original, 'original'), m = asMap(modified, 'modified');
  try {
    return diffMaps(o, m, concrete(schema), { setElementOrder: true, ignoreChangesAndAdditions: false, ignoreDeletions: false, buildRetainKeysDirective: false });
  } catch (e) { throw classify(e); }
}

/**
 * CreateThreeWayMergePatch (overwrite = true): changes from `current` to `modified` without
 * deletions, plus the deletions from `original` (the last-applied configuration) to `modified`.
 */
export function createThreeWayMergePatch(original: object | null, modified: object, current: object, schema: Schema | undefined): JMap {
  const o = asMap(original, 'original'), m = asMap(modified, 'modified'), c = asMap(current, 'current');
  const s = concrete(schema);
  try {
    const delta = diffMaps(c, m, s, { setElementOrder: true, ignoreChangesAndAdditions: false, ignoreDeletions: true, buildRetainKeysDirective: false });
    const deletions = diffMaps(o, m, s, { setElementOrder: true, ignoreChangesAndAdditions: true, ignoreDeletions: false, buildRetainKeysDirective: false });
    return mergeMap(deletions, delta, s, { mergeParallelList: false, ignoreUnmatchedNulls: false });
  } catch (e) { throw classify(e); }
}
