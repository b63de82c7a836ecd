/**
 * @module machinery/jsonpatch
 * RFC 6902 JSON patch with RFC 6901 pointers, behaving and failing like the library Kubernetes
 * uses (gopkg.in/evanphx/json-patch.v4) with the apiserver's limits. Inputs are never mutated.
 */
import { deepCopy } from './deep-copy.js';

/** An error with the HTTP code the apiserver answers with (400 decode, 413 too big, 422 apply). */
export class JSONPatchError extends Error {
  constructor(message: string, readonly code: 400 | 413 | 422 = 422) { super(message); this.name = 'JSONPatchError'; }
}

/** The apiserver's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;
/** The apiserver's JSONPatchMaxCopyBytes (accumulated size increase from `copy`). */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

export interface JSONPatchOptions { maxOperations?: number; maxCopyBytes?: number }
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Container = Json[] | { [k: string]: Json };

const MISSING = ': missing value';
const goType = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v);
const isObj = (v: unknown): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : deepCopy(v));
const decodeKey = (k: string): string => k.replace(/~1/g, '/').replace(/~0/g, '~');
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
/** Assignment that treats `__proto__` as the plain key JSON says it is. */
function setKey(o: { [k: string]: Json }, k: string, v: Json): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/** strconv.Atoi, with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s) || s.replace(/^[+-]/, '').length > 18) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}
const badIndex = (i: number): Error => new Error(`Unable to access invalid index: ${i}: invalid index referenced`);

/** findObject: the container holding the last token of `path`, or undefined. */
function findContainer(doc: Container, path: string): { con: Container; key: string } | undefined {
  const parts = path.split('/');
  if (parts.length < 2 || parts[0] !== '') return undefined;
  let cur: Json = doc;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = decodeKey(parts[i]);
    let next: Json | undefined;
    if (Array.isArray(cur)) {
      let idx: number;
      try { idx = atoi(part); } catch { return undefined; }
      next = idx >= 0 && idx < cur.length ? cur[idx] : undefined;
    } else if (isObj(cur)) next = own(cur, part) ? cur[part] : undefined;
    if (next === undefined || next === null || typeof next !== 'object') return undefined;
    cur = next;
  }
  return typeof cur === 'object' && cur !== null ? { con: cur, key: decodeKey(parts[parts.length - 1]) } : undefined;
}

function get(con: Container, key: string): Json | undefined {
  if (!Array.isArray(con)) return own(con, key) ? con[key] : undefined;
  const idx = atoi(key);
  if (idx >= con.length || idx < 0) throw badIndex(idx);
  return con[idx];
}

function add(con: Container, key: string, val: Json): void {
  if (!Array.isArray(con)) { setKey(con, key, val); return; }
  if (key === '-') { con.push(val); return; }
  let idx: number;
  try { idx = atoi(key); } catch (e) { throw new Error(`value was not a proper array index: '${key}': ${(e as Error).message}`); }
  const size = con.length + 1;
  if (idx >= size || idx < -size) throw badIndex(idx);
  if (idx < 0) idx += size;
  con.splice(idx, 0, val);
}

function remove(con: Container, key: string): void {
  if (!Array.isArray(con)) {
    if (!own(con, key)) throw new Error(`Unable to remove nonexistent key: ${key}${MISSING}`);
    delete con[key];
    return;
  }
  let idx = atoi(key);
  if (idx >= con.length || idx < -con.length) throw badIndex(idx);
  if (idx < 0) idx += con.length;
  con.splice(idx, 1);
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => own(b, k) && jsonEqual((a as any)[k], (b as any)[k]));
}

