/**
 * @module apiserver/registry/fieldmanager/paths
 * Reading and removing the value at a field-set path inside an object.
 */

function findItem(list: any[], token: string): number {
  if (token.startsWith('k:')) {
    const key = JSON.parse(token.slice(2));
    return list.findIndex((it) => it && typeof it === 'object' && Object.entries(key).every(([k, v]) => JSON.stringify(it[k]) === JSON.stringify(v)));
  }
  if (token.startsWith('v:')) {
    const v = token.slice(2);
    return list.findIndex((it) => JSON.stringify(it) === v);
  }
  return -1;
}

export const MISSING = Symbol('missing');

export function getAt(obj: any, parts: string[]): unknown {
  let cur = obj;
  for (const part of parts) {
    if (part === '.') return cur;
    if (cur === null || cur === undefined) return MISSING;
    if (part.startsWith('f:')) {
      if (typeof cur !== 'object' || Array.isArray(cur) || !(part.slice(2) in cur)) return MISSING;
      cur = cur[part.slice(2)];
    } else {
      if (!Array.isArray(cur)) return MISSING;
      const i = findItem(cur, part);
      if (i < 0) return MISSING;
      cur = cur[i];
    }
  }
  return cur;
}

/** Remove the field (or list item) at `parts`; empty parents left behind stay (as Kubernetes keeps `{}`). */
export function removeAt(obj: any, parts: string[]): void {
  const last = parts[parts.length - 1] === '.' ? parts.length - 2 : parts.length - 1;
  let cur = obj;
  for (let i = 0; i < last; i++) {
    const part = parts[i];
    if (cur === null || typeof cur !== 'object') return;
    if (part.startsWith('f:')) cur = cur[part.slice(2)];
    else { if (!Array.isArray(cur)) return; const j = findItem(cur, part); if (j < 0) return; cur = cur[j]; }
  }
  const part = parts[last];
  if (cur === null || typeof cur !== 'object') return;
  if (part.startsWith('f:')) { if (!Array.isArray(cur)) delete cur[part.slice(2)]; }
  else if (Array.isArray(cur)) { const j = findItem(cur, part); if (j >= 0) cur.splice(j, 1); }
}
