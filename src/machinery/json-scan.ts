/**
 * @module machinery/json-scan
 * Find duplicate object keys in JSON text without building values. JSON.parse silently keeps the
 * last duplicate; Kubernetes' strict decoding reports each one (`duplicate field "spec.replicas"`),
 * so every request body is scanned once here before it is parsed. Paths are built only for the
 * duplicates found, so deep documents cost linear time.
 */

/** Kubernetes' decoder refuses documents nested deeper than this (sigs.k8s.io/json). */
export const MAX_JSON_DEPTH = 10000;

export class JSONDepthError extends Error {
  constructor() { super('json: exceeded max depth'); this.name = 'JSONDepthError'; }
}

/** Paths (dot-joined, arrays as `[i]`) of keys that occur twice in the same object. Assumes `text` is valid JSON. */
export function findDuplicateKeys(text: string): string[] {
  const dups: string[] = [];
  // One frame per open object or array: the keys seen (objects) or null (arrays), the segment that
  // leads to it from its parent, and the current array index.
  const keys: (Set<string> | null)[] = [];
  const segs: string[] = [];
  const idx: number[] = [];
  let lastKey = '';
  let expectKey = false;
  const n = text.length;
  const pathOf = (depth: number): string => {
    let p = '';
    for (let i = 1; i <= depth; i++) p += segs[i].startsWith('[') ? segs[i] : (p ? '.' : '') + segs[i];
    return p;
  };
  const open = (isObject: boolean) => {
    const d = keys.length - 1;
    const seg = d < 0 ? '' : keys[d] === null ? `[${idx[d]}]` : lastKey;
    keys.push(isObject ? new Set() : null);
    segs.push(seg);
    idx.push(0);
    if (keys.length > MAX_JSON_DEPTH) throw new JSONDepthError();
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      let j = i + 1;
      let simple = true;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92) { simple = false; j += 2; continue; }
        if (d === 34) break;
        j++;
      }
      if (expectKey) {
        const key = simple ? text.slice(i + 1, j) : (JSON.parse(text.slice(i, j + 1)) as string);
        const set = keys[keys.length - 1]!;
        if (set.has(key)) {
          const base = pathOf(keys.length - 1);
          dups.push(base ? `${base}.${key}` : key);
        } else set.add(key);
        lastKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 123 /* { */) {
      open(true);
      expectKey = true;
    } else if (c === 91 /* [ */) {
      open(false);
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      keys.pop(); segs.pop(); idx.pop();
    } else if (c === 44 /* , */) {
      const d = keys.length - 1;
      if (d >= 0) {
        if (keys[d] === null) idx[d]++;
        else expectKey = true;
      }
    }
  }
  return dups;
}

/**
 * Whether `text` (valid JSON) has a duplicate key, given `parsed` = JSON.parse(text): JSON.parse
 * keeps one key per duplicate, so the text has more keys than the parsed value exactly when a key
 * repeats. Counting is a few native string searches, where findDuplicateKeys builds a set per
 * object (it cost more than the parse itself for a pod). Undefined when the value is too deep to
 * count here (findDuplicateKeys then decides, and enforces the depth limit).
 */
export function mayHaveDuplicateKeys(text: string, parsed: unknown): boolean | undefined {
  const inValue = countKeys(parsed, 0);
  if (inValue < 0) return undefined;
  let inText = 0;
  let pos = 0;
  for (;;) {
    const open = text.indexOf('"', pos);
    if (open < 0) break;
    // The closing quote: the next one not escaped (preceded by an even run of backslashes).
    let close = text.indexOf('"', open + 1);
    while (close > 0) {
      let bs = 0;
      for (let k = close - 1; text.charCodeAt(k) === 92; k--) bs++;
      if (bs % 2 === 0) break;
      close = text.indexOf('"', close + 1);
    }
    if (close < 0) break;
    let k = close + 1;
    let c = text.charCodeAt(k);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++k);
    if (c === 58 /* : */) inText++;
    pos = close + 1;
  }
  return inText !== inValue;
}

/** Keys in every object of a parsed JSON value; -1 past a depth no real object reaches. */
function countKeys(v: unknown, depth: number): number {
  if (v === null || typeof v !== 'object') return 0;
  if (depth > 100) return -1;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) { const m = countKeys(x, depth + 1); if (m < 0) return -1; n += m; }
    return n;
  }
  for (const k in v as object) {
    n++;
    const m = countKeys((v as Record<string, unknown>)[k], depth + 1);
    if (m < 0) return -1;
    n += m;
  }
  return n;
}