/** Apply `patch` (the decoded request body) to `doc`; returns the patched copy. */
export function applyJSONPatch(doc: unknown, patch: unknown, opts: JSONPatchOptions = {}): unknown {
  if (!Array.isArray(patch)) throw new JSONPatchError(`json: cannot unmarshal ${goType(patch)} into Go value of type jsonpatch.Patch`, 400);
  for (const op of patch) {
    if (!isObj(op)) throw new JSONPatchError(`json: cannot unmarshal ${goType(op)} into Go value of type jsonpatch.Operation`, 400);
  }
  const maxOps = opts.maxOperations ?? MAX_JSON_PATCH_OPERATIONS;
  if (patch.length > maxOps) throw new JSONPatchError(`The allowed maximum operations in a JSON patch is ${maxOps}, got ${patch.length}`, 413);
  if (typeof doc !== 'object' || doc === null) throw new JSONPatchError('json: cannot unmarshal the document into Go value of type jsonpatch.partialDoc', 400);
  const maxCopy = opts.maxCopyBytes ?? MAX_JSON_PATCH_COPY_BYTES;
  let copied = 0;
  const root = clone(doc) as Container;

  for (const op of patch as { [k: string]: Json }[]) {
    const kind = typeof op.op === 'string' ? op.op : 'unknown';
    const field = (name: 'path' | 'from'): string => {
      const v = op[name];
      if (typeof v === 'string') return v;
      if (v === undefined || v === null) {
        const what = name === 'path' ? 'operation missing path field' : 'operation, missing from field';
        throw new JSONPatchError(`${kind} operation failed to decode ${name}: ${what}${MISSING}`);
      }
      throw new JSONPatchError(`${kind} operation failed to decode ${name}: json: cannot unmarshal ${goType(v)} into Go value of type string`);
    };
    const value = (): Json => (own(op, 'value') ? clone(op.value) : null);
    const wrap = (prefix: string, fn: () => void): void => {
      try { fn(); } catch (e) { throw e instanceof JSONPatchError ? e : new JSONPatchError(`${prefix}: ${(e as Error).message}`); }
    };
    switch (kind) {
      case 'add': {
        const path = field('path');
        const c = findContainer(root, path);
        if (!c) throw new JSONPatchError(`add operation does not apply: doc is missing path: "${path}"${MISSING}`);
        wrap(`error in add for path: '${path}'`, () => add(c.con, c.key, value()));
        break;
      }
      case 'remove': {
        const path = field('path');
        const c = findContainer(root, path);
        if (!c) throw new JSONPatchError(`remove operation does not apply: doc is missing path: "${path}"${MISSING}`);
        wrap(`error in remove for path: '${path}'`, () => remove(c.con, c.key));
        break;
      }
      case 'replace': {
        const path = field('path');
        const c = findContainer(root, path);
        if (!c) throw new JSONPatchError(`replace operation does not apply: doc is missing path: ${path}${MISSING}`);
        // Like evanphx v4, replacing a missing object key sets it; a missing array index fails.
        try { get(c.con, c.key); } catch { throw new JSONPatchError(`replace operation does not apply: doc is missing key: ${path}${MISSING}`); }
        if (Array.isArray(c.con)) c.con[atoi(c.key)] = value(); else setKey(c.con, c.key, value());
        break;
      }
      case 'move': case 'copy': {
        const from = field('from');
        const src = findContainer(root, from);
        if (!src) throw new JSONPatchError(`${kind} operation does not apply: doc is missing from path: ${from}${MISSING}`);
        let val: Json | undefined;
        wrap(kind === 'move' ? `error in move for path: '${src.key}'` : `error in copy for from: '${from}'`, () => { val = get(src.con, src.key); });
        if (kind === 'move') wrap(`error in move for path: '${src.key}'`, () => remove(src.con, src.key));
        const path = field('path');
        const dst = findContainer(root, path);
        if (!dst) throw new JSONPatchError(`${kind} operation does not apply: doc is missing destination path: ${path}${MISSING}`);
        if (kind === 'copy') {
          copied += JSON.stringify(val ?? null).length;
          if (maxCopy > 0 && copied > maxCopy) {
            throw new JSONPatchError(`Unable to complete the copy, the accumulated size increase of copy is ${copied}, exceeding the limit ${maxCopy}`);
          }
          val = clone(val ?? null);
        }
        wrap(kind === 'move' ? `error in move for path: '${path}'` : 'error while adding value during copy', () => add(dst.con, dst.key, val ?? null));
        break;
      }
      case 'test': {
        const path = field('path');
        const c = findContainer(root, path);
        if (!c) throw new JSONPatchError(`test operation does not apply: is missing path: ${path}${MISSING}`);
        let val: Json | undefined;
        wrap(`error in test for path: '${path}'`, () => { val = get(c.con, c.key); });
        const want = own(op, 'value') ? op.value : undefined;
        const ok = val === undefined || val === null ? want === undefined || want === null : want !== undefined && jsonEqual(val, want);
        if (!ok) throw new JSONPatchError(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw new JSONPatchError(`Unexpected kind: ${kind}`);
    }
  }
  return root;
}
