/**
 * @module machinery/mergepatch
 * RFC 7386 JSON merge patch: apply (objects merge recursively, null deletes, anything else
 * replaces) and create (the patch that turns one document into another). Inputs are never mutated.
 */
import { jsonEqual } from './jsonpatch.js';
import { deepCopy } from './deep-copy.js';

type JsonObject = { [k: string]: unknown };
const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Assignment that treats `__proto__` as the plain key JSON says it is. */
export function setKey(o: JsonObject, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** A deep copy of a JSON value, dropping nulls inside objects (what merging into nothing gives). */
function pruned(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? deepCopy(x) : x));
  if (!isObj(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v)) if (v[k] !== null) setKey(out, k, pruned(v[k]));
  return out;
}

/** MergePatch(target, patch) of RFC 7386 section 2, returning a new document. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return typeof patch === 'object' && patch !== null ? deepCopy(patch) : patch;
  const out: JsonObject = {};
  if (isObj(target)) for (const k of Object.keys(target)) setKey(out, k, target[k]);
  for (const k of Object.keys(patch)) {
    const pv = patch[k];
    if (pv === null) { delete out[k]; continue; }
    if (isObj(pv)) setKey(out, k, own(out, k) && isObj(out[k]) ? applyMergePatch(out[k], pv) : pruned(pv));
    else setKey(out, k, pruned(pv));
  }
  // Untouched subtrees were shared above; copy them so the result never aliases the input.
  if (isObj(target)) for (const k of Object.keys(out)) if (own(target, k) && out[k] === target[k] && typeof out[k] === 'object' && out[k] !== null) setKey(out, k, deepCopy(out[k]));
  return out;
}

/**
 * CreateMergePatch: keys added or changed in `modified` take its value, removed keys become
 * null, objects are diffed recursively, arrays and scalars are replaced whole.
 */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (!isObj(original) || !isObj(modified)) {
    return jsonEqual(original, modified) ? {} : deepCopy(modified);
  }
  return diffObjects(original, modified);
}

function diffObjects(a: JsonObject, b: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const k of Object.keys(b)) {
    const bv = b[k];
    if (!own(a, k)) { setKey(patch, k, deepCopy(bv)); continue; }
    const av = a[k];
    if (isObj(av) && isObj(bv)) {
      const sub = diffObjects(av, bv);
      if (Object.keys(sub).length) setKey(patch, k, sub);
    } else if (!jsonEqual(av, bv)) {
      setKey(patch, k, typeof bv === 'object' && bv !== null ? deepCopy(bv) : bv);
    }
  }
  for (const k of Object.keys(a)) if (!own(b, k)) setKey(patch, k, null);
  return patch;
}
