/**
 * @module machinery/json-scan
 * Find duplicate object keys in JSON text without building values. JSON.parse silently keeps the
 * last duplicate; Kubernetes' strict decoding reports each one (`duplicate field "spec.replicas"`),
 * so every request body is scanned once here before it is parsed.
 */

/** Paths (dot-joined, arrays as `[i]`) of keys that occur twice in the same object. Assumes `text` is valid JSON. */
export function findDuplicateKeys(text: string): string[] {
  const dups: string[] = [];
  // Stack frames: for objects a Set of keys seen and the object's path; for arrays the index.
  const keys: (Set<string> | null)[] = [];
  const paths: string[] = [];
  const idx: number[] = [];
  let pendingKey: string | null = null;
  let expectKey = false;
  const n = text.length;
  const childPath = (): string => {
    const d = keys.length - 1;
    if (d < 0) return '';
    const base = paths[d];
    if (keys[d] === null) return `${base}[${idx[d]}]`;
    return base ? `${base}.${pendingKey}` : (pendingKey ?? '');
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
        const raw = text.slice(i + 1, j);
        const key = simple ? raw : (JSON.parse(text.slice(i, j + 1)) as string);
        const set = keys[keys.length - 1]!;
        if (set.has(key)) {
          const base = paths[paths.length - 1];
          dups.push(base ? `${base}.${key}` : key);
        } else set.add(key);
        pendingKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 123 /* { */) {
      paths.push(childPath());
      keys.push(new Set());
      idx.push(0);
      expectKey = true;
    } else if (c === 91 /* [ */) {
      paths.push(childPath());
      keys.push(null);
      idx.push(0);
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      keys.pop(); paths.pop(); idx.pop();
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
